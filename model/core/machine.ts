// The shared state machine: the host suspend sequence, the vCPU run loop,
// the guest's notification interrupt, its own suspend (guest-sync) and the
// observers, with the design's steps and the architecture's hooks plugged
// in; what is quiescent, what is fair, what stutters. docs/model.md cites the
// kernel function behind each action.

import { strongFairness, weakFairness, type ActionFamily, type FairnessDecl, type StutteringDecl } from '../../checker/index.js';
import type { Arch } from './arch.js';
import type { Design } from './design.js';
import { VmmNotice } from './premises.js';
import { GuestPm, guestRunning, HostPhase, ReadPath, tasksFrozen, VcpuPc, type CoreState, type Ctx } from './state.js';

/** Any architecture, with its own state, context and designs. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyArch = Arch<any, any, any>;

/** The shared fields whose minimum is not their start (signed ones), and every vCPU inside KVM_RUN. */
export function coreInit(s: CoreState): void {
  for (const v of s.vcpu) v.inRun = true;
  s.lastMono = 0;
  s.lastBoot = 0;
  s.guestSuspendCs = 0;
  s.guestMonoAdj = 0;
  s.guestBooted = true;
}

/** Guest CLOCK_MONOTONIC on `reader`, as the trace views show it (no side effect). */
export function guestMono<S extends CoreState, C extends Ctx>(arch: Arch<S, C, any>, s: S, c: C, reader: number, path: number): number {
  return arch.clockPeek(s, c, reader, path) - s.guestMonoAdj;
}

export function guestBoot<S extends CoreState, C extends Ctx>(arch: Arch<S, C, any>, s: S, c: C, reader: number, path: number): number {
  return guestMono(arch, s, c, reader, path) + s.guestOffsBoot;
}

/** What a read of CLOCK_MONOTONIC returns. */
export function readMono<S extends CoreState, C extends Ctx>(arch: Arch<S, C, any>, s: S, c: C, reader: number, path: number): number {
  return arch.clockRead(s, c, reader, path) - s.guestMonoAdj;
}

function kvmLockFree<S extends CoreState, C extends Ctx>(arch: Arch<S, C, any>, s: S, c: C): boolean {
  return arch.kvmLockFree ? arch.kvmLockFree(s, c) : true;
}

function notifiersActive<S extends CoreState, C extends Ctx, D extends Design<S, C>>(arch: Arch<S, C, D>, d: D, s: S): boolean {
  return arch.notifiersActive ? arch.notifiersActive(d, s) : true;
}

/**
 * Remaining request processing of one pass of the run loop, then the entry
 * check: kvm_vcpu_exit_request() cancels the entry while a request is
 * pending. (A design that handles KVM_REQ_SUSPEND_TIME_ADJ after entry does
 * not let it block the entry.)
 */
export function finishPass<S extends CoreState, C extends Ctx, D extends Design<S, C>>(arch: Arch<S, C, D>, d: D, s: S, c: C, i: number): void {
  const v = s.vcpu[i]!;
  arch.processRequests?.(s, c, i);
  const blocking = arch.requestPending?.(v) === true || (v.reqSuspendTimeAdj && d.requestTiming === 'beforeEntry');
  v.pc = blocking ? VcpuPc.run : VcpuPc.guest;
}

/**
 * The notification interrupt (x86: kvm_apic_set_irq(HYPERVISOR_CALLBACK_VECTOR)):
 * a fixed interrupt is dropped while the local APIC is software-disabled
 * (__apic_accept_irq), as it is from the guest's reset or INIT until its
 * kernel enables it at boot.
 */
export function deliverCallbackIrq(s: CoreState, i: number): void {
  if (s.guestBooted) s.vcpu[i]!.irqPending = true;
}

/** timekeeping_inject_virtual_suspend_time(total), under timekeeper_lock: the guest injects what it has not yet. */
export function injectDifference(s: CoreState): void {
  const total = s.sharedSuspendNs;
  if (total > s.guestInjected) {
    s.guestOffsBoot += total - s.guestInjected;
    s.guestInjected = total;
  }
}

export function kvmActions<S extends CoreState, C extends Ctx, D extends Design<S, C>>(arch: Arch<S, C, D>, d: D, c: C): ActionFamily<S>[] {
  const { p, n } = c;
  const vcpus = Array.from({ length: n }, (_, i) => i);
  const sleeps = Array.from({ length: p.maxSleep }, (_, k) => k + 1);
  const errors = arch.sleepErrors?.(c);
  const paths = p.vdso ? [ReadPath.kernel, ReadPath.vdso] : [ReadPath.kernel];
  const notice = d.usesLogind ? p.vmmNotice : VmmNotice.none;
  const canStartSuspend = (s: S) =>
    s.suspendsStarted < p.suspends &&
    (notice === VmmNotice.none
      ? s.hostPhase === HostPhase.running
      : s.hostPhase === HostPhase.requested && (notice === VmmNotice.delay || s.vmmPaused));

  const actions: ActionFamily<S>[] = [
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
      doc: arch.docs.pmSuspendPrepare,
      enabled: (s) => canStartSuspend(s) && kvmLockFree(arch, s, c),
      step: (s) => {
        s.suspendsStarted++;
        s.hostPhase = HostPhase.prepared;
        arch.suspendNotifier?.(s, c);
        if (notifiersActive(arch, d, s)) d.suspendPrepare?.(s, c);
      },
    },
    {
      name: 'freezeTasks',
      doc: arch.docs.freezeTasks,
      enabled: (s) =>
        s.hostPhase === HostPhase.prepared &&
        (d.guestSync !== 'strict' || s.guestPm === GuestPm.suspended) &&
        // A thread blocked in mutex_lock (the VMM's ioctl) cannot be frozen.
        kvmLockFree(arch, s, c),
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
      over: errors ? [sleeps, errors] : [sleeps],
      doc: arch.docs.hostSleep,
      enabled: (s, dur, err) => s.hostPhase === HostPhase.frozen && dur + (err ?? 0) >= 0,
      step: (s, dur, err) => {
        s.hostSlept += dur + (err ?? 0);
        arch.sleep(s, c, d, dur);
        s.hostPhase = HostPhase.resumed;
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
      enabled: (s) => s.hostPhase === HostPhase.thawed && (!d.postSuspend || kvmLockFree(arch, s, c)),
      step: (s) => {
        s.hostPhase = HostPhase.running;
        if (notifiersActive(arch, d, s)) d.postSuspend?.(s, c);
      },
    },
    {
      name: 'vcpuRun',
      over: [vcpus],
      doc: arch.docs.vcpuRun,
      enabled: (s, i) => s.vcpu[i]!.pc === VcpuPc.run && s.vcpu[i]!.inRun && !tasksFrozen(s) && !s.vmmPaused,
      step: (s, i) => {
        const v = s.vcpu[i]!;
        arch.beginPass?.(s, c, d, i);
        if (d.requestTiming === 'beforeEntry' && v.reqSuspendTimeAdj) {
          v.reqSuspendTimeAdj = false;
          if (d.suspendTimeAdj?.(s, i, c) === 'retry') {
            v.pc = VcpuPc.retry;
            return;
          }
        }
        finishPass(arch, d, s, c, i);
      },
    },
    {
      name: 'vcpuExit',
      over: [vcpus],
      doc: arch.docs.vcpuExit,
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
      doc: arch.docs.readClock,
      enabled: (s, i) => s.vcpu[i]!.pc === VcpuPc.guest && guestRunning(s),
      step: (s, i, path) => {
        s.lastMono = readMono(arch, s, c, i, path);
        s.lastBoot = s.lastMono + s.guestOffsBoot;
        s.lastAwake = s.hostAwake;
        arch.onRead?.(s, c, i);
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
      enabled: (s, i) => s.vcpu[i]!.pc === VcpuPc.retry && arch.retryBlocked?.(s, c, d) !== true,
      step: (s, i) => retry(s, i, c),
    });
  }
  if (d.irqHandler) {
    const handler = d.irqHandler;
    actions.push({
      name: 'guestIrq',
      over: [vcpus],
      doc: arch.docs.guestIrq,
      enabled: (s, i) => s.vcpu[i]!.pc === VcpuPc.guest && s.vcpu[i]!.irqPending && guestRunning(s),
      step: (s, i) => {
        s.vcpu[i]!.irqPending = false;
        handler(s, c);
      },
    });
    if (arch.irqActions) actions.push(...arch.irqActions(d, c, handler));
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
  if (d.guestSync) actions.push(...guestSyncActions(arch, c));
  if (arch.actions) actions.push(...arch.actions(d, c));
  return actions;
}

/** Marc's "as on bare metal": the guest suspends and resumes itself. */
function guestSyncActions<S extends CoreState, C extends Ctx>(arch: Arch<S, C, any>, c: C): ActionFamily<S>[] {
  return [
    {
      name: 'guestSuspend',
      doc: 'guest suspend on request: freeze guest tasks, timekeeping_suspend records the clocksource',
      enabled: (s) => s.guestSuspendWanted && s.guestPm === GuestPm.running && s.guestBooted && s.vcpu[0]!.pc === VcpuPc.guest,
      step: (s) => {
        s.guestSuspendCs = arch.clockRead(s, c, 0, ReadPath.kernel);
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
        const delta = arch.clockRead(s, c, 0, ReadPath.kernel) - s.guestSuspendCs;
        s.guestMonoAdj += delta;
        s.guestOffsBoot += delta;
        s.guestPm = GuestPm.running;
        arch.onGuestResume?.(s, c);
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
export function quiescent<S extends CoreState, C extends Ctx, D extends Design<S, C>>(arch: Arch<S, C, D>, d: D, s: S): boolean {
  if (d.inFlight?.(s)) return false;
  if (s.hostPhase !== HostPhase.running || s.guestPm !== GuestPm.running || s.guestSuspendWanted || s.vmmPaused) return false;
  if (!s.guestBooted) return false;
  for (const v of s.vcpu) {
    if (v.pc === VcpuPc.retry || v.reqSuspendTimeAdj || v.irqPending || arch.vcpuWork?.(v) === true || !v.inRun) return false;
  }
  return true;
}

/**
 * The progress the kernel guarantees, as fairness (docs/model.md, "Fairness").
 * - A vCPU thread is scheduled whenever it is runnable, and a vCPU in guest
 *   mode leaves it at the host's next timer tick: weak fairness on its run
 *   loop, entries and exits together.
 * - A host suspend that has begun ends, in sleep or in failure: the freezer
 *   (try_to_freeze_tasks) keeps waking every task until all are frozen or
 *   its timeout (freeze_timeout_msecs, 20 s) fails the suspend. A vCPU
 *   thread between two passes of its loop is freezable, so the freezer gets
 *   it even if it never stays there: strong fairness.
 * - An interrupt pending for a vCPU is delivered at a guest entry with
 *   interrupts on (x86 inject_pending_event, arm64 the vGIC's list
 *   registers, on every entry), even if the vCPU keeps leaving and
 *   re-entering: strong. Likewise the guest's own tick and its own suspend
 *   and resume.
 * - A thawed VMM thread eventually runs: weak. With a logind delay lock the
 *   suspend goes on when the VMM releases it or the delay ends: weak.
 * Nothing forces the host to start a suspend, time to pass, a guest to read
 * its clocks, or a VMM to notice a suspend before the freezer.
 */
export function kvmFairness<S extends CoreState, C extends Ctx, D extends Design<S, C>>(arch: Arch<S, C, D>, d: D, c: C): FairnessDecl[] {
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
  if (arch.fairness) f.push(...arch.fairness(d, c));
  return f;
}

/**
 * Steps that are not progress (deadlock is "only these can ever happen
 * again"): a guest reading its clocks, host time ticking, and a vCPU that
 * only leaves guest mode or only re-enters it with nothing to process.
 */
export function kvmStuttering<S extends CoreState, C extends Ctx, D extends Design<S, C>>(arch: Arch<S, C, D>, d: D, c: C): StutteringDecl<S> {
  return {
    families: ['readClock', 'tick', ...(arch.stutterFamilies?.(c) ?? [])],
    step(b, a, x) {
      if (a.family !== 'vcpuExit' && a.family !== 'vcpuRun') return false;
      const i = a.args[0]!;
      const v = b.vcpu[i]!;
      const idle = !v.reqSuspendTimeAdj && arch.requestPending?.(v) !== true && arch.vcpuWork?.(v) !== true;
      if (a.family === 'vcpuExit') return d.requestTiming !== 'onExit' || !v.reqSuspendTimeAdj;
      return idle && x.vcpu[i]!.pc === VcpuPc.guest;
    },
  };
}
