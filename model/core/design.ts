// What a design supplies: the steps that differ between proposals, on any
// architecture. An architecture may extend it with hooks of its own (x86:
// model/arch/x86.ts, `X86Design`); everything else is shared
// (model/core/machine.ts).

import type { ActionFamily, FairnessDecl } from '../../checker/index.js';
import type { CoreState, Ctx } from './state.js';

export interface Design<S extends CoreState = CoreState, C extends Ctx = Ctx> {
  readonly name: string;
  readonly summary: string;
  /** Where KVM_REQ_SUSPEND_TIME_ADJ is handled: before guest entry (v3) or, broken, on the next exit. */
  readonly requestTiming: 'beforeEntry' | 'onExit';
  /** PM_SUSPEND_PREPARE notifier (kvm_suspend_notifier in v3). */
  suspendPrepare?(s: S, c: C): void;
  /** PM_POST_SUSPEND notifier (kvm_resume_notifier in v3), under kvm->lock. */
  postSuspend?(s: S, c: C): void;
  /** KVM_REQ_SUSPEND_TIME_ADJ handling (kvm_adjust_suspend_time); 'retry': the re-request follows in a step of its own. */
  suspendTimeAdj?(s: S, i: number, c: C): 'retry' | 'done';
  /** The re-request after a 'retry': the rest of that pass of the run loop. */
  retry?(s: S, i: number, c: C): void;
  /** The guest's handler of the design's notification interrupt. */
  irqHandler?(s: S, c: C): void;
  /** Guest polls the shared value from timekeeping_advance (v1). */
  guestPoll?(s: S, c: C): void;
  /** Extra actors (the VMM of the userspace designs). */
  vmm?(c: C): ActionFamily<S>[];
  /** The VMM's fair actions (default: vmmResume), and any other fairness the design brings. */
  readonly vmmFair?: readonly string[];
  fairness?(c: C): FairnessDecl[];
  /** The suspend goes through systemd-logind, which tells userspace first (vmmNotice). */
  readonly usesLogind?: boolean;
  /** The guest suspends itself when the host does; 'timeout': the host stops waiting. */
  readonly guestSync?: 'strict' | 'timeout';
  /** Work a design still has to do (beyond requests and IRQs) before it is quiescent. */
  inFlight?(s: S): boolean;
}
