// The arm64 designs: what each side of the review thread proposed, on the
// generic timer. Each is the shared mechanism (model/core/designs.ts,
// model/core/vmm.ts) with what it moves on arm64 (model/arch/arm64.ts); each
// hook names the kernel function, patch function or ioctl it stands for
// (/work/notes/arm64-kernel.md, cited by section).

import { finishPass, type Arm64Ctx, type Arm64Design, type Arm64State } from '../arch/arm64.js';
import { guestSyncMechanism, v3Mechanism, withReRequest, type CounterMoves } from '../core/designs.js';
import { injectDifference } from '../core/machine.js';
import { driftUnposted, postDrift, strongVmm, vmmThawed } from '../core/vmm.js';

const baseline: Arm64Design = {
  name: 'arm64-baseline',
  summary: 'upstream KVM on arm64: nothing is done; the system counter keeps counting through the host suspend and both guest counters with it',
  requestTiming: 'beforeEntry',
};

/**
 * v3 ported: kvm_do_suspend_time_adjustment has no kvm-clock to move on
 * arm64 (it only keeps kvm->suspend_time_ns, which kvm_write_suspend_time
 * posts); vcpu_do_suspend_time_adjustment moves the vCPU's CNTVOFF_EL2 sysreg
 * (timer_set_offset on vcpu_vtimer, per vCPU like the x86 TSC offset, not
 * through update_vtimer_cntvoff) and writes it to the register at once
 * (set_cntvoff: the vCPU was loaded before check_vcpu_requests, notes §5.2),
 * exactly (cycles from ns with the counter's frequency: no x86 millisecond
 * truncation). The physical counter has no offset before v6.4 (notes §1.4).
 */
const virtualOffset: CounterMoves<Arm64State, Arm64Ctx> = {
  perVcpu(s, _c, i, d) {
    s.vcpu[i]!.cntvoff += d;
  },
};

/** The same with the physical offset moved too: CNTPOFF_EL2 (VHE with FEAT_ECV, v6.4+), or the trapped CNTPCT emulated with poffset (notes §2.3). */
const bothOffsets: CounterMoves<Arm64State, Arm64Ctx> = {
  perVcpu(s, _c, i, d) {
    s.vcpu[i]!.cntvoff += d;
    s.vcpu[i]!.cntpoff += d;
  },
};

const v3: Arm64Design = withReRequest(
  {
    name: 'arm64-v3',
    summary: "RFC v3 ported: PM notifier requests KVM_REQ_SUSPEND_TIME_ADJ; each vCPU moves its CNTVOFF_EL2 back before entry; the drift in shared memory and a PPI tell the guest",
    ...v3Mechanism(virtualOffset),
  },
  finishPass,
);

const v3Ecv: Arm64Design = withReRequest(
  {
    name: 'arm64-v3-ecv',
    summary: 'arm64-v3 moving the physical offset with the virtual one (CNTPOFF_EL2 with FEAT_ECV, or the emulated CNTPCT: v6.4+)',
    ...v3Mechanism(bothOffsets),
  },
  finishPass,
);

/**
 * The strongest userspace VMM (model/core/vmm.ts) on arm64, v6.4+: with
 * every vCPU thread out of KVM_RUN (else the ioctl fails with -EBUSY:
 * lock_all_vcpus), KVM_ARM_SET_COUNTER_OFFSET sets the VM-wide offset
 * applied to both counters (voffset = poffset); each vCPU loads it at its
 * next KVM_RUN (kvm_timer_vcpu_load). Notes §2.2.
 */
const userspace: Arm64Design = {
  name: 'arm64-userspace',
  summary: 'the VMM stops its vCPUs on logind PrepareForSleep and, before restarting them, moves the VM-wide counter offset back (KVM_ARM_SET_COUNTER_OFFSET); posts the drift and the SPI',
  requestTiming: 'beforeEntry',
  ...strongVmm<Arm64State, Arm64Ctx>({
    resumeDoc:
      'the VMM, thawed: if it had stopped its vCPUs, KVM_ARM_SET_COUNTER_OFFSET (v6.4; every vCPU out of KVM_RUN, so no -EBUSY) moves the offset of both counters back by what passed; it writes the drift, raises the SPI (KVM_IRQ_LINE) and restarts its vCPUs, which load the offset in kvm_timer_vcpu_load',
    stopDoc: "the VMM, told of the suspend, stops its vCPU threads (they leave KVM_RUN: kvm_timer_vcpu_put) and notes how much sleep the counter has counted (offs_boot, less what a stopped counter lost: the guest counter's previous value, as api.rst asks)",
    moveCounters(s) {
      // What the counter counted asleep while its vCPUs were stopped: the
      // host's offs_boot is that count itself (notes §6) unless the counter
      // stopped; one value for both counters.
      const d = s.hostSlept - s.counterLost - s.vmmSleptAtStop;
      for (const v of s.vcpu) {
        v.cntvoff += d;
        v.cntpoff += d;
      }
    },
    noteAtStop(s) {
      s.vmmSleptAtStop = s.hostSlept - s.counterLost;
    },
  }),
};

/**
 * Marc's "tell the guest that time has moved forward, and by how much", as
 * he put it: shared memory like stolen time (pvtime.c), the VMM exposes the
 * drift and raises an interrupt from userspace on resume; no counter moves.
 * The guest adds the drift to BOOTTIME (timekeeping_inject_virtual_suspend_time).
 */
const stolenTime: Arm64Design = {
  name: 'arm64-stolen-time',
  summary: "Marc's proposal: no counter moves; on resume the VMM posts the drift in shared memory (like stolen time) and raises an SPI; the guest adds it to BOOTTIME",
  requestTiming: 'beforeEntry',
  irqHandler: (s) => injectDifference(s),
  inFlight: driftUnposted,
  vmm: () => [
    {
      name: 'vmmResume',
      doc: 'the VMM, thawed, sees BOOTTIME - MONOTONIC grow: writes the drift into the shared structure and raises the SPI (KVM_IRQ_LINE); nothing else',
      enabled: (s) => vmmThawed(s) && driftUnposted(s),
      step: (s) => postDrift(s),
    },
  ],
};

/**
 * Marc's "as on bare metal": the host suspend waits until the guest has
 * suspended itself (PSCI SYSTEM_SUSPEND, KVM_CAP_ARM_SYSTEM_SUSPEND from about
 * v5.19, exits to the VMM: notes §9); the guest's own timekeeping_suspend and
 * timekeeping_resume measure the sleep with CNTVCT (arch_sys_counter is
 * SUSPEND_NONSTOP in the guest too: notes §6), and hrtimers_resume
 * reprograms its timer.
 */
const guestSync: Arm64Design = {
  name: 'arm64-guest-sync',
  summary: "Marc's 'as on bare metal' on arm64: the host suspend waits until the guest has suspended itself (PSCI SYSTEM_SUSPEND); no counter moves",
  ...guestSyncMechanism<Arm64State>('strict'),
};

export const arm64Designs: readonly Arm64Design[] = [baseline, v3, v3Ecv, userspace, stolenTime, guestSync];
