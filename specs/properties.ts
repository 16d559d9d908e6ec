// The timekeeping properties (docs: ../shared/docs/kvm-suspend-time.md §3),
// in the checker's invariant and step-property forms: those every
// architecture is checked against, defined once over the shared state, and
// each architecture's own.

import { invariant, leadsTo, stepProperty, type LivenessProperty, type Property } from '../checker/index.js';
import { cntvct, guestAwake, type Arm64Ctx, type Arm64State } from '../model/arch/arm64.js';
import { documentedLockOrder, LockClass, lockClassNames, type X86Ctx, type X86State } from '../model/arch/x86.js';
import type { AnyArch } from '../model/core/machine.js';
import { HostPhase, VcpuPc, type CoreState, type Ctx } from '../model/core/state.js';

type Props<S> = (Property<S> | LivenessProperty<S>)[];

/** A cycle in the acquired-before relation: the edges a run took, with the documented order. */
export function lockCycle(edges: number): string | undefined {
  if (edges === 0) return undefined;
  const n = LockClass.count;
  const adj = Array.from({ length: n }, () => [] as number[]);
  for (let a = 0; a < n; a++) for (let b = 0; b < n; b++) if (edges & (1 << (a * n + b))) adj[a]!.push(b);
  for (const [a, b] of documentedLockOrder) if (!adj[a]!.includes(b)) adj[a]!.push(b);
  const state = new Array(n).fill(0);
  const path: number[] = [];
  const visit = (v: number): number[] | undefined => {
    state[v] = 1;
    path.push(v);
    for (const w of adj[v]!) {
      if (state[w] === 1) return [...path.slice(path.indexOf(w)), w];
      if (state[w] === 0) {
        const c = visit(w);
        if (c) return c;
      }
    }
    path.pop();
    state[v] = 2;
    return undefined;
  };
  for (let v = 0; v < n; v++) {
    if (state[v] !== 0) continue;
    const c = visit(v);
    if (c) return c.map((k) => lockClassNames[k]).join(' -> ');
  }
  return undefined;
}

const isRead = (family: string) => family === 'readClock';

/** The properties of every architecture: MONOTONIC and BOOTTIME on every read path, and progress. */
export function sharedProperties(c: Ctx): Props<CoreState> {
  const tol = c.p.jumpTolerance;
  return [
    stepProperty<CoreState>(
      'monoNoRewind',
      (b, a, x) => !isRead(a.family) || x.lastMono >= b.lastMono,
      'no guest read of CLOCK_MONOTONIC is below an earlier read, on any vCPU or path',
    ),
    stepProperty<CoreState>(
      'monoNoJump',
      (b, a, x) => !isRead(a.family) || x.lastMono - b.lastMono <= x.lastAwake - b.lastAwake + tol,
      `between two reads CLOCK_MONOTONIC advances by at most the host's awake time between them${tol ? ` + ${tol}` : ''}`,
    ),
    stepProperty<CoreState>(
      'bootNoRewind',
      (b, a, x) => !isRead(a.family) || x.lastBoot >= b.lastBoot,
      'no guest read of CLOCK_BOOTTIME is below an earlier read',
    ),
    stepProperty<CoreState>(
      'bootNotAhead',
      // Guest BOOTTIME starts at 0 when the guest boots; the host's has run
      // (awake + slept) since. Guest-sync's own suspend is inside both.
      (_b, a, x) => !isRead(a.family) || x.lastBoot <= x.lastAwake - x.hostAwakeAtBoot + x.hostSlept - x.hostSleptAtBoot + tol,
      `no guest read of CLOCK_BOOTTIME is ahead of the host's BOOTTIME since the guest booted${tol ? ` + ${tol}` : ''}: no suspend counted twice (in MONOTONIC and in offs_boot)`,
    ),
    invariant<CoreState>(
      'bootExact',
      (s) => s.guestOffsBoot <= s.hostSlept - s.hostSleptAtBoot + s.guestAsleepTicks,
      "guest BOOTTIME - MONOTONIC never exceeds the host's suspend time since the guest booted (plus time the guest itself was suspended): no double injection",
    ),
    leadsTo<CoreState>(
      'bootCatchesUp',
      (s) => s.hostPhase === HostPhase.resumed,
      (s) => s.guestBooted && s.guestOffsBoot === s.hostSlept - s.hostSleptAtBoot + s.guestAsleepTicks,
      "after each host resume, guest BOOTTIME - MONOTONIC eventually equals the host's suspend time (plus time the guest itself was suspended): no lost injection",
    ),
    leadsTo<CoreState>(
      'vcpuEventuallyEnters',
      (s, i) => s.vcpu[i]!.pc !== VcpuPc.guest,
      (s, i) => s.vcpu[i]!.pc === VcpuPc.guest,
      { over: Array.from({ length: c.n }, (_, i) => i), overName: 'vCPU', doc: 'a vCPU thread out of guest mode eventually runs guest code again (no livelock, no starvation)' },
    ),
  ];
}

/** x86's own: lockdep's order, might_sleep, WARN_ON. */
function x86Properties(_c: X86Ctx): Props<X86State> {
  return [
    invariant<X86State>(
      'lockOrder',
      (s) => lockCycle(s.lockEdges) === undefined,
      'no cycle in the acquired-before relation of kvm->lock, vcpu->mutex, kvm_lock and timekeeper_lock, with "kvm->lock is taken outside vcpu->mutex" (locking.rst): what lockdep reports',
    ),
    invariant<X86State>('noSleepInAtomic', (s) => !s.sleptInAtomic, 'no sleeping lock is taken with interrupts off or a spinlock held (might_sleep)'),
    invariant<X86State>('noWarn', (s) => !s.warned, 'no WARN_ON is hit (adjust_tsc_offset_host never gets a negative adjustment under TSC scaling)'),
  ];
}

const readsCounter = (family: string) => family === 'readClock' || family === 'readCounters';

/**
 * arm64's own: what the generic timer promises a guest that reads more than
 * one counter, programs the virtual timer, or trusts the counter as the
 * architecture defines it (Marc's objection).
 */
function arm64Properties(c: Arm64Ctx): Props<Arm64State> {
  const tol = c.p.jumpTolerance;
  return [
    stepProperty<Arm64State>(
      'countersAgree',
      // CNTVCT - CNTPCT = lag(physical) - lag(virtual); 0 at VM creation.
      (_b, a, x) => a.family !== 'readCounters' || x.lastPhysLag === x.lastVirtLag,
      'a guest that reads both counters finds CNTVCT - CNTPCT what it was at VM creation: the offsets between its counters do not move',
    ),
    stepProperty<Arm64State>(
      'timerDeadline',
      (b, a, x) => {
        if (a.family !== 'vtimerFire') return true;
        // Due at T = MONOTONIC when set + 1 (vtimerProgram); the guest's
        // awake time beyond T: what it was awake since it set the timer,
        // less the tick the timer was for.
        const due = b.vtimerSetMono + 1;
        const fired = cntvct(x, c, 0) - x.guestMonoAdj;
        const awakeBeyond = Math.max(0, guestAwake(x) - b.vtimerSetAwake - 1);
        return fired >= due && fired <= due + awakeBeyond + tol;
      },
      `a virtual timer programmed for guest MONOTONIC T fires at MONOTONIC >= T, and no later than T plus the guest's awake time beyond T${tol ? ` + ${tol}` : ''} (CNTV_CVAL against the offset counter)`,
    ),
    stepProperty<Arm64State>(
      'architecturalCounter',
      (b, a, x) => !readsCounter(a.family) || (x.lastVirtLag <= b.lastVirtLag && x.lastPhysLag <= b.lastPhysLag),
      "between two reads a guest-visible counter (virtual, or physical) advances by at least the time that passed, the host's suspend included, as the always-on system counter does: no offset hides time from the guest",
    ),
  ];
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
const archProperties: Record<string, (c: any) => Props<any>> = { x86: x86Properties, arm64: arm64Properties };

/** Every property a model of this architecture is checked against, shared ones first. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function kvmProperties(arch: AnyArch, c: Ctx): Props<any> {
  return [...sharedProperties(c), ...(archProperties[arch.name]?.(c) ?? [])];
}
