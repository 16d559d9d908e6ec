/*
 * The clockcheck KVM suspend-time model (model/core/, model/arch/x86.ts, model/designs/x86.ts)
 * in Promela, with the premises the lock and TSC verdicts rest on and the
 * safety properties as assertions, for cross-checking clockcheck's verdicts
 * with SPIN (bench/peers/spin-crosscheck.test.ts, docs/spin-crosscheck.md).
 * bench/peers/kvm.pml stays the lean port the bench counts states with.
 *
 * As there, one process whose every action is a d_step, so each SPIN
 * transition is exactly one clockcheck action and both tools store the same
 * states: with assertions ignored (pan -A) SPIN finds clockcheck's distinct
 * states and transitions (`check ... --property none`), which the test
 * asserts too.
 *
 * Parameters (spin -D...): VCPUS (1..4), SUSPENDS, MAXAWAKE, MAXSLEEP
 * (1..4), GRAN (tscGranularity), CANFAIL, VDSO, JUMPTOL (jumpTolerance),
 * and the premises HOSTTSC (0 counts, 1 stops, 2 resets: hostTsc) and
 * VMIOCTL (0/1: vmIoctl). The design: V3, V3_FIXED, V1,
 * FIX_UNDER_KVM_LOCK (mutant-fix-under-kvm-lock) or BASELINE.
 * Every other premise is at its default (no sleep error, kvmclock, a stable
 * TSC without scaling, a guest that boots with the VM and stays, no async
 * page faults, no VMM notice): the fields only those premises move are
 * constant and left out, and the constants they would hold are named below.
 *
 * Properties (specs/properties.ts), each an assertion on a hidden
 * variable of its name, so that pan prints "assertion violated <name>":
 *   step properties, inside the read's d_step, comparing the previous and
 *   the new read: monoNoRewind, monoNoJump, bootNoRewind;
 *   invariants, at the end of every step's d_step (they hold in the initial
 *   state): bootExact, noSleepInAtomic; lockOrder where the lock edges change.
 * CHECK (a bit mask, default all) selects which are asserted: 1 monoNoRewind,
 * 2 monoNoJump, 4 bootNoRewind, 8 bootExact, 16 lockOrder, 32 noSleepInAtomic.
 * Run pan with -c0 to go on past violations and report every property
 * violated (pan prints each assertion's message when it differs from the
 * last one printed), or with CHECK set to one property to stop at its first
 * violation and replay the trail with spin -t.
 */

#ifndef VCPUS
#define VCPUS 2
#endif
#ifndef SUSPENDS
#define SUSPENDS 2
#endif
#ifndef MAXAWAKE
#define MAXAWAKE 2
#endif
#ifndef MAXSLEEP
#define MAXSLEEP 2
#endif
#ifndef GRAN
#define GRAN 1
#endif
#ifndef CANFAIL
#define CANFAIL 1
#endif
#ifndef VDSO
#define VDSO 1
#endif
#ifndef JUMPTOL
#define JUMPTOL 0
#endif
#ifndef HOSTTSC
#define HOSTTSC 0
#endif
#ifndef VMIOCTL
#define VMIOCTL 0
#endif
#ifndef CHECK
#define CHECK 63
#endif

/* The designs: which hooks of model/designs.ts each one has. */
#if defined(FIX_UNDER_KVM_LOCK)
#define FIXED 1            /* v3-fixed's hooks, with its own suspendTimeAdj and retry */
#define RETRY_UNDER_KVM_LOCK 1
#elif defined(V3_FIXED)
#define FIXED 1
#endif
#if defined(V3) || defined(FIXED)
#define HAS_RETRY 1        /* d.retry, d.irqHandler, d.postSuspend */
#endif
#if !defined(V3) && !defined(FIXED) && !defined(V1) && !defined(BASELINE)
#error "no design: define V3, V3_FIXED, V1, FIX_UNDER_KVM_LOCK or BASELINE"
#endif

#define RUNNING  0
#define PREPARED 1
#define FROZEN   2
#define RESUMED  3
#define THAWED   4

#define PC_RUN   0
#define PC_RETRY 1
#define PC_GUEST 2

#define HOSTTSC_COUNTS 0
#define HOSTTSC_STOPS  1
#define HOSTTSC_RESETS 2

/* LockClass (model/premises.ts) */
#define KVM_LOCK        0
#define VCPU_MUTEX      1
#define KVM_GLOBAL_LOCK 2
#define TIMEKEEPER_LOCK 3
#define NLOCK           4

/* Constant at these premises (left out of the state). */
#define KVM_BASE 0               /* kvm->base_offs_boot_ns: no late MSR enable, no migration */
#define GUEST_MONO_ADJ 0         /* no guest boot after VM creation, no guest-sync */
#define HOST_SLEPT_AT_BOOT 0     /* ghost: the guest booted with the VM */
#define GUEST_ASLEEP_TICKS 0     /* ghost: no guest-sync */
/* msrEnabled is true (usesMsr designs, no lateEnable), the guest is booted
 * and running, no VMM pauses it, no WARN_ON (no TSC scaling), no deferred
 * adjustment: every guard on them is true. */

byte hostPhase;
byte hostAwake;
byte hostSlept;
byte hostTscSlept;
bool masterclockLost;           /* hostTsc=2 only; unstableTsc=0 */
short pvLast;
short masterSkew;
byte suspendsStarted;
byte kvmSuspendNs;
byte kvmclockAdj;
bool kvmSuspendInProgress;      /* v3-fixed and its mutant */
byte sharedSuspendNs;
byte pc[VCPUS];
bool reqAdj[VCPUS];
bool reqClock[VCPUS];
byte suspendNs[VCPUS];
byte tscSleptSeen[VCPUS];
short tscAdj[VCPUS];
short pageBase[VCPUS];
bool pageStable[VCPUS] = true;  /* PVCLOCK_TSC_STABLE_BIT in each page: unstableTsc=0, so set at VM creation */
bool irqPending[VCPUS];
bool inRun[VCPUS] = true;
byte guestOffsBoot;
byte guestInjected;
byte vmIoctl;                   /* 0 idle, 1 kvm->lock, 1 + k also k vcpu->mutexes, VCPUS + 2 done */
unsigned lockEdges : 16;        /* held x taken, LockClass x LockClass bits */
bool sleptInAtomic;
short lastMono;
short lastBoot;
byte lastAwake;

/* Scratch for d_steps; hidden variables are not part of the state. */
hidden byte total;
hidden byte d;
hidden short amount;
hidden byte res;                /* what suspendTimeAdj returned */
hidden byte j;                  /* loops of the shared steps */
hidden byte fz;                 /* the freezer's loop (it calls retry, which may call lockEdge) */
hidden byte page;
hidden byte vdsoPage0;          /* the vDSO reads vCPU 0's page itself */
hidden short raw;
hidden short prevMono;
hidden short prevBoot;
hidden byte prevAwake;
hidden int reach;               /* checkLockOrder's alone */
hidden byte ka;
hidden byte kb;
hidden byte kk;
/* One per property, asserted by name. */
hidden byte monoNoRewind;
hidden byte monoNoJump;
hidden byte bootNoRewind;
hidden byte bootExact;
hidden byte lockOrder;
hidden byte noSleepInAtomic;

#define DONE  0
#define RETRY 1

#define KVM_LOCK_FREE (vmIoctl == 0 || vmIoctl == VCPUS + 2)
#define TASKS_FROZEN (hostPhase == FROZEN || hostPhase == RESUMED)

/* ---- invariants, asserted after every step ---------------------------- */

/* lockCycle (specs/properties.ts): a cycle in the edges taken, with the
 * documented order kvm->lock before vcpu->mutex; Warshall's closure. */
inline checkLockOrder() {
  reach = lockEdges | (1 << (KVM_LOCK * NLOCK + VCPU_MUTEX));
  for (kk : 0 .. NLOCK - 1) {
    for (ka : 0 .. NLOCK - 1) {
      for (kb : 0 .. NLOCK - 1) {
        if
        :: (reach & (1 << (ka * NLOCK + kk))) != 0 && (reach & (1 << (kk * NLOCK + kb))) != 0 ->
           reach = reach | (1 << (ka * NLOCK + kb))
        :: else -> skip
        fi
      }
    }
  };
  lockOrder = 1;
  for (ka : 0 .. NLOCK - 1) {
    if :: (reach & (1 << (ka * NLOCK + ka))) != 0 -> lockOrder = 0 :: else -> skip fi
  }
}

/* lockOrder is asserted where lockEdges changes (lockEdge, below): it is a
 * function of lockEdges alone, which no other step writes, so a reachable
 * state breaks it exactly when the last lockEdge on its path made a state
 * that breaks it (the initial state has no edge). Checking it after every
 * step as well would give the same verdict for four times the code. */
inline invariants() {
  bootExact = (!(CHECK & 8) || guestOffsBoot <= hostSlept - HOST_SLEPT_AT_BOOT + GUEST_ASLEEP_TICKS);
  assert(bootExact);
  noSleepInAtomic = (!(CHECK & 32) || !sleptInAtomic);
  assert(noSleepInAtomic)
}

/* ---- shared steps (model/core/machine.ts, model/arch/x86.ts) --------------------------------------- */

inline requestClockUpdateAll() {
  for (j : 0 .. VCPUS - 1) { reqClock[j] = true }
}

/* kvm_guest_time_update: the page from the masterclock snapshot, or from
 * the clocks now without it; PVCLOCK_TSC_STABLE_BIT while the masterclock is
 * in use. The bit belongs to the page: one written before the masterclock
 * was lost keeps it until its own vCPU rewrites it. */
inline refreshPage(i) {
  pageBase[i] = (masterclockLost -> hostSlept - hostTscSlept : masterSkew) - kvmclockAdj + tscAdj[i];
  pageStable[i] = !masterclockLost
}

inline masterclockUpdate() {
  if :: !masterclockLost -> masterSkew = hostSlept - hostTscSlept :: else -> skip fi;
  requestClockUpdateAll()
}

/* adjust_tsc_offset_host(vcpu, -amount), no TSC scaling. */
inline tscMoveBackHost(i) {
  if :: amount != 0 -> tscAdj[i] = tscAdj[i] + amount :: else -> skip fi
}

inline lockEdge(held, taken) {
  lockEdges = lockEdges | (1 << (held * NLOCK + taken));
  if :: (CHECK & 16) -> checkLockOrder() :: else -> lockOrder = 1 fi;
  assert(lockOrder)
}

/* The rest of the pass, then the entry check (requestTiming beforeEntry). */
inline finishPass(i) {
  if :: reqClock[i] -> reqClock[i] = false; refreshPage(i) :: else -> skip fi;
  if :: reqClock[i] || reqAdj[i] -> pc[i] = PC_RUN :: else -> pc[i] = PC_GUEST fi
}

/* ---- the designs' hooks (model/designs.ts) ------------------------------- */

/* vmWideAdjust(total) */
inline vmWideAdjust() {
  if
  :: total > kvmSuspendNs ->
     kvmclockAdj = kvmclockAdj + total - kvmSuspendNs; kvmSuspendNs = total; requestClockUpdateAll()
  :: else -> skip
  fi
}

/* deliverCallbackIrq drops the vector while the guest is down (guestBooted
 * false); here the guest is always up, so it is always delivered. */
inline notifyGuest(i) {
  sharedSuspendNs = kvmSuspendNs;
  irqPending[i] = true
}

/* v3SuspendTimeAdj */
inline v3SuspendTimeAdj(i) {
  total = hostSlept - KVM_BASE;
  vmWideAdjust();
  d = 0;
  if :: total > suspendNs[i] -> d = total - suspendNs[i]; suspendNs[i] = total :: else -> skip fi;
  if
  :: d == 0 -> res = RETRY
  :: else ->
     /* vcpuAdjust: the TSC by whole "milliseconds" */
     amount = (d / GRAN) * GRAN;
     tscMoveBackHost(i);
     masterclockUpdate();
     notifyGuest(i);
     res = DONE
  fi
}

/* fixedSuspendTimeAdj */
inline fixedSuspendTimeAdj(i) {
  total = hostSlept - KVM_BASE;
  vmWideAdjust();
  if
  :: total > suspendNs[i] || hostTscSlept > tscSleptSeen[i] ->
     suspendNs[i] = total;
     tscAdj[i] = tscAdj[i] + hostTscSlept - tscSleptSeen[i];
     tscSleptSeen[i] = hostTscSlept;
     masterclockUpdate();
     notifyGuest(i)
  :: else -> skip
  fi;
  res = (kvmSuspendInProgress -> RETRY : DONE)
}

inline suspendTimeAdj(i) {
#if defined(V3)
  v3SuspendTimeAdj(i)
#elif defined(RETRY_UNDER_KVM_LOCK)
  fixedSuspendTimeAdj(i);
  res = RETRY
#elif defined(FIXED)
  fixedSuspendTimeAdj(i)
#else
  res = DONE   /* v1, baseline: no KVM_REQ_SUSPEND_TIME_ADJ handler (never requested) */
#endif
}

inline retry(i) {
#if defined(RETRY_UNDER_KVM_LOCK)
  lockEdge(VCPU_MUTEX, KVM_LOCK);
  if :: kvmSuspendInProgress -> reqAdj[i] = true :: else -> skip fi;
  finishPass(i)
#else
  /* reRequest */
  reqAdj[i] = true;
  finishPass(i)
#endif
}

inline suspendPrepare() {
#if defined(V3)
  for (j : 0 .. VCPUS - 1) { reqAdj[j] = true }
#elif defined(FIXED)
  kvmSuspendInProgress = true;
  for (j : 0 .. VCPUS - 1) { reqAdj[j] = true }   /* msrEnabled */
#else
  skip
#endif
}

inline postSuspend() {
#if defined(V3)
  total = hostSlept - KVM_BASE;
  for (j : 0 .. VCPUS - 1) { if :: total == suspendNs[j] -> reqAdj[j] = false :: else -> skip fi }
#elif defined(FIXED)
  kvmSuspendInProgress = false;
  total = hostSlept - KVM_BASE;
  for (j : 0 .. VCPUS - 1) {
    if :: total == suspendNs[j] && hostTscSlept == tscSleptSeen[j] -> reqAdj[j] = false :: else -> skip fi
  }
#else
  skip
#endif
}

/* v1's host side, inside timekeeping_resume (msrEnabled). */
inline timekeepingResume() {
#if defined(V1)
  lockEdge(TIMEKEEPER_LOCK, KVM_GLOBAL_LOCK);
  sleptInAtomic = true;
  total = hostSlept - KVM_BASE;
  vmWideAdjust();
  for (j : 0 .. VCPUS - 1) {
    if
    :: total > suspendNs[j] ->
       amount = ((total - suspendNs[j]) / GRAN) * GRAN;
       tscMoveBackHost(j);
       suspendNs[j] = total
    :: else -> skip
    fi
  };
  requestClockUpdateAll();
  sharedSuspendNs = kvmSuspendNs
#else
  skip
#endif
}

/* injectDifference: the guest's handler (v3 designs) or its tick (v1). */
inline injectDifference() {
  if
  :: sharedSuspendNs > guestInjected ->
     guestOffsBoot = guestOffsBoot + sharedSuspendNs - guestInjected; guestInjected = sharedSuspendNs
  :: else -> skip
  fi
}

/* ---- actions --------------------------------------------------------------- */

inline hostSleep(dur) {
  d_step {
    hostPhase == FROZEN && MAXSLEEP >= dur ->
    hostSlept = hostSlept + dur;
    if :: HOSTTSC == HOSTTSC_COUNTS -> hostTscSlept = hostTscSlept + dur :: else -> skip fi;
    /* A reset: kvm_arch_hardware_enable ends the masterclock for good and,
     * at every resume (the TSC is behind last_host_tsc each time), asks
     * every vCPU for a new page. */
    if
    :: HOSTTSC == HOSTTSC_RESETS -> masterclockLost = true; requestClockUpdateAll()
    :: else -> skip
    fi;
    hostPhase = RESUMED;
    timekeepingResume();
    invariants()
  }
}

inline vcpuRun(i) {
  d_step {
    pc[i] == PC_RUN && inRun[i] && !TASKS_FROZEN ->
    if
    :: reqAdj[i] ->
       reqAdj[i] = false;
       suspendTimeAdj(i);
       if :: res == RETRY -> pc[i] = PC_RETRY :: else -> finishPass(i) fi
    :: else -> finishPass(i)
    fi;
    invariants()
  }
}

inline vcpuExit(i) {
  d_step { pc[i] == PC_GUEST -> pc[i] = PC_RUN; invariants() }
}

/* readClock(i, path): readMono. The vDSO reads vCPU 0's page itself while
 * that page has PVCLOCK_TSC_STABLE_BIT (vdsoReadsPage0), else it falls back
 * to the kernel, which reads the reader's own page; a kernel read through a
 * page without the bit is clamped to pvclock's last_value (guestClockRead). */
inline readClock(i, path) {
  d_step {
    pc[i] == PC_GUEST ->
    prevMono = lastMono; prevBoot = lastBoot; prevAwake = lastAwake;
    vdsoPage0 = (path == 1 && pageStable[0]);
    page = (vdsoPage0 -> 0 : i);
    raw = pageBase[page] + hostAwake + hostTscSlept - tscAdj[i];
    if
    :: !vdsoPage0 && !pageStable[i] -> if :: raw < pvLast -> raw = pvLast :: else -> skip fi; pvLast = raw
    :: else -> skip
    fi;
    lastMono = raw - GUEST_MONO_ADJ;
    lastBoot = lastMono + guestOffsBoot;
    lastAwake = hostAwake;
    monoNoRewind = (!(CHECK & 1) || lastMono >= prevMono);
    assert(monoNoRewind);
    monoNoJump = (!(CHECK & 2) || lastMono - prevMono <= lastAwake - prevAwake + JUMPTOL);
    assert(monoNoJump);
    bootNoRewind = (!(CHECK & 4) || lastBoot >= prevBoot);
    assert(bootNoRewind);
    invariants()
  }
}

inline vcpuRetry(i) {
  d_step {
#if defined(RETRY_UNDER_KVM_LOCK)
    pc[i] == PC_RETRY && KVM_LOCK_FREE ->
#else
    pc[i] == PC_RETRY ->
#endif
    retry(i);
    invariants()
  }
}

inline guestIrq(i) {
  d_step { pc[i] == PC_GUEST && irqPending[i] -> irqPending[i] = false; injectDifference(); invariants() }
}

inline guestTick(i) {
  d_step { pc[i] == PC_GUEST && sharedSuspendNs > guestInjected -> injectDifference(); invariants() }
}

/* vmIoctl: KVM_RUN returns to the VMM; the VMM kicks the vCPU it waits for; KVM_RUN again. */
inline vcpuUserExit(i) {
  d_step { pc[i] == PC_GUEST && inRun[i] -> pc[i] = PC_RUN; inRun[i] = false; invariants() }
}
inline vcpuKickedOut(i) {
  d_step { vmIoctl == i + 1 && inRun[i] && pc[i] != PC_RETRY -> pc[i] = PC_RUN; inRun[i] = false; invariants() }
}
inline vcpuIoctlRun(i) {
  d_step { !inRun[i] && !(vmIoctl > i + 1 && vmIoctl <= VCPUS + 1) && !TASKS_FROZEN -> inRun[i] = true; invariants() }
}

#if VDSO
#define VDSO_READ(i) :: readClock(i, 1)
#else
#define VDSO_READ(i)
#endif
#ifdef HAS_RETRY
#define RETRY_OPTS(i) :: vcpuRetry(i) :: guestIrq(i)
#else
#define RETRY_OPTS(i)
#endif
#ifdef V1
#define POLL_OPTS(i) :: guestTick(i)
#else
#define POLL_OPTS(i)
#endif
#if VMIOCTL
#define IOCTL_OPTS(i) :: vcpuUserExit(i) :: vcpuKickedOut(i) :: vcpuIoctlRun(i)
#else
#define IOCTL_OPTS(i)
#endif

#define VCPU(i) :: vcpuRun(i) :: vcpuExit(i) :: readClock(i, 0) VDSO_READ(i) RETRY_OPTS(i) POLL_OPTS(i) IOCTL_OPTS(i)

active proctype system() {
end:
  do
  /* tick */
  :: d_step { hostAwake < MAXAWAKE -> hostAwake++; invariants() }
  /* pmSuspendPrepare, under kvm->lock */
  :: d_step {
       hostPhase == RUNNING && suspendsStarted < SUSPENDS && KVM_LOCK_FREE ->
       suspendsStarted++; hostPhase = PREPARED;
       /* kvm_arch_pm_notifier -> kvm_set_guest_paused (every design) */
       requestClockUpdateAll();
       suspendPrepare();
       invariants()
     }
  /* freezeTasks: a thread between the check and its re-request finishes the pass, then freezes */
  :: d_step {
       hostPhase == PREPARED && KVM_LOCK_FREE ->
       for (fz : 0 .. VCPUS - 1) {
#ifdef HAS_RETRY
         if :: pc[fz] == PC_RETRY -> retry(fz) :: else -> skip fi;
#endif
         if :: pc[fz] == PC_GUEST -> pc[fz] = PC_RUN :: else -> skip fi
       };
       hostPhase = FROZEN;
       invariants()
     }
  :: hostSleep(1)
  :: hostSleep(2)
  :: hostSleep(3)
  :: hostSleep(4)
  /* thawTasks */
  :: d_step { hostPhase == RESUMED -> hostPhase = THAWED; invariants() }
  /* pmPostSuspend (the design's notifier under kvm->lock) */
  :: d_step {
#ifdef HAS_RETRY
       hostPhase == THAWED && KVM_LOCK_FREE ->
#else
       hostPhase == THAWED ->
#endif
       hostPhase = RUNNING;
       postSuspend();
       invariants()
     }
  /* suspendFail */
  :: d_step { CANFAIL && (hostPhase == PREPARED || hostPhase == FROZEN) -> hostPhase = THAWED; invariants() }
#if VMIOCTL
  /* vmmIoctlLockVm, vmmIoctlLockVcpu, vmmIoctlDone */
  :: d_step { vmIoctl == 0 && hostPhase != FROZEN && hostPhase != RESUMED -> vmIoctl = 1; invariants() }
  :: d_step {
       vmIoctl >= 1 && vmIoctl <= VCPUS && !inRun[vmIoctl - 1] ->
       lockEdge(KVM_LOCK, VCPU_MUTEX); vmIoctl++; invariants()
     }
  :: d_step { vmIoctl == VCPUS + 1 -> vmIoctl = VCPUS + 2; invariants() }
#endif
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
