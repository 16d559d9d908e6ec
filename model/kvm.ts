// The KVM virtual suspend time system as a state machine: the host suspend
// sequence, KVM's per-VM and per-vCPU state, the vCPU run loop, kvmclock
// pages, interrupt delivery and the guest's timekeeping, with the premises a
// verdict rests on as parameters (premises.ts). A design (model/designs.ts)
// supplies the steps that differ between proposals; everything else is
// shared. docs/model.md explains every abstraction and cites the kernel
// function behind each action.

import { array, bool, defineLayout, enumOf, int, strongFairness, weakFairness, type ActionFamily, type FairnessDecl, type StateView, type StutteringDecl } from '../checker/index.js';
import type { Design } from './designs.js';
import { HostTsc, LockClass, VmmNotice, type KvmParams } from './premises.js';

export { HostTsc, LockClass, VmmNotice, type KvmParams } from './premises.js';

/** Host suspend sequence (kernel/power/suspend.c: enter_state and the functions it calls). */
export const HostPhase = {
  /** Normal operation. */
  running: 0,
  /** PM_SUSPEND_PREPARE notifiers have run; user tasks not yet frozen. */
  prepared: 1,
  /** User tasks (every VMM thread) are frozen. */
  frozen: 2,
  /** timekeeping_resume has run (or the suspend failed); tasks still frozen. */
  resumed: 3,
  /** Tasks thawed; PM_POST_SUSPEND notifiers not yet run. */
  thawed: 4,
  /** systemd-logind has sent PrepareForSleep(true); the kernel suspend has not begun (vmmNotice >= 1). */
  requested: 5,
} as const;

/** Where a vCPU thread is in vcpu_run() / vcpu_enter_guest(). */
export const VcpuPc = {
  /** Top of the run loop (or in userspace): the only place its thread can be frozen. */
  run: 0,
  /** Between the check that decides to re-request KVM_REQ_SUSPEND_TIME_ADJ and the re-request. */
  retry: 1,
  /** In guest mode. */
  guest: 2,
} as const;

export const GuestPm = {
  running: 0,
  /** Guest tasks frozen and its timekeeping suspended (guest-sync only). */
  suspended: 1,
} as const;

export const ReadPath = { kernel: 0, vdso: 1 } as const;

/** Bounds derived from the parameters and the design, sized so no legal step overflows a field. */
export interface Bounds {
  /** Most the host's offs_boot can grow (measured sleeps). */
  readonly maxTotal: number;
  /** Most the host TSC can count while asleep. */
  readonly maxTscSlept: number;
  readonly kvmclockAdjMax: number;
  readonly tscAdjMin: number;
  readonly tscAdjMax: number;
  readonly monoAdjMin: number;
  readonly monoAdjMax: number;
  readonly offsBootMax: number;
  readonly monoMin: number;
  readonly monoMax: number;
  readonly pageMin: number;
  readonly pageMax: number;
}

export function boundsFor(p: KvmParams, d: Design): Bounds {
  const maxTotal = p.suspends * (p.maxSleep + p.sleepError);
  const maxTscSlept = p.hostTsc === HostTsc.counts ? p.suspends * p.maxSleep : 0;
  const kvmclockAdjMax = maxTotal * (d.kvmclockAdjustPerVcpu ? p.vcpus : 1) + (d.vmm ? maxTotal : 0);
  // The TSC moves back by at most what was measured or counted, forward
  // when TSC scaling garbles the sign or an unstable TSC catches up.
  const tscAdjMax = maxTotal + maxTscSlept;
  const tscAdjMin = -(maxTotal + maxTotal);
  const guestBoots = (p.lateEnable ? 1 : 0) + p.reboot;
  const kvmclockMax = p.maxAwake + maxTotal + maxTscSlept + tscAdjMax + kvmclockAdjMax + maxTotal;
  const monoAdjMax = (d.guestSync ? maxTotal + p.maxAwake : 0) + (guestBoots ? kvmclockMax : 0);
  const monoAdjMin = guestBoots ? -(kvmclockAdjMax + tscAdjMax + maxTotal) : 0;
  const offsBootMax = maxTotal * Math.max(1, p.suspends) + (d.guestSync ? p.maxAwake : 0);
  const monoMin = -(kvmclockAdjMax + tscAdjMax + monoAdjMax + maxTotal);
  const monoMax = p.maxAwake + maxTotal + maxTscSlept + tscAdjMax - Math.min(0, tscAdjMin) + kvmclockAdjMax - monoAdjMin;
  const pageMin = -(kvmclockAdjMax + maxTscSlept) + tscAdjMin - maxTotal;
  const pageMax = maxTotal + tscAdjMax;
  return { maxTotal, maxTscSlept, kvmclockAdjMax, tscAdjMin, tscAdjMax, monoAdjMin, monoAdjMax, offsBootMax, monoMin, monoMax, pageMin, pageMax };
}

export function kvmLayout(p: KvmParams, b: Bounds) {
  return defineLayout({
    // Host clocks: MONOTONIC = hostAwake, offs_boot (and BOOTTIME - MONOTONIC)
    // = hostSlept as the host measured it, the TSC = hostAwake + hostTscSlept
    // (what the counter counted while the machine slept: hostTsc premise).
    hostPhase: enumOf(HostPhase),
    hostAwake: int(0, p.maxAwake),
    hostSlept: int(0, b.maxTotal),
    hostTscSlept: int(0, b.maxTscSlept),
    // KVM lost its masterclock for good (the host TSC went backwards, or it is
    // unstable): no PVCLOCK_TSC_STABLE_BIT, so the vDSO falls back to the
    // kernel, whose pvclock read clamps to the last value any CPU returned.
    masterclockLost: bool(),
    // pvclock's global last_value, for that clamp.
    pvLast: int(Math.min(0, b.monoMin), b.monoMax),
    // The masterclock's snapshot {master_kernel_ns, master_cycle_now}
    // reduced to one number: how far boot time had run ahead of the TSC
    // when it was taken (hostSlept - hostTscSlept then). Pages are written
    // from it until the next KVM_REQ_MASTERCLOCK_UPDATE.
    masterSkew: int(-b.maxTscSlept, b.maxTotal),
    suspendsStarted: int(0, p.suspends),
    // struct kvm: suspend_time_ns, base_offs_boot_ns, kvmclock_offset (as
    // the amount subtracted), MSR_KVM_HOST_SUSPEND_TIME enabled.
    kvmSuspendNs: int(0, b.maxTotal),
    kvmBase: int(0, b.maxTotal),
    kvmclockAdj: int(0, b.kvmclockAdjMax),
    msrEnabled: bool(),
    // v3-fixed: a suspend is between PM_SUSPEND_PREPARE and PM_POST_SUSPEND.
    kvmSuspendInProgress: bool(),
    // struct kvm_suspend_time in guest memory (MSR_KVM_HOST_SUSPEND_TIME);
    // the drift the VMM shares in the userspace designs.
    sharedSuspendNs: int(0, b.maxTotal),
    vcpu: array(p.vcpus, {
      pc: enumOf(VcpuPc),
      reqSuspendTimeAdj: bool(),
      reqClockUpdate: bool(),
      // vcpu->suspend_time_ns; v3-fixed also what the TSC counted asleep when it last adjusted.
      suspendNs: int(0, b.maxTotal),
      tscSleptSeen: int(0, b.maxTscSlept),
      // TSC offset, as the amount subtracted from the host TSC.
      tscAdj: int(b.tscAdjMin, b.tscAdjMax),
      // This vCPU's pvclock page {system_time, tsc_timestamp} reduced to one
      // number: system_time - tsc_timestamp when last written (docs/model.md,
      // "pvclock pages").
      pageBase: int(b.pageMin, b.pageMax),
      // PVCLOCK_TSC_STABLE_BIT in that page: kvm_guest_time_update sets it
      // when it writes the page while the VM uses the masterclock. It belongs
      // to the page, not to the VM: a page written before the masterclock
      // was lost keeps it until its own vCPU rewrites it.
      pageStable: bool(),
      // HYPERVISOR_CALLBACK_VECTOR pending in this vCPU's local APIC.
      irqPending: bool(),
      // mutant-irq-before-adjust: a counter adjustment still to apply.
      deferredAdj: int(0, b.maxTotal),
      // vmIoctl: the thread is inside KVM_RUN, holding vcpu->mutex.
      inRun: bool(),
    }),
    // Guest timekeeper: offs_boot, tk->kvm_suspend_time (what it has
    // injected), and MONOTONIC's base: the clocksource reading at boot, plus
    // (guest-sync) what its own suspend/resume took out.
    guestOffsBoot: int(0, b.offsBootMax),
    guestInjected: int(0, b.maxTotal),
    guestMonoAdj: int(b.monoAdjMin, b.monoAdjMax),
    guestPm: enumOf(GuestPm),
    guestSuspendWanted: bool(),
    guestSuspendCs: int(Math.min(0, b.monoMin), b.monoMax),
    // The guest kernel is up (lateEnable, reboot), and how many boots are left.
    guestBooted: bool(),
    bootsLeft: int(0, 2),
    migrationsLeft: int(0, 1),
    // Ghost: host offs_boot when this guest boot began (suspends before it are not its to account).
    hostSleptAtBoot: int(0, b.maxTotal),
    // Ghost: host awake ticks that passed while the guest was suspended.
    guestAsleepTicks: int(0, p.maxAwake),
    // The userspace designs: the VMM has stopped its vCPU threads, and the
    // host's offs_boot when it did.
    vmmPaused: bool(),
    vmmSleptAtStop: int(0, b.maxTotal),
    // vmIoctl: the VMM thread's VM ioctl: 0 idle, 1 holds kvm->lock, 1 + k
    // also holds vcpu->mutex of vCPUs 0..k-1, n + 2 done.
    vmIoctl: int(0, p.vcpus + 2),
    // Ghosts for lockdep: lock classes acquired while holding another
    // (LockClass x LockClass bits), a sleeping lock taken in atomic context,
    // a WARN_ON hit.
    lockEdges: int(0, (1 << (LockClass.count * LockClass.count)) - 1),
    sleptInAtomic: bool(),
    warned: bool(),
    // The observers' last read (any vCPU, any path) and the host awake time then.
    lastMono: int(b.monoMin, b.monoMax),
    lastBoot: int(b.monoMin, b.monoMax + b.offsBootMax),
    lastAwake: int(0, p.maxAwake),
  });
}

export type KvmLayout = ReturnType<typeof kvmLayout>;
export type KvmState = StateView<KvmLayout['spec']>;

/** Everything a design's steps may need besides the state. */
export interface Ctx {
  readonly p: KvmParams;
  readonly b: Bounds;
  readonly n: number;
}

/**
 * The VM just created, at host boot: every clock 0, vCPUs at the top of their
 * run loops, the guest kernel up and the MSR enabled unless the lifecycle
 * premises say otherwise. Signed fields start at their minimum, so set them.
 */
export function kvmInit(c: Ctx, d: Design) {
  return (s: KvmState): void => {
    for (const v of s.vcpu) {
      v.pageBase = 0;
      v.tscAdj = 0;
      v.inRun = true;
      v.pageStable = c.p.unstableTsc !== 1;
    }
    s.pvLast = 0;
    s.masterSkew = 0;
    s.lastMono = 0;
    s.lastBoot = 0;
    s.guestSuspendCs = 0;
    s.guestMonoAdj = 0;
    s.guestBooted = !c.p.lateEnable;
    s.msrEnabled = !c.p.lateEnable && d.usesMsr === true;
    s.bootsLeft = (c.p.lateEnable ? 1 : 0) + c.p.reboot;
    s.migrationsLeft = c.p.migrate;
    s.masterclockLost = c.p.unstableTsc === 1;
  };
}

// ---- derived clock values ---------------------------------------------------

export function hostBoot(s: KvmState): number {
  return s.hostAwake + s.hostSlept;
}

/** vCPU i's TSC: the host TSC minus what KVM subtracted from its offset. */
export function guestTsc(s: KvmState, i: number): number {
  return s.hostAwake + s.hostTscSlept - s.vcpu[i]!.tscAdj;
}

/**
 * pvclock_clocksource_read on vCPU `reader` using vCPU `page`'s page:
 * system_time + (tsc - tsc_timestamp) = pageBase + the reader's TSC (1 tick
 * = 1 ns = 1 cycle).
 */
export function kvmclockRead(s: KvmState, reader: number, page: number): number {
  return s.vcpu[page]!.pageBase + guestTsc(s, reader);
}

/**
 * The vDSO reads kvmclock itself only while vCPU 0's page has
 * PVCLOCK_TSC_STABLE_BIT (vread_pvclock tests it at every read); otherwise
 * it falls back to the syscall, a kernel read on the reader's own page.
 */
function vdsoReadsPage0(s: KvmState, path: number): boolean {
  return path === ReadPath.vdso && s.vcpu[0]!.pageStable;
}

/**
 * The guest clocksource on `reader`: kvmclock through its own page (kernel)
 * or vCPU 0's (vDSO), or the TSC itself (guestClock=tsc).
 */
export function clocksourceRead(s: KvmState, c: Ctx, reader: number, path: number): number {
  if (c.p.guestClock === 1) return guestTsc(s, reader);
  return kvmclockRead(s, reader, vdsoReadsPage0(s, path) ? 0 : reader);
}

/** Guest CLOCK_MONOTONIC on `reader` (no pvclock clamp: see `readMono`). */
export function guestMono(s: KvmState, c: Ctx, reader: number, path: number): number {
  return clocksourceRead(s, c, reader, path) - s.guestMonoAdj;
}

export function guestBoot(s: KvmState, c: Ctx, reader: number, path: number): number {
  return guestMono(s, c, reader, path) + s.guestOffsBoot;
}

/**
 * The guest clocksource read as the guest's own code reads it, with the
 * pvclock clamp: when the reader's own page lacks PVCLOCK_TSC_STABLE_BIT,
 * pvclock_clocksource_read never returns less than the last value any CPU
 * read (last_value), and records what it returns. Every kernel read goes
 * through it (timekeeping, suspend and resume, and the vDSO's fallback to
 * the syscall); the vDSO's own read of vCPU 0's page does not.
 */
export function guestClockRead(s: KvmState, c: Ctx, reader: number, path: number): number {
  const raw = clocksourceRead(s, c, reader, path);
  if (c.p.guestClock === 0 && !vdsoReadsPage0(s, path) && !s.vcpu[reader]!.pageStable) {
    const v = Math.max(raw, s.pvLast);
    s.pvLast = v;
    return v;
  }
  return raw;
}

/** What a read of CLOCK_MONOTONIC returns. */
export function readMono(s: KvmState, c: Ctx, reader: number, path: number): number {
  return guestClockRead(s, c, reader, path) - s.guestMonoAdj;
}

/**
 * kvm_guest_time_update: rewrite vCPU i's pvclock page. With the masterclock
 * it is written from the masterclock's snapshot (master_kernel_ns,
 * master_cycle_now); without it, from the host clock and TSC now.
 */
export function refreshPage(s: KvmState, c: Ctx, i: number): void {
  const v = s.vcpu[i]!;
  if (c.p.unstableTsc) {
    // tsc_catchup: the TSC is pushed up to what boot time predicts since it
    // was last written (compute_guest_tsc), suspend included.
    const caught = s.hostTscSlept - s.hostSlept;
    if (v.tscAdj > caught) v.tscAdj = caught;
  }
  const skew = s.masterclockLost ? s.hostSlept - s.hostTscSlept : s.masterSkew;
  v.pageBase = skew - s.kvmclockAdj + v.tscAdj;
  v.pageStable = !s.masterclockLost;
}

/**
 * kvm_apic_set_irq(HYPERVISOR_CALLBACK_VECTOR): __apic_accept_irq drops a
 * fixed interrupt while the local APIC is software-disabled, as it is from
 * the guest's reset or INIT until its kernel enables it at boot.
 */
export function deliverCallbackIrq(s: KvmState, i: number): void {
  if (s.guestBooted) s.vcpu[i]!.irqPending = true;
}

/** kvm_make_all_cpus_request(kvm, KVM_REQ_CLOCK_UPDATE). */
export function requestClockUpdateAll(s: KvmState, c: Ctx): void {
  for (let j = 0; j < c.n; j++) s.vcpu[j]!.reqClockUpdate = true;
}

/**
 * KVM_REQ_MASTERCLOCK_UPDATE -> kvm_gen_update_masterclock: a new snapshot
 * (pvclock_update_vm_gtod_copy), then KVM_REQ_CLOCK_UPDATE on every vCPU.
 */
export function masterclockUpdate(s: KvmState, c: Ctx): void {
  if (!s.masterclockLost) s.masterSkew = s.hostSlept - s.hostTscSlept;
  requestClockUpdateAll(s, c);
}

/**
 * adjust_tsc_offset_host(vcpu, -amount): with a TSC scaling ratio the
 * negative adjustment trips WARN_ON(adjustment < 0) and is scaled as a huge
 * unsigned number; the model moves the TSC forward instead of back (a wrong
 * move of the least size that shows; the real one is of the order of
 * 2^64 * frac(ratio) cycles: docs/model.md, "TSC scaling").
 */
export function tscMoveBackHost(s: KvmState, c: Ctx, i: number, amount: number): void {
  if (amount === 0) return;
  if (c.p.tscScaling) {
    s.warned = true;
    s.vcpu[i]!.tscAdj -= amount;
  } else s.vcpu[i]!.tscAdj += amount;
}

/** Record that a lock of class `taken` was acquired while one of class `held` was held (lockdep). */
export function lockEdge(s: KvmState, held: number, taken: number): void {
  s.lockEdges |= 1 << (held * LockClass.count + taken);
}

/** kvm->lock is free (the VMM's VM ioctl does not hold it). */
export function kvmLockFree(s: KvmState, c: Ctx): boolean {
  return s.vmIoctl === 0 || s.vmIoctl === c.n + 2;
}

/**
 * Remaining request processing of one vcpu_enter_guest pass, then the entry
 * check: kvm_vcpu_exit_request() cancels the entry while a request is
 * pending. (A design that handles KVM_REQ_SUSPEND_TIME_ADJ after entry does
 * not let it block the entry.)
 */
export function finishPass(d: Design, s: KvmState, c: Ctx, i: number): void {
  const v = s.vcpu[i]!;
  if (v.reqClockUpdate) {
    v.reqClockUpdate = false;
    refreshPage(s, c, i);
  }
  const blocking = v.reqClockUpdate || (v.reqSuspendTimeAdj && d.requestTiming === 'beforeEntry');
  v.pc = blocking ? VcpuPc.run : VcpuPc.guest;
}

/** The guest kernel boots (again): its timekeeping starts from zero, it registers the MSR (kvmclock_init). */
function bootGuest(d: Design, s: KvmState, c: Ctx): void {
  s.guestBooted = true;
  s.bootsLeft--;
  // pvclock's last_value is a static of the new kernel.
  if (s.masterclockLost) s.pvLast = 0;
  // timekeeping_init: MONOTONIC starts at 0 from the clocksource's reading now.
  s.guestMonoAdj = guestClockRead(s, c, 0, ReadPath.kernel);
  s.guestOffsBoot = 0;
  // tk->kvm_suspend_time starts at 0 (a static, never set).
  s.guestInjected = 0;
  s.hostSleptAtBoot = s.hostSlept;
  s.guestAsleepTicks = 0;
  s.lastMono = 0;
  s.lastBoot = 0;
  s.lastAwake = s.hostAwake;
  if (d.usesMsr) {
    // wrmsrl(MSR_KVM_HOST_SUSPEND_TIME, pa | KVM_MSR_ENABLED) ->
    // kvm_init_suspend_time_ghc writes kvm->suspend_time_ns at once.
    if (!s.msrEnabled && d.baseAtEnable) {
      // Suspends before the guest asked are not its to compensate: the total
      // and every vCPU's record (time and TSC) start from here; a suspend
      // already under way is still compensated.
      s.kvmBase = s.hostSlept - s.kvmSuspendNs;
      for (const v of s.vcpu) {
        v.suspendNs = s.kvmSuspendNs;
        v.tscSleptSeen = s.hostTscSlept;
        if (s.kvmSuspendInProgress) v.reqSuspendTimeAdj = true;
      }
    }
    s.msrEnabled = true;
    s.sharedSuspendNs = s.kvmSuspendNs;
  }
  // A guest that baselines what it finds (v3-fixed's guest) injects only later growth.
  if (d.guestBaselinesAtBoot) s.guestInjected = s.sharedSuspendNs;
}

// ---- actions ----------------------------------------------------------------

export function kvmActions(d: Design, c: Ctx): ActionFamily<KvmState>[] {
  const { p, n } = c;
  const vcpus = Array.from({ length: n }, (_, i) => i);
  const sleeps = Array.from({ length: p.maxSleep }, (_, k) => k + 1);
  const errors = Array.from({ length: 2 * p.sleepError + 1 }, (_, k) => k - p.sleepError);
  const paths = p.vdso ? [ReadPath.kernel, ReadPath.vdso] : [ReadPath.kernel];
  const tasksFrozen = (s: KvmState) => s.hostPhase === HostPhase.frozen || s.hostPhase === HostPhase.resumed;
  const guestRunning = (s: KvmState) => s.guestPm === GuestPm.running && s.guestBooted;
  const notice = d.usesLogind ? p.vmmNotice : VmmNotice.none;
  const canStartSuspend = (s: KvmState) =>
    s.suspendsStarted < p.suspends &&
    (notice === VmmNotice.none
      ? s.hostPhase === HostPhase.running
      : s.hostPhase === HostPhase.requested && (notice === VmmNotice.delay || s.vmmPaused));

  const actions: ActionFamily<KvmState>[] = [
    {
      name: 'tick',
      doc: 'host time advances while the host is awake (timekeeping_advance)',
      enabled: (s) => s.hostAwake < p.maxAwake,
      step: (s) => {
        s.hostAwake++;
        if (s.guestPm === GuestPm.suspended) s.guestAsleepTicks++;
      },
    },
    {
      name: 'pmSuspendPrepare',
      doc: 'pm_notifier_call_chain_robust(PM_SUSPEND_PREPARE) -> kvm_pm_notifier_call (kvm_arch_pm_notifier, and the design notifier), under kvm->lock',
      enabled: (s) => canStartSuspend(s) && kvmLockFree(s, c),
      step: (s) => {
        s.suspendsStarted++;
        s.hostPhase = HostPhase.prepared;
        // kvm_arch_pm_notifier -> kvm_arch_suspend_notifier (upstream since
        // v5.15, every design): kvm_set_guest_paused on each vCPU with
        // kvmclock, which requests KVM_REQ_CLOCK_UPDATE (and marks the page
        // PVCLOCK_GUEST_STOPPED, which only makes the guest touch its watchdogs).
        requestClockUpdateAll(s, c);
        if (!d.usesMsr || s.msrEnabled || d.notifiersAlways) d.suspendPrepare?.(s, c);
      },
    },
    {
      name: 'freezeTasks',
      doc: 'suspend_freeze_processes: every vCPU thread is frozen at its next freezable point: kicked out of guest mode, or, in the middle of a vcpu_enter_guest pass, after finishing it',
      enabled: (s) =>
        s.hostPhase === HostPhase.prepared &&
        (d.guestSync !== 'strict' || s.guestPm === GuestPm.suspended) &&
        // A thread blocked in mutex_lock (the VMM's ioctl) cannot be frozen.
        kvmLockFree(s, c),
      step: (s) => {
        for (let i = 0; i < n; i++) {
          const v = s.vcpu[i]!;
          // A thread between the check and its re-request cannot sleep there:
          // it re-requests, cancels the entry and freezes on its way out
          // (vcpuRetry, then frozen; every other thread freezes too, so no
          // step of another actor fits in between).
          if (v.pc === VcpuPc.retry) d.retry!(s, i, c);
          if (v.pc === VcpuPc.guest) v.pc = VcpuPc.run;
        }
        s.hostPhase = HostPhase.frozen;
      },
    },
    {
      name: 'hostSleep',
      over: p.sleepError ? [sleeps, errors] : [sleeps],
      doc: 'timekeeping_suspend, the machine sleeps for D ticks, timekeeping_resume: offs_boot += the sleep as measured (the nonstop TSC, or the RTC to the second: sleepError), the TSC counts D, stops or resets (hostTsc)',
      enabled: (s, dur, err) => s.hostPhase === HostPhase.frozen && dur + (err ?? 0) >= 0,
      step: (s, dur, err) => {
        s.hostSlept += dur + (err ?? 0);
        if (p.hostTsc === HostTsc.counts) s.hostTscSlept += dur;
        // kvm_arch_hardware_enable sees the TSC went backwards: it keeps
        // guest TSCs continuous (tsc_offset_adjustment) and sets
        // backwards_tsc_observed, which ends the masterclock for good.
        // (every time: each resume finds the TSC behind last_host_tsc again, and
        // asks every vCPU for KVM_REQ_MASTERCLOCK_UPDATE, hence a new page).
        if (p.hostTsc === HostTsc.resets) {
          s.masterclockLost = true;
          requestClockUpdateAll(s, c);
        }
        s.hostPhase = HostPhase.resumed;
        d.timekeepingResume?.(s, c);
      },
    },
    {
      name: 'thawTasks',
      doc: 'suspend_thaw_processes: vCPU threads may call KVM_RUN again, before PM_POST_SUSPEND',
      enabled: (s) => s.hostPhase === HostPhase.resumed,
      step: (s) => void (s.hostPhase = HostPhase.thawed),
    },
    {
      name: 'pmPostSuspend',
      doc: 'pm_notifier_call_chain(PM_POST_SUSPEND) -> kvm_pm_notifier_call (the design notifier, under kvm->lock)',
      enabled: (s) => s.hostPhase === HostPhase.thawed && (!d.postSuspend || kvmLockFree(s, c)),
      step: (s) => {
        s.hostPhase = HostPhase.running;
        if (!d.usesMsr || s.msrEnabled || d.notifiersAlways) d.postSuspend?.(s, c);
      },
    },
    {
      name: 'vcpuRun',
      over: [vcpus],
      doc: 'vcpu_enter_guest: process requests (KVM_REQ_SUSPEND_TIME_ADJ first, then the clock updates), enter unless one is pending',
      enabled: (s, i) => s.vcpu[i]!.pc === VcpuPc.run && s.vcpu[i]!.inRun && !tasksFrozen(s) && !s.vmmPaused,
      step: (s, i) => {
        const v = s.vcpu[i]!;
        if (v.deferredAdj > 0) d.applyDeferred?.(s, i, c);
        if (d.requestTiming === 'beforeEntry' && v.reqSuspendTimeAdj) {
          v.reqSuspendTimeAdj = false;
          if (d.suspendTimeAdj?.(s, i, c) === 'retry') {
            v.pc = VcpuPc.retry;
            return;
          }
        }
        finishPass(d, s, c, i);
      },
    },
    {
      name: 'vcpuExit',
      over: [vcpus],
      doc: 'VM exit (preemption, halt, a host tick, a kick or the freezer); back to the top of vcpu_run',
      enabled: (s, i) => s.vcpu[i]!.pc === VcpuPc.guest,
      step: (s, i) => {
        const v = s.vcpu[i]!;
        v.pc = VcpuPc.run;
        if (d.requestTiming === 'onExit' && v.reqSuspendTimeAdj) {
          v.reqSuspendTimeAdj = false;
          if (d.suspendTimeAdj?.(s, i, c) === 'retry') v.reqSuspendTimeAdj = true;
        }
      },
    },
    {
      name: 'readClock',
      over: [vcpus, paths],
      doc: 'a guest thread reads CLOCK_MONOTONIC and CLOCK_BOOTTIME (path 0: kernel, own pvclock page; 1: vDSO, vCPU 0 page; or the TSC, guestClock=tsc)',
      enabled: (s, i) => s.vcpu[i]!.pc === VcpuPc.guest && guestRunning(s),
      step: (s, i, path) => {
        s.lastMono = readMono(s, c, i, path);
        s.lastBoot = s.lastMono + s.guestOffsBoot;
        s.lastAwake = s.hostAwake;
      },
    },
  ];
  if (p.canFail) {
    actions.push({
      name: 'suspendFail',
      doc: 'freezing or device suspend fails: tasks are thawed and PM_POST_SUSPEND follows, with no sleep',
      enabled: (s) => s.hostPhase === HostPhase.prepared || s.hostPhase === HostPhase.frozen,
      step: (s) => void (s.hostPhase = HostPhase.thawed),
    });
  }
  if (d.retry) {
    const retry = d.retry;
    actions.push({
      name: 'vcpuRetry',
      over: [vcpus],
      doc: 'the re-request after the check: kvm_make_request(KVM_REQ_SUSPEND_TIME_ADJ) again; the entry is cancelled',
      enabled: (s, i) => s.vcpu[i]!.pc === VcpuPc.retry && (!d.reRequestUnderKvmLock || kvmLockFree(s, c)),
      step: (s, i) => retry(s, i, c),
    });
  }
  if (d.irqHandler) {
    const handler = d.irqHandler;
    actions.push({
      name: 'guestIrq',
      over: [vcpus],
      doc: 'HYPERVISOR_CALLBACK_VECTOR delivered: sysvec_kvm_hv_callback -> timekeeping_inject_virtual_suspend_time, under timekeeper_lock',
      enabled: (s, i) => s.vcpu[i]!.pc === VcpuPc.guest && s.vcpu[i]!.irqPending && guestRunning(s),
      step: (s, i) => {
        s.vcpu[i]!.irqPending = false;
        handler(s, c);
      },
    });
    if (p.asyncPf) {
      actions.push({
        name: 'apfPageReady',
        over: [vcpus],
        doc: 'an async page fault "page ready" interrupt on the same vector: sysvec_kvm_hv_callback also runs the suspend-time injection',
        enabled: (s, i) => s.vcpu[i]!.pc === VcpuPc.guest && guestRunning(s) && s.sharedSuspendNs !== s.guestInjected,
        step: (s) => handler(s, c),
      });
    }
  }
  if (d.guestPoll) {
    const poll = d.guestPoll;
    actions.push({
      name: 'guestTick',
      over: [vcpus],
      doc: 'guest timekeeping_advance polls the shared suspend time (v1 guest side)',
      enabled: (s, i) => s.vcpu[i]!.pc === VcpuPc.guest && guestRunning(s) && s.sharedSuspendNs > s.guestInjected,
      step: (s) => poll(s, c),
    });
  }
  if (d.vmm) actions.push(...d.vmm(c));
  if (d.guestSync) actions.push(...guestSyncActions(c));
  actions.push(...premiseActions(d, c));
  return actions;
}

/** The actors and events that only some premises bring in: guest boots and reboots, migration, the VMM's VM ioctl. */
function premiseActions(d: Design, c: Ctx): ActionFamily<KvmState>[] {
  const { p, n } = c;
  const out: ActionFamily<KvmState>[] = [];
  if (p.lateEnable || p.reboot) {
    out.push({
      name: 'guestBoot',
      doc: 'the guest kernel boots on vCPU 0: timekeeping_init, kvmclock_init writes MSR_KVM_HOST_SUSPEND_TIME (kvm_init_suspend_time_ghc copies kvm->suspend_time_ns into the guest struct)',
      enabled: (s) => !s.guestBooted && s.bootsLeft > 0 && s.vcpu[0]!.pc === VcpuPc.guest,
      step: (s) => bootGuest(d, s, c),
    });
  }
  if (p.reboot) {
    const rebootReady = (s: KvmState): boolean =>
      s.guestBooted && s.bootsLeft > 0 && s.hostPhase === HostPhase.running && s.guestPm === GuestPm.running && !s.guestSuspendWanted;
    const kernelDown = (s: KvmState): void => {
      s.guestBooted = false;
      for (const v of s.vcpu) v.irqPending = false;
    };
    out.push(
      {
        name: 'guestReboot',
        doc: "the guest reboots through the VMM (QEMU's system reset, vCPUs paused): INIT clears every local APIC; MSR_IA32_TSC is written on every vCPU (kvm_put_msrs at KVM_PUT_RESET_STATE) and kvm_synchronize_tsc matches them, so every TSC offset becomes the first's; MSR_KVM_HOST_SUSPEND_TIME stays enabled (kvm->arch, not reset)",
        enabled: (s) => rebootReady(s) && s.vcpu.every((v) => v.pc !== VcpuPc.retry),
        step: (s) => {
          kernelDown(s);
          const synced = s.vcpu[0]!.tscAdj;
          for (const v of s.vcpu) {
            v.tscAdj = synced;
            if (v.pc === VcpuPc.guest) v.pc = VcpuPc.run;
          }
          d.tscSynchronized?.(s, 'reset');
          // kvm_synchronize_tsc -> kvm_track_tsc_matching: a masterclock update.
          masterclockUpdate(s, c);
        },
      },
      {
        name: 'guestKexec',
        doc: 'the guest kexecs into a new kernel: no reset, so TSCs are untouched; INIT on the other vCPUs clears their local APICs; MSR_KVM_HOST_SUSPEND_TIME stays enabled',
        enabled: rebootReady,
        step: kernelDown,
      },
    );
  }
  if (p.migrate) {
    const migrationReady = (s: KvmState): boolean =>
      s.migrationsLeft > 0 && s.hostPhase === HostPhase.running && s.vcpu.every((v) => v.pc !== VcpuPc.retry);
    out.push(
      {
        name: 'migrate',
        doc: 'live migration with each TSC restored as it was (KVM_VCPU_TSC_OFFSET, v5.16, or MSR_IA32_TSC values too far apart for kvm_synchronize_tsc to match): kvmclock (KVM_GET/SET_CLOCK) and MSRs travel; the destination KVM starts its own suspend_time_ns and base_offs_boot_ns, request bits stay behind',
        enabled: migrationReady,
        step: (s) => {
          s.migrationsLeft--;
          d.migrate?.(s, c);
        },
      },
      {
        name: 'migrateTscSynced',
        doc: "live migration whose VMM restores MSR_IA32_TSC (v5.15 QEMU) with values within a second of each other: the destination's kvm_synchronize_tsc matches them, so every TSC offset becomes the first's; the rest as migrate",
        enabled: migrationReady,
        step: (s) => {
          s.migrationsLeft--;
          const synced = s.vcpu[0]!.tscAdj;
          for (const v of s.vcpu) v.tscAdj = synced;
          d.tscSynchronized?.(s, 'matched');
          d.migrate?.(s, c);
        },
      },
    );
  }
  if (p.vmIoctl) {
    out.push(
      {
        name: 'vmmIoctlLockVm',
        doc: 'a VMM thread issues a VM ioctl that takes kvm->lock and then every vcpu->mutex (sev_lock_vcpus_for_migration, v5.16), as locking.rst orders them',
        enabled: (s) => s.vmIoctl === 0 && s.hostPhase !== HostPhase.frozen && s.hostPhase !== HostPhase.resumed,
        step: (s) => void (s.vmIoctl = 1),
      },
      {
        name: 'vmmIoctlLockVcpu',
        doc: "mutex_lock(&vcpu->mutex) of the next vCPU: waits until that vCPU's thread is out of KVM_RUN",
        enabled: (s) => s.vmIoctl >= 1 && s.vmIoctl <= n && !s.vcpu[s.vmIoctl - 1]!.inRun,
        step: (s) => {
          lockEdge(s, LockClass.kvmLock, LockClass.vcpuMutex);
          s.vmIoctl++;
        },
      },
      {
        name: 'vmmIoctlDone',
        doc: 'the ioctl body runs and every lock is released',
        enabled: (s) => s.vmIoctl === n + 1,
        step: (s) => void (s.vmIoctl = n + 2),
      },
      {
        name: 'vcpuUserExit',
        over: [Array.from({ length: n }, (_, i) => i)],
        doc: 'KVM_RUN returns to the VMM (an exit it handles in userspace): the thread releases vcpu->mutex',
        enabled: (s, i) => s.vcpu[i]!.pc === VcpuPc.guest && s.vcpu[i]!.inRun,
        step: (s, i) => {
          s.vcpu[i]!.pc = VcpuPc.run;
          s.vcpu[i]!.inRun = false;
        },
      },
      {
        name: 'vcpuKickedOut',
        over: [Array.from({ length: n }, (_, i) => i)],
        doc: "the VMM signals the vCPU thread it waits for (QEMU's pause_all_vcpus): at its next pass through vcpu_run it leaves KVM_RUN (-EINTR), releasing vcpu->mutex",
        enabled: (s, i) => s.vmIoctl === i + 1 && s.vcpu[i]!.inRun && s.vcpu[i]!.pc !== VcpuPc.retry,
        step: (s, i) => {
          s.vcpu[i]!.pc = VcpuPc.run;
          s.vcpu[i]!.inRun = false;
        },
      },
      {
        name: 'vcpuIoctlRun',
        over: [Array.from({ length: n }, (_, i) => i)],
        doc: 'the VMM calls KVM_RUN again: mutex_lock_killable(&vcpu->mutex) in kvm_vcpu_ioctl',
        enabled: (s, i) => !s.vcpu[i]!.inRun && !(s.vmIoctl > i + 1 && s.vmIoctl <= n + 1) && !tasksFrozenOf(s),
        step: (s, i) => void (s.vcpu[i]!.inRun = true),
      },
    );
  }
  return out;
}

function tasksFrozenOf(s: KvmState): boolean {
  return s.hostPhase === HostPhase.frozen || s.hostPhase === HostPhase.resumed;
}

/** Marc's "as on bare metal": the guest suspends and resumes itself. */
function guestSyncActions(c: Ctx): ActionFamily<KvmState>[] {
  return [
    {
      name: 'guestSuspend',
      doc: 'guest suspend on request: freeze guest tasks, timekeeping_suspend records the clocksource',
      enabled: (s) => s.guestSuspendWanted && s.guestPm === GuestPm.running && s.guestBooted && s.vcpu[0]!.pc === VcpuPc.guest,
      step: (s) => {
        s.guestSuspendCs = guestClockRead(s, c, 0, ReadPath.kernel);
        s.guestPm = GuestPm.suspended;
        s.guestSuspendWanted = false;
      },
    },
    {
      name: 'guestResume',
      doc: 'guest timekeeping_resume: the clocksource delta goes into offs_boot, MONOTONIC continues where it stopped',
      enabled: (s) =>
        s.guestPm === GuestPm.suspended &&
        (s.hostPhase === HostPhase.thawed || s.hostPhase === HostPhase.running) &&
        s.vcpu[0]!.pc === VcpuPc.guest,
      step: (s) => {
        const delta = guestClockRead(s, c, 0, ReadPath.kernel) - s.guestSuspendCs;
        s.guestMonoAdj += delta;
        s.guestOffsBoot += delta;
        s.guestPm = GuestPm.running;
      },
    },
  ];
}

/**
 * Nothing is left in flight: no suspend under way, no request, retry,
 * interrupt or deferred work pending, no VMM or guest waiting to act. A
 * state where only stuttering can happen is a legal end if it is quiescent
 * (deadlock). The shared suspend time differing from what the guest injected
 * is not work in flight: the guest reads it only when an interrupt comes.
 */
export function quiescent(d: Design, s: KvmState): boolean {
  if (d.inFlight?.(s)) return false;
  if (s.hostPhase !== HostPhase.running || s.guestPm !== GuestPm.running || s.guestSuspendWanted || s.vmmPaused) return false;
  if (!s.guestBooted) return false;
  for (const v of s.vcpu) {
    if (v.pc === VcpuPc.retry || v.reqSuspendTimeAdj || v.irqPending || v.deferredAdj > 0 || !v.inRun) return false;
  }
  return true;
}

/**
 * The progress the kernel guarantees, as fairness (docs/model.md, "Fairness").
 * - A vCPU thread is scheduled whenever it is runnable, and a vCPU in guest
 *   mode leaves it at the host's next timer tick: weak fairness on its run
 *   loop (vcpu_run), entries and exits together.
 * - A host suspend that has begun ends, in sleep or in failure: the freezer
 *   (try_to_freeze_tasks) keeps waking every task until all are frozen or
 *   its timeout (freeze_timeout_msecs, 20 s) fails the suspend. A vCPU
 *   thread between two passes of its loop is freezable, so the freezer gets
 *   it even if it never stays there: strong fairness.
 * - An interrupt pending in a vCPU's local APIC is delivered at a guest
 *   entry with interrupts on (inject_pending_event, on every entry), even
 *   if the vCPU keeps leaving and re-entering: strong. Likewise the guest's
 *   own tick and its own suspend and resume, and its boot.
 * - A thawed VMM thread eventually runs: weak. With a logind delay lock the
 *   suspend goes on when the VMM releases it or the delay ends: weak.
 * Nothing forces the host to start a suspend, time to pass, a guest to read
 * its clocks, a guest to reboot or a VM to migrate, or a VMM to notice a
 * suspend before the freezer.
 */
export function kvmFairness(d: Design, c: Ctx): FairnessDecl[] {
  const thread = ['vcpuRun', 'vcpuExit', ...(d.retry ? ['vcpuRetry'] : [])];
  const host = ['freezeTasks', 'hostSleep', 'thawTasks', 'pmPostSuspend', ...(c.p.canFail ? ['suspendFail'] : [])];
  const f: FairnessDecl[] = [
    weakFairness('vcpuThread', thread, { per: 0, doc: 'a runnable vCPU thread is scheduled; a vCPU in guest mode exits at the next host tick' }),
    strongFairness('hostSuspend', host, { doc: 'a host suspend that has begun ends: the freezer keeps trying, then times out' }),
  ];
  if (d.irqHandler) f.push(strongFairness('irqDelivery', ['guestIrq'], { per: 0, doc: 'a pending interrupt is delivered at a guest entry' }));
  if (d.guestPoll) f.push(strongFairness('guestTick', ['guestTick'], { per: 0, doc: "the guest's tick runs while it runs" }));
  if (d.guestSync) f.push(strongFairness('guestPm', ['guestSuspend', 'guestResume'], { doc: 'the guest suspends and resumes itself when asked' }));
  if (d.vmm) f.push(weakFairness('vmm', d.vmmFair ?? ['vmmResume'], { doc: 'a thawed VMM thread eventually runs' }));
  if (d.fairness) f.push(...d.fairness(c));
  if (c.p.lateEnable || c.p.reboot) f.push(strongFairness('guestBoot', ['guestBoot'], { doc: 'a guest that is down boots again' }));
  if (c.p.vmIoctl) {
    // A waiter on a mutex released again and again gets it (the mutex hands
    // off to a starving waiter): strong.
    f.push(strongFairness('vmmIoctl', ['vmmIoctlLockVm', 'vmmIoctlLockVcpu', 'vmmIoctlDone'], { doc: 'the VMM thread in its ioctl runs and gets each mutex that keeps being released' }));
    f.push(strongFairness('vmmKick', ['vcpuKickedOut'], { per: 0, doc: 'a signalled vCPU thread leaves KVM_RUN at its next pass' }));
    f.push(strongFairness('vmmRun', ['vcpuIoctlRun'], { per: 0, doc: 'the VMM calls KVM_RUN again' }));
  }
  return f;
}

/**
 * Steps that are not progress (deadlock is "only these can ever happen
 * again"): a guest reading its clocks, host time ticking, and a vCPU that
 * only leaves guest mode or only re-enters it with nothing to process.
 */
export function kvmStuttering(d: Design): StutteringDecl<KvmState> {
  return {
    families: ['readClock', 'tick'],
    step(b, a, x) {
      if (a.family !== 'vcpuExit' && a.family !== 'vcpuRun') return false;
      const i = a.args[0]!;
      const v = b.vcpu[i]!;
      const idle = !v.reqSuspendTimeAdj && !v.reqClockUpdate && v.deferredAdj === 0;
      if (a.family === 'vcpuExit') return d.requestTiming !== 'onExit' || !v.reqSuspendTimeAdj;
      return idle && x.vcpu[i]!.pc === VcpuPc.guest;
    },
  };
}
