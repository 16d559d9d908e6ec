// What an architecture supplies to the shared model: its state layout and
// bounds, its parameters and designs, the guest-visible counters and how the
// guest reads them, and hooks at the points where the shared host suspend
// sequence and vCPU run loop do something architecture-specific. A new
// architecture is a new file implementing this (model/arch/*.ts), its
// designs (model/designs/*.ts), and a line in model/index.ts.

import type { ActionFamily, BlockSpec, FairnessDecl, Layout, ParamSpec } from '../../checker/index.js';
import type { Design } from './design.js';
import type { CoreState, Ctx } from './state.js';

/** The shared actions whose kernel functions differ by architecture: each architecture names them. */
export type ArchActionDocs = Readonly<Record<'pmSuspendPrepare' | 'freezeTasks' | 'hostSleep' | 'vcpuRun' | 'vcpuExit' | 'readClock' | 'guestIrq', string>>;

type VcpuOf<S extends CoreState> = S['vcpu'][number];

export interface Arch<S extends CoreState = CoreState, C extends Ctx = Ctx, D extends Design<S, C> = Design<S, C>> {
  /** `x86`, `arm64`: what `compare --arch` selects. */
  readonly name: string;
  readonly params: Readonly<Record<string, ParamSpec>>;
  bounds(p: C['p'], d: D): C['b'];
  layout(p: C['p'], b: C['b']): Layout<BlockSpec>;
  /** The initial state beyond the shared fields (`coreInit`). */
  init(c: C, d: D): (s: S) => void;
  readonly docs: ArchActionDocs;

  /** The guest clocksource on `reader`, as the guest's own code reads it (it may record what it returned: x86's pvclock clamp). */
  clockRead(s: S, c: C, reader: number, path: number): number;
  /** The same without side effects, for the trace views. */
  clockPeek(s: S, c: C, reader: number, path: number): number;

  /** The design's PM notifiers act now (x86: only once the guest has enabled the MSR). Default: always. */
  notifiersActive?(d: D, s: S): boolean;
  /** The architecture's own PM_SUSPEND_PREPARE notifier (x86: kvm_arch_suspend_notifier). */
  suspendNotifier?(s: S, c: C): void;
  /** kvm->lock is free (x86 vmIoctl: a VMM's VM ioctl may hold it). Default: always. */
  kvmLockFree?(s: S, c: C): boolean;
  /** The sleep's measurement error as a second argument of hostSleep (x86 sleepError), if any. */
  sleepErrors?(c: C): readonly number[] | undefined;
  /** What the machine's counters do while it sleeps `dur` ticks, after offs_boot has grown. */
  sleep(s: S, c: C, d: D, dur: number): void;
  /** Work left from an earlier pass, done first in the next (x86: mutant-irq-before-adjust). */
  beginPass?(s: S, c: C, d: D, i: number): void;
  /** The architecture's own requests, processed after KVM_REQ_SUSPEND_TIME_ADJ (x86: KVM_REQ_CLOCK_UPDATE). */
  processRequests?(s: S, c: C, i: number): void;
  /** One of the architecture's own requests is pending and cancels the entry. */
  requestPending?(v: VcpuOf<S>): boolean;
  /** Deferred work pending on a vCPU (not quiescent, not idle). */
  vcpuWork?(v: VcpuOf<S>): boolean;
  /** The re-request cannot proceed now (x86 mutant-fix-under-kvm-lock waits for kvm->lock). */
  retryBlocked?(s: S, c: C, d: D): boolean;
  /** What a guest read records besides MONOTONIC and BOOTTIME. */
  onRead?(s: S, c: C, reader: number): void;
  /** Other interrupts that run the design's handler (x86 asyncPf: the same vector). */
  irqActions?(d: D, c: C, handler: (s: S, c: C) => void): ActionFamily<S>[];
  /** The guest's own timekeeping_resume has run (guest-sync): what else it reprograms. */
  onGuestResume?(s: S, c: C): void;
  /** Actors and events of this architecture only (premises, other observers). */
  actions?(d: D, c: C): ActionFamily<S>[];
  fairness?(d: D, c: C): FairnessDecl[];
  /** Families of this architecture whose every step stutters (its observers). */
  stutterFamilies?(c: C): readonly string[];
  /** Derived values for trace views: what vCPU i, in guest mode, would read besides MONOTONIC and BOOTTIME. */
  observeVcpu?(s: S, c: C, i: number, o: Record<string, number | boolean>): void;
  /** Derived values for trace views beyond the host clocks and the last read. */
  observe?(s: S, c: C, o: Record<string, number | boolean>): void;
  /** A note for a step of one of this architecture's own observers. */
  explain?(before: S, c: C, family: string, args: readonly number[], after: S): string | undefined;
}
