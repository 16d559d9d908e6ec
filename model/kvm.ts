// The KVM virtual suspend time system as a state machine: the host suspend
// sequence, KVM's per-VM and per-vCPU state, the vCPU run loop, kvmclock
// pages, interrupt delivery and the guest's timekeeping. A design (model/
// designs.ts) supplies the steps that differ between proposals; everything
// else is shared. docs/model.md explains every abstraction and cites the
// kernel function behind each action.

import { array, bool, defineLayout, enumOf, int, strongFairness, weakFairness, type ActionFamily, type FairnessDecl, type StateView, type StutteringDecl } from '../checker/index.js';
import type { Design } from './designs.js';

/** Host suspend sequence (kernel/power/suspend.c: suspend_devices_and_enter and friends). */
export const HostPhase = {
  /** Normal operation. */
  running: 0,
  /** PM_SUSPEND_PREPARE notifiers have run; user tasks not yet frozen. */
  prepared: 1,
  /** User tasks (every VMM vCPU thread) are frozen. */
  frozen: 2,
  /** timekeeping_resume has run (or the suspend failed); tasks still frozen. */
  resumed: 3,
  /** Tasks thawed; PM_POST_SUSPEND notifiers not yet run. */
  thawed: 4,
} as const;

/** Where a vCPU thread is in vcpu_run() / vcpu_enter_guest(). */
export const VcpuPc = {
  /** Top of the run loop (or in userspace): the only place its thread can be frozen. */
  run: 0,
  /** vcpu_do_suspend_time_adjustment saw d == 0 and is about to re-request. */
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

export interface KvmParams {
  readonly vcpus: number;
  readonly suspends: number;
  readonly maxAwake: number;
  readonly maxSleep: number;
  readonly jumpTolerance: number;
  readonly tscGranularity: number;
  readonly canFail: number;
  readonly vdso: number;
}

/** Bounds derived from the parameters and the design, sized so no legal step overflows a field. */
export interface Bounds {
  readonly maxTotal: number;
  readonly kvmclockAdjMax: number;
  readonly tscAdjMax: number;
  readonly monoAdjMax: number;
  readonly offsBootMax: number;
  readonly monoMin: number;
  readonly monoMax: number;
}

export function boundsFor(p: KvmParams, d: Design): Bounds {
  const maxTotal = p.suspends * p.maxSleep;
  const kvmclockAdjMax = maxTotal * (d.kvmclockAdjustPerVcpu ? p.vcpus : 1);
  const tscAdjMax = maxTotal;
  const monoAdjMax = d.guestSync ? maxTotal + p.maxAwake : 0;
  const offsBootMax = maxTotal * Math.max(1, p.suspends) + (d.guestSync ? p.maxAwake : 0);
  const monoMin = -(kvmclockAdjMax + tscAdjMax + monoAdjMax);
  const monoMax = p.maxAwake + maxTotal + tscAdjMax + kvmclockAdjMax;
  return { maxTotal, kvmclockAdjMax, tscAdjMax, monoAdjMax, offsBootMax, monoMin, monoMax };
}

export function kvmLayout(p: KvmParams, b: Bounds) {
  return defineLayout({
    // Host clocks: MONOTONIC = hostAwake, offs_boot = hostSlept, BOOTTIME and
    // the hardware counter (TSC) = hostAwake + hostSlept.
    hostPhase: enumOf(HostPhase),
    hostAwake: int(0, p.maxAwake),
    hostSlept: int(0, b.maxTotal),
    suspendsStarted: int(0, p.suspends),
    // struct kvm: suspend_time_ns, kvmclock_offset (as the amount subtracted).
    kvmSuspendNs: int(0, b.maxTotal),
    // v3-fixed: a suspend is between PM_SUSPEND_PREPARE and PM_POST_SUSPEND.
    kvmSuspendInProgress: bool(),
    kvmclockAdj: int(0, b.kvmclockAdjMax),
    // struct kvm_suspend_time in guest memory (MSR_KVM_HOST_SUSPEND_TIME).
    sharedSuspendNs: int(0, b.maxTotal),
    vcpu: array(p.vcpus, {
      pc: enumOf(VcpuPc),
      reqSuspendTimeAdj: bool(),
      reqClockUpdate: bool(),
      suspendNs: int(0, b.maxTotal),
      // TSC offset, as the amount subtracted from the host TSC.
      tscAdj: int(0, b.tscAdjMax),
      // pvclock page {system_time, tsc_timestamp} reduced to one number: the
      // kvmclock_offset minus this vCPU's TSC offset when it was last written
      // (see docs/model.md, "pvclock pages").
      pageSkew: int(-b.tscAdjMax, b.kvmclockAdjMax),
      // HYPERVISOR_CALLBACK_VECTOR pending in this vCPU's local APIC.
      irqPending: bool(),
      // mutant-irq-before-adjust: a counter adjustment still to apply.
      deferredAdj: int(0, b.maxTotal),
    }),
    // Guest timekeeper: offs_boot, tk->kvm_suspend_time (what it has injected),
    // and (guest-sync) what its own suspend/resume took out of MONOTONIC.
    guestOffsBoot: int(0, b.offsBootMax),
    guestInjected: int(0, b.maxTotal),
    guestMonoAdj: int(0, b.monoAdjMax),
    guestPm: enumOf(GuestPm),
    guestSuspendWanted: bool(),
    guestSuspendCs: int(Math.min(0, b.monoMin), b.monoMax),
    // Ghost: host awake ticks that passed while the guest was suspended.
    guestAsleepTicks: int(0, p.maxAwake),
    // marc-userspace: the VMM has stopped its vCPU threads.
    vmmPaused: bool(),
    // The observers' last read (any vCPU, any path) and the host awake time then.
    lastMono: int(b.monoMin, b.monoMax),
    lastBoot: int(b.monoMin, b.monoMax + b.offsBootMax),
    lastAwake: int(0, p.maxAwake),
  });
}

export type KvmLayout = ReturnType<typeof kvmLayout>;
export type KvmState = StateView<KvmLayout['spec']>;

/**
 * The VM just created, at host boot: every clock 0, vCPUs at the top of their
 * run loops. Signed fields start at their minimum, so set them explicitly.
 */
export function kvmInit(s: KvmState): void {
  for (const v of s.vcpu) v.pageSkew = 0;
  s.lastMono = 0;
  s.lastBoot = 0;
  s.guestSuspendCs = 0;
}

/** Everything a design's steps may need besides the state. */
export interface Ctx {
  readonly p: KvmParams;
  readonly b: Bounds;
  readonly n: number;
}

// ---- derived clock values ---------------------------------------------------

export function hostBoot(s: KvmState): number {
  return s.hostAwake + s.hostSlept;
}

/**
 * pvclock_clocksource_read on vCPU `reader` using vCPU `page`'s page:
 * system_time + (tsc - tsc_timestamp), where both the page's host time and
 * the TSC advance with host BOOTTIME (1 tick = 1 ns = 1 cycle).
 */
export function kvmclockRead(s: KvmState, reader: number, page: number): number {
  return hostBoot(s) - s.vcpu[page]!.pageSkew - s.vcpu[reader]!.tscAdj;
}

/** Guest CLOCK_MONOTONIC read on `reader`: own page (kernel) or vCPU 0's page (vDSO). */
export function guestMono(s: KvmState, reader: number, path: number): number {
  return kvmclockRead(s, reader, path === ReadPath.vdso ? 0 : reader) - s.guestMonoAdj;
}

export function guestBoot(s: KvmState, reader: number, path: number): number {
  return guestMono(s, reader, path) + s.guestOffsBoot;
}

/** kvm_guest_time_update: rewrite vCPU i's pvclock page from the current offsets. */
export function refreshPage(s: KvmState, i: number): void {
  const v = s.vcpu[i]!;
  v.pageSkew = s.kvmclockAdj - v.tscAdj;
}

/** kvm_make_all_cpus_request(kvm, KVM_REQ_CLOCK_UPDATE). */
export function requestClockUpdateAll(s: KvmState, c: Ctx): void {
  for (let j = 0; j < c.n; j++) s.vcpu[j]!.reqClockUpdate = true;
}

/**
 * Remaining request processing of one vcpu_enter_guest pass, then the entry
 * check: kvm_vcpu_exit_request() cancels the entry while a request is
 * pending. (A design that handles KVM_REQ_SUSPEND_TIME_ADJ after entry does
 * not let it block the entry.)
 */
function finishPass(d: Design, s: KvmState, i: number): void {
  const v = s.vcpu[i]!;
  if (v.reqClockUpdate) {
    v.reqClockUpdate = false;
    refreshPage(s, i);
  }
  const blocking = v.reqClockUpdate || (v.reqSuspendTimeAdj && d.requestTiming === 'beforeEntry');
  v.pc = blocking ? VcpuPc.run : VcpuPc.guest;
}

// ---- actions ----------------------------------------------------------------

export function kvmActions(d: Design, c: Ctx): ActionFamily<KvmState>[] {
  const { p, n } = c;
  const vcpus = Array.from({ length: n }, (_, i) => i);
  const sleeps = Array.from({ length: p.maxSleep }, (_, k) => k + 1);
  const paths = p.vdso ? [ReadPath.kernel, ReadPath.vdso] : [ReadPath.kernel];
  const tasksFrozen = (s: KvmState) => s.hostPhase === HostPhase.frozen || s.hostPhase === HostPhase.resumed;
  const guestRunning = (s: KvmState) => s.guestPm === GuestPm.running;

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
      doc: 'pm_notifier_call_chain(PM_SUSPEND_PREPARE) -> kvm_pm_notifier_call, under kvm->lock',
      enabled: (s) => s.hostPhase === HostPhase.running && s.suspendsStarted < p.suspends,
      step: (s) => {
        s.suspendsStarted++;
        s.hostPhase = HostPhase.prepared;
        d.suspendPrepare?.(s, c);
      },
    },
    {
      name: 'freezeTasks',
      doc: 'suspend_freeze_processes: every vCPU thread is frozen at its next freezable point: kicked out of guest mode, or, in the middle of a vcpu_enter_guest pass, after finishing it',
      enabled: (s) => s.hostPhase === HostPhase.prepared && (d.guestSync !== 'strict' || s.guestPm === GuestPm.suspended),
      step: (s) => {
        for (let i = 0; i < c.n; i++) {
          const v = s.vcpu[i]!;
          // A thread between the d == 0 check and its re-request cannot sleep
          // there: it re-requests, cancels the entry, and freezes on its way
          // out (vcpuRetry, then frozen; no other actor can act in between
          // that this step would hide, since every other thread freezes too).
          if (v.pc === VcpuPc.retry) {
            v.reqSuspendTimeAdj = true;
            finishPass(d, s, i);
          }
          if (v.pc === VcpuPc.guest) v.pc = VcpuPc.run;
        }
        s.hostPhase = HostPhase.frozen;
      },
    },
    {
      name: 'hostSleep',
      over: [sleeps],
      doc: 'timekeeping_suspend, the machine sleeps for D ticks, timekeeping_resume (offs_boot += D)',
      enabled: (s) => s.hostPhase === HostPhase.frozen,
      step: (s, dur) => {
        s.hostSlept += dur;
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
      doc: 'pm_notifier_call_chain(PM_POST_SUSPEND) -> kvm_pm_notifier_call, under kvm->lock',
      enabled: (s) => s.hostPhase === HostPhase.thawed,
      step: (s) => {
        s.hostPhase = HostPhase.running;
        d.postSuspend?.(s, c);
      },
    },
    {
      name: 'vcpuRun',
      over: [vcpus],
      doc: 'vcpu_enter_guest: process requests (KVM_REQ_SUSPEND_TIME_ADJ first, then the clock updates), enter unless one is pending',
      enabled: (s, i) => s.vcpu[i]!.pc === VcpuPc.run && !tasksFrozen(s) && !s.vmmPaused,
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
        finishPass(d, s, i);
      },
    },
    {
      name: 'vcpuExit',
      over: [vcpus],
      doc: 'VM exit (preemption, halt, a kick or the freezer); back to the top of vcpu_run',
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
      doc: 'a guest thread reads CLOCK_MONOTONIC and CLOCK_BOOTTIME (path 0: kernel, own pvclock page; 1: vDSO, vCPU 0 page)',
      enabled: (s, i) => s.vcpu[i]!.pc === VcpuPc.guest && guestRunning(s),
      step: (s, i, path) => {
        s.lastMono = guestMono(s, i, path);
        s.lastBoot = guestBoot(s, i, path);
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
  if (d.retries) {
    actions.push({
      name: 'vcpuRetry',
      over: [vcpus],
      doc: 'vcpu_do_suspend_time_adjustment, d == 0: kvm_make_request(KVM_REQ_SUSPEND_TIME_ADJ) again; the entry is cancelled',
      enabled: (s, i) => s.vcpu[i]!.pc === VcpuPc.retry,
      step: (s, i) => {
        s.vcpu[i]!.reqSuspendTimeAdj = true;
        finishPass(d, s, i);
      },
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
  return actions;
}

/** Marc's "as on bare metal": the guest suspends and resumes itself. */
function guestSyncActions(c: Ctx): ActionFamily<KvmState>[] {
  return [
    {
      name: 'guestSuspend',
      doc: 'guest suspend on request: freeze guest tasks, timekeeping_suspend records the clocksource',
      enabled: (s) => s.guestSuspendWanted && s.guestPm === GuestPm.running && s.vcpu[0]!.pc === VcpuPc.guest,
      step: (s) => {
        s.guestSuspendCs = kvmclockRead(s, 0, 0);
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
        const delta = kvmclockRead(s, 0, 0) - s.guestSuspendCs;
        s.guestMonoAdj += delta;
        s.guestOffsBoot += delta;
        s.guestPm = GuestPm.running;
        void c;
      },
    },
  ];
}

/**
 * Nothing is left in flight that would change the guest's boot-time
 * accounting without a new event: the state where every design must have
 * accounted for every suspend.
 */
export function quiescent(d: Design, s: KvmState): boolean {
  if (d.inFlight?.(s)) return false;
  if (s.hostPhase !== HostPhase.running || s.guestPm !== GuestPm.running || s.guestSuspendWanted || s.vmmPaused) return false;
  if (s.sharedSuspendNs !== s.guestInjected) return false;
  for (const v of s.vcpu) {
    if (v.pc === VcpuPc.retry || v.reqSuspendTimeAdj || v.irqPending || v.deferredAdj > 0) return false;
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
 *   own tick and its own suspend and resume.
 * - A thawed VMM thread eventually runs: weak.
 * Nothing forces the host to start a suspend, time to pass, a guest to read
 * its clocks, or a VMM to notice a suspend before the freezer.
 */
export function kvmFairness(d: Design, c: Ctx): FairnessDecl[] {
  const thread = ['vcpuRun', 'vcpuExit', ...(d.retries ? ['vcpuRetry'] : [])];
  const host = ['freezeTasks', 'hostSleep', 'thawTasks', 'pmPostSuspend', ...(c.p.canFail ? ['suspendFail'] : [])];
  const f: FairnessDecl[] = [
    weakFairness('vcpuThread', thread, { per: 0, doc: 'a runnable vCPU thread is scheduled; a vCPU in guest mode exits at the next host tick' }),
    strongFairness('hostSuspend', host, { doc: 'a host suspend that has begun ends: the freezer keeps trying, then times out' }),
  ];
  if (d.irqHandler) f.push(strongFairness('irqDelivery', ['guestIrq'], { per: 0, doc: 'a pending interrupt is delivered at a guest entry' }));
  if (d.guestPoll) f.push(strongFairness('guestTick', ['guestTick'], { per: 0, doc: "the guest's tick runs while it runs" }));
  if (d.guestSync) f.push(strongFairness('guestPm', ['guestSuspend', 'guestResume'], { doc: 'the guest suspends and resumes itself when asked' }));
  if (d.vmm) f.push(weakFairness('vmm', ['vmmResume'], { doc: 'a thawed VMM thread eventually runs' }));
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
