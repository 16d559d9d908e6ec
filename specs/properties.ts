// The timekeeping properties (docs: ../shared/docs/kvm-suspend-time.md §3),
// in the checker's invariant and step-property forms.

import { invariant, leadsTo, stepProperty, type LivenessProperty, type Property } from '../checker/index.js';
import type { Design } from '../model/designs.js';
import { HostPhase, VcpuPc, type Ctx, type KvmState } from '../model/kvm.js';

const isRead = (family: string) => family === 'readClock';

export function kvmProperties(_d: Design, c: Ctx): (Property<KvmState> | LivenessProperty<KvmState>)[] {
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
    leadsTo<KvmState>(
      'bootCatchesUp',
      (s) => s.hostPhase === HostPhase.resumed,
      (s) => s.guestOffsBoot === s.hostSlept + s.guestAsleepTicks,
      "after each host resume, guest BOOTTIME - MONOTONIC eventually equals the host's suspend time (plus time the guest itself was suspended): no lost injection",
    ),
    leadsTo<KvmState>(
      'vcpuEventuallyEnters',
      (s, i) => s.vcpu[i]!.pc !== VcpuPc.guest,
      (s, i) => s.vcpu[i]!.pc === VcpuPc.guest,
      { over: Array.from({ length: c.n }, (_, i) => i), overName: 'vCPU', doc: 'a vCPU thread out of guest mode eventually runs guest code again (no livelock, no starvation)' },
    ),
  ];
}
