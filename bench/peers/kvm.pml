/*
 * The clockcheck KVM suspend-time model (model/core/, model/arch/x86.ts, model/designs/x86.ts) in
 * Promela, for cross-checking state counts and for speed comparisons with
 * SPIN. One process whose every action is a d_step, so each SPIN transition
 * is exactly one clockcheck action and both tools store the same states.
 *
 * Parameters (spin -D...): VCPUS (1..4), SUSPENDS, MAXAWAKE, MAXSLEEP,
 * GRAN (tscGranularity), CANFAIL, VDSO, and the design: V3 or BASELINE.
 * (v3-fixed is ported with the premises, in kvm-premises.pml: the bench runs
 * it from there.)
 * Fields that a design never changes (guest-sync, VMM, mutant fields) are
 * left out: they are constant, so they do not change the count. So are the
 * premises' fields at their defaults (model/premises.ts): with the host TSC
 * counting through the sleep (hostTsc=0) and no sleep error, the TSC counts
 * exactly what offs_boot grows by (hostTscSlept = hostSlept), so the
 * masterclock snapshot's skew (masterSkew = hostSlept - hostTscSlept) is
 * always 0 and a page is written as pageBase = -kvmclockAdj + tscAdj.
 */

#define RUNNING  0
#define PREPARED 1
#define FROZEN   2
#define RESUMED  3
#define THAWED   4

#define PC_RUN   0
#define PC_RETRY 1
#define PC_GUEST 2

byte hostPhase;
byte hostAwake;
byte hostSlept;
byte suspendsStarted;
byte kvmSuspendNs;
byte kvmclockAdj;
byte sharedSuspendNs;
byte pc[VCPUS];
bool reqAdj[VCPUS];
bool reqClock[VCPUS];
byte suspendNs[VCPUS];
byte tscAdj[VCPUS];
/* pvclock page: system_time - tsc_timestamp (model/arch/x86.ts refreshPage). */
short pageBase[VCPUS];
bool irqPending[VCPUS];
byte guestOffsBoot;
byte guestInjected;
short lastMono;
short lastBoot;
byte lastAwake;

/* Scratch for d_steps; hidden variables are not part of the state. */
hidden byte total;
hidden byte d;

/* Loops over the vCPUs, unrolled: a do-loop with break inside d_step does not compile. */
#if VCPUS == 1
#define EACH(X) X(0)
#elif VCPUS == 2
#define EACH(X) X(0); X(1)
#elif VCPUS == 3
#define EACH(X) X(0); X(1); X(2)
#else
#define EACH(X) X(0); X(1); X(2); X(3)
#endif

#define SET_REQ_CLOCK(k) reqClock[k] = true
#define SET_REQ_ADJ(k) reqAdj[k] = true
#define KICK_OUT(k) if :: pc[k] == PC_GUEST -> pc[k] = PC_RUN :: else -> skip fi
/* A thread between the d == 0 check and its re-request finishes the pass, then freezes. */
#define FINISH_RETRY(k) if :: pc[k] == PC_RETRY -> reqAdj[k] = true; \
  if :: reqClock[k] -> reqClock[k] = false; pageBase[k] = tscAdj[k] - kvmclockAdj :: else -> skip fi; \
  pc[k] = PC_RUN :: else -> skip fi
#define CLEAR_IF_DONE(k) if :: total == suspendNs[k] -> reqAdj[k] = false :: else -> skip fi

inline requestClockUpdateAll() {
  EACH(SET_REQ_CLOCK)
}

/* vcpu_enter_guest after request processing: clock update, then the entry check. */
inline finishPass(i) {
  if :: reqClock[i] -> reqClock[i] = false; pageBase[i] = tscAdj[i] - kvmclockAdj :: else -> skip fi;
  if :: reqClock[i] || reqAdj[i] -> pc[i] = PC_RUN :: else -> pc[i] = PC_GUEST fi
}

inline vcpuRun(i) {
  d_step {
    pc[i] == PC_RUN && hostPhase != FROZEN && hostPhase != RESUMED ->
#ifdef V3
    if
    :: reqAdj[i] ->
      reqAdj[i] = false;
      /* kvm_adjust_suspend_time */
      total = hostSlept;
      if
      :: total > kvmSuspendNs ->
        kvmclockAdj = kvmclockAdj + total - kvmSuspendNs; kvmSuspendNs = total; requestClockUpdateAll()
      :: else -> skip
      fi;
      d = 0;
      if :: total > suspendNs[i] -> d = total - suspendNs[i]; suspendNs[i] = total :: else -> skip fi;
      if
      :: d == 0 -> pc[i] = PC_RETRY
      :: else ->
        tscAdj[i] = tscAdj[i] + (d / GRAN) * GRAN;
        /* KVM_REQ_MASTERCLOCK_UPDATE: a new snapshot (skew still 0), then a clock update on every vCPU. */
        requestClockUpdateAll();
        sharedSuspendNs = kvmSuspendNs;
        irqPending[i] = true;
        finishPass(i)
      fi
    :: else -> finishPass(i)
    fi
#else
    finishPass(i)
#endif
  }
}

inline vcpuExit(i) {
  d_step { pc[i] == PC_GUEST -> pc[i] = PC_RUN }
}

inline readClock(i, page) {
  d_step {
    pc[i] == PC_GUEST ->
    lastMono = pageBase[page] + hostAwake + hostSlept - tscAdj[i];
    lastBoot = lastMono + guestOffsBoot;
    lastAwake = hostAwake
  }
}

inline vcpuRetry(i) {
  d_step { pc[i] == PC_RETRY -> reqAdj[i] = true; finishPass(i) }
}

inline guestIrq(i) {
  d_step {
    pc[i] == PC_GUEST && irqPending[i] ->
    irqPending[i] = false;
    if
    :: sharedSuspendNs > guestInjected ->
      guestOffsBoot = guestOffsBoot + sharedSuspendNs - guestInjected; guestInjected = sharedSuspendNs
    :: else -> skip
    fi
  }
}

#ifdef V3
#define VCPU(i) :: vcpuRun(i) :: vcpuExit(i) :: readClock(i, i) :: VDSO_READ(i) :: vcpuRetry(i) :: guestIrq(i)
#else
#define VCPU(i) :: vcpuRun(i) :: vcpuExit(i) :: readClock(i, i) :: VDSO_READ(i)
#endif
#if VDSO
#define VDSO_READ(i) readClock(i, 0)
#else
#define VDSO_READ(i) d_step { false -> skip }
#endif

active proctype system() {
end:
  do
  :: d_step { hostAwake < MAXAWAKE -> hostAwake++ }
  :: d_step {
       hostPhase == RUNNING && suspendsStarted < SUSPENDS ->
       suspendsStarted++; hostPhase = PREPARED;
       /* kvm_arch_pm_notifier -> kvm_set_guest_paused: KVM_REQ_CLOCK_UPDATE on every vCPU (every design). */
       requestClockUpdateAll();
#ifdef V3
       EACH(SET_REQ_ADJ)
#endif
     }
  :: d_step {
       hostPhase == PREPARED ->
       EACH(FINISH_RETRY);
       EACH(KICK_OUT);
       hostPhase = FROZEN
     }
  :: d_step { hostPhase == FROZEN && MAXSLEEP >= 1 -> hostSlept = hostSlept + 1; hostPhase = RESUMED }
  :: d_step { hostPhase == FROZEN && MAXSLEEP >= 2 -> hostSlept = hostSlept + 2; hostPhase = RESUMED }
  :: d_step { hostPhase == FROZEN && MAXSLEEP >= 3 -> hostSlept = hostSlept + 3; hostPhase = RESUMED }
  :: d_step { hostPhase == RESUMED -> hostPhase = THAWED }
  :: d_step {
       hostPhase == THAWED -> hostPhase = RUNNING;
#ifdef V3
       total = hostSlept;
       EACH(CLEAR_IF_DONE)
#endif
     }
  :: d_step { CANFAIL && (hostPhase == PREPARED || hostPhase == FROZEN) -> hostPhase = THAWED }
  VCPU(0)
#if VCPUS > 1
  VCPU(1)
#endif
#if VCPUS > 2
  VCPU(2)
#endif
#if VCPUS > 3
  VCPU(3)
#endif
  od
}
