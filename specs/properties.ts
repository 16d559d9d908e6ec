// The timekeeping properties (docs: ../shared/docs/kvm-suspend-time.md §3),
// in the checker's invariant and step-property forms.

import { invariant, stepProperty, type Property } from '../checker/index.js';
import type { Design } from '../model/designs.js';
import { HostPhase, quiescent, type Ctx, type KvmState } from '../model/kvm.js';

const isRead = (family: string) => family === 'readClock';

export function kvmProperties(d: Design, c: Ctx): Property<KvmState>[] {
  const tol = c.p.jumpTolerance;
  return [
    stepProperty<KvmState>(
      'monoNoRewind',
      (b, a, x) => !isRead(a.family) || x.lastMono >= b.lastMono,
      'no guest read of CLOCK_MONOTONIC is below an earlier read, on any vCPU or path',
    ),
    stepProperty<KvmState>(
      'monoNoJump',
      (b, a, x) => !isRead(a.family) || x.lastMono - b.lastMono <= x.lastAwake - b.lastAwake + tol,
      `between two reads CLOCK_MONOTONIC advances by at most the host's awake time between them${tol ? ` + ${tol}` : ''}`,
    ),
    stepProperty<KvmState>(
      'bootNoRewind',
      (b, a, x) => !isRead(a.family) || x.lastBoot >= b.lastBoot,
      'no guest read of CLOCK_BOOTTIME is below an earlier read',
    ),
    invariant<KvmState>(
      'bootExact',
      (s) => s.guestOffsBoot <= s.hostSlept + s.guestAsleepTicks,
      "guest BOOTTIME - MONOTONIC never exceeds the host's suspend time (plus time the guest itself was suspended): no double injection",
    ),
    invariant<KvmState>(
      'bootCatchesUp',
      (s) => !quiescent(d, s) || s.guestOffsBoot === s.hostSlept + s.guestAsleepTicks,
      'once nothing is in flight, guest BOOTTIME - MONOTONIC equals the host suspend time: no lost injection (safety form of the liveness property)',
    ),
    invariant<KvmState>(
      'noRetrySpin',
      (s) => s.hostPhase !== HostPhase.running || s.vcpu.every((v) => !v.reqSuspendTimeAdj || v.suspendNs !== s.hostSlept),
      'no vCPU is left re-requesting KVM_REQ_SUSPEND_TIME_ADJ (unable to enter the guest) after the suspend sequence has ended',
    ),
  ];
}
