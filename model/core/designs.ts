// The designs' mechanisms that do not depend on the architecture, each
// written once: v3's request and retry logic (RFC v3 4/5, "Extracted
// arch-independent parts"), its guest side (5/5), and Marc's guest-sync. An
// architecture supplies what they move (`CounterMoves`); its designs file
// names and documents the design.

import type { Design } from './design.js';
import { deliverCallbackIrq, injectDifference } from './machine.js';
import type { CoreState, Ctx } from './state.js';

// ---- v3 as posted (RFC v3 4/5 and 5/5) --------------------------------------

/** What v3's two adjustments move on an architecture. */
export interface CounterMoves<S extends CoreState, C extends Ctx> {
  /** kvm_do_suspend_time_adjustment: the VM-wide counter moved back by `delta` (x86: kvmclock_offset, then KVM_REQ_CLOCK_UPDATE everywhere). */
  vmWide?(s: S, c: C, delta: number): void;
  /** vcpu_do_suspend_time_adjustment: vCPU i's counter moved back by `d` (x86: its TSC offset, then KVM_REQ_MASTERCLOCK_UPDATE). */
  perVcpu(s: S, c: C, i: number, d: number): void;
}

/** kvm_total_suspend_time: offs_boot now minus kvm->base_offs_boot_ns. */
export function totalSuspendTime(s: CoreState): number {
  return s.hostSlept - s.kvmBase;
}

/** kvm_do_suspend_time_adjustment, under kvm->suspend_time_ns_lock. */
export function vmWideAdjust<S extends CoreState, C extends Ctx>(moves: CounterMoves<S, C>, s: S, total: number, c: C): void {
  if (total > s.kvmSuspendNs) {
    moves.vmWide?.(s, c, total - s.kvmSuspendNs);
    s.kvmSuspendNs = total;
  }
}

/** kvm_write_suspend_time, then the interrupt on this vCPU (x86 kvm_apic_set_irq(HYPERVISOR_CALLBACK_VECTOR)). */
export function notifyGuest(s: CoreState, i: number): void {
  s.sharedSuspendNs = s.kvmSuspendNs;
  deliverCallbackIrq(s, i);
}

/** vcpu_do_suspend_time_adjustment after d > 0 is known: move, write the shared value, interrupt. */
export function vcpuAdjust<S extends CoreState, C extends Ctx>(moves: CounterMoves<S, C>, s: S, i: number, d: number, c: C): void {
  moves.perVcpu(s, c, i, d);
  notifyGuest(s, i);
}

/** kvm_adjust_suspend_time (v3), with the step that a mutant changes made explicit. */
export function v3SuspendTimeAdj<S extends CoreState, C extends Ctx>(moves: CounterMoves<S, C>, s: S, i: number, c: C, retryOnZero = true): 'retry' | 'done' {
  const total = totalSuspendTime(s);
  vmWideAdjust(moves, s, total, c);
  const v = s.vcpu[i]!;
  let d = 0;
  if (total > v.suspendNs) {
    d = total - v.suspendNs;
    v.suspendNs = total;
  }
  if (d === 0) return retryOnZero ? 'retry' : 'done';
  vcpuAdjust(moves, s, i, d, c);
  return 'done';
}

/**
 * v3's mechanism on an architecture: the PM notifiers, the request handler
 * and the guest's interrupt handler. The design adds its name, and the
 * re-request (`withReRequest`), which ends the pass the architecture's way.
 */
export function v3Mechanism<S extends CoreState, C extends Ctx>(moves: CounterMoves<S, C>) {
  return {
    requestTiming: 'beforeEntry' as const,
    suspendPrepare(s: S): void {
      // kvm_suspend_notifier: set the request on every vCPU; no kick.
      for (const v of s.vcpu) v.reqSuspendTimeAdj = true;
    },
    postSuspend(s: S): void {
      // kvm_resume_notifier: clear where nothing is left to adjust.
      const total = totalSuspendTime(s);
      for (const v of s.vcpu) if (total === v.suspendNs) v.reqSuspendTimeAdj = false;
    },
    suspendTimeAdj: (s: S, i: number, c: C) => v3SuspendTimeAdj(moves, s, i, c),
    irqHandler: (s: S) => injectDifference(s),
  };
}

/**
 * The design with its re-request: kvm_make_request(KVM_REQ_SUSPEND_TIME_ADJ)
 * again; the pass ends (`finish`, the architecture's) and cancels the entry.
 * The re-request is the design's own: a design spread from it keeps it.
 */
export function withReRequest<S extends CoreState, C extends Ctx, D extends Design<S, C>>(d: D, finish: (d: D, s: S, c: C, i: number) => void): D {
  (d as { retry?: Design<S, C>['retry'] }).retry = (s, i, c) => {
    s.vcpu[i]!.reqSuspendTimeAdj = true;
    finish(d, s, c, i);
  };
  return d;
}

// ---- Marc's "as on bare metal" ------------------------------------------------

/** The guest suspends itself when the host does; 'timeout': the host stops waiting for it. */
export function guestSyncMechanism<S extends CoreState>(flavour: 'strict' | 'timeout') {
  return {
    requestTiming: 'beforeEntry' as const,
    guestSync: flavour,
    suspendPrepare(s: S): void {
      s.guestSuspendWanted = true;
    },
    postSuspend(s: S): void {
      s.guestSuspendWanted = false;
    },
  };
}
