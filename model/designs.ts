// The designs under review, and deliberately broken mutants of v3. A design
// supplies only the steps that differ; model/kvm.ts holds everything shared.
// Each hook names the kernel function (or patch function) it stands for.

import type { ActionFamily } from '../checker/index.js';
import { HostPhase, requestClockUpdateAll, VcpuPc, type Ctx, type KvmState } from './kvm.js';

export interface Design {
  readonly name: string;
  readonly summary: string;
  /** Where KVM_REQ_SUSPEND_TIME_ADJ is handled: before guest entry (v3) or, broken, on the next exit. */
  readonly requestTiming: 'beforeEntry' | 'onExit';
  /** PM_SUSPEND_PREPARE notifier (kvm_suspend_notifier in v3). */
  suspendPrepare?(s: KvmState, c: Ctx): void;
  /** PM_POST_SUSPEND notifier (kvm_resume_notifier in v3). */
  postSuspend?(s: KvmState, c: Ctx): void;
  /** Runs inside timekeeping_resume, before tasks are thawed (v1's host side). */
  timekeepingResume?(s: KvmState, c: Ctx): void;
  /** The request handler may answer 'retry' (v3's d == 0 path). */
  readonly retries?: boolean;
  /** KVM_REQ_SUSPEND_TIME_ADJ handling (kvm_adjust_suspend_time); 'retry' when d == 0. */
  suspendTimeAdj?(s: KvmState, i: number, c: Ctx): 'retry' | 'done';
  /** mutant-irq-before-adjust: the counter adjustment left for the next pass. */
  applyDeferred?(s: KvmState, i: number, c: Ctx): void;
  /** Guest HYPERVISOR_CALLBACK_VECTOR handler. */
  irqHandler?(s: KvmState, c: Ctx): void;
  /** Guest polls the shared value from timekeeping_advance (v1). */
  guestPoll?(s: KvmState, c: Ctx): void;
  /** Extra actors (marc-userspace's VMM). */
  vmm?(c: Ctx): ActionFamily<KvmState>[];
  /** The guest suspends itself when the host does; 'timeout': the host stops waiting. */
  readonly guestSync?: 'strict' | 'timeout';
  /** mutant-vm-adjust-per-vcpu: kvmclock_offset may move once per vCPU. */
  readonly kvmclockAdjustPerVcpu?: boolean;
  /** Work a design still has to do (beyond requests and IRQs) before it is quiescent. */
  inFlight?(s: KvmState): boolean;
}

// ---- v3 as posted (RFC v3 4/5 and 5/5) --------------------------------------

/** kvm_total_suspend_time: offs_boot now minus at VM creation (the VM is created at boot). */
function totalSuspendTime(s: KvmState): number {
  return s.hostSlept;
}

/** kvm_do_suspend_time_adjustment, under kvm->suspend_time_ns_lock. */
function vmWideAdjust(s: KvmState, total: number, c: Ctx): void {
  if (total > s.kvmSuspendNs) {
    s.kvmclockAdj += total - s.kvmSuspendNs;
    s.kvmSuspendNs = total;
    requestClockUpdateAll(s, c);
  }
}

/** adjust_tsc_offset_host(vcpu, -cpu_tsc_khz * (d / 1000000)): whole "milliseconds" only. */
function tscAdjustment(d: number, c: Ctx): number {
  const g = c.p.tscGranularity;
  return Math.floor(d / g) * g;
}

/** vcpu_do_suspend_time_adjustment after d > 0 is known. */
function vcpuAdjust(s: KvmState, i: number, d: number, c: Ctx): void {
  s.vcpu[i]!.tscAdj += tscAdjustment(d, c);
  // KVM_REQ_MASTERCLOCK_UPDATE -> kvm_update_masterclock -> CLOCK_UPDATE on every vCPU.
  requestClockUpdateAll(s, c);
  notifyGuest(s, i);
}

/** kvm_write_suspend_time + kvm_apic_set_irq(HYPERVISOR_CALLBACK_VECTOR). */
function notifyGuest(s: KvmState, i: number): void {
  s.sharedSuspendNs = s.kvmSuspendNs;
  s.vcpu[i]!.irqPending = true;
}

/** kvm_adjust_suspend_time (v3), with the step that a mutant changes made explicit. */
function v3SuspendTimeAdj(s: KvmState, i: number, c: Ctx, retryOnZero = true): 'retry' | 'done' {
  const total = totalSuspendTime(s);
  vmWideAdjust(s, total, c);
  const v = s.vcpu[i]!;
  let d = 0;
  if (total > v.suspendNs) {
    d = total - v.suspendNs;
    v.suspendNs = total;
  }
  if (d === 0) return retryOnZero ? 'retry' : 'done';
  vcpuAdjust(s, i, d, c);
  return 'done';
}

/** timekeeping_inject_virtual_suspend_time(total), under timekeeper_lock. */
function injectDifference(s: KvmState): void {
  const total = s.sharedSuspendNs;
  if (total > s.guestInjected) {
    s.guestOffsBoot += total - s.guestInjected;
    s.guestInjected = total;
  }
}

const v3: Design = {
  name: 'v3',
  summary: 'RFC v3: PM notifier requests KVM_REQ_SUSPEND_TIME_ADJ; each vCPU adjusts kvmclock and its TSC before entry; IRQ tells the guest',
  requestTiming: 'beforeEntry',
  retries: true,
  suspendPrepare(s) {
    // kvm_suspend_notifier: set the request on every vCPU; no kick.
    for (const v of s.vcpu) v.reqSuspendTimeAdj = true;
  },
  postSuspend(s) {
    // kvm_resume_notifier: clear where nothing is left to adjust.
    const total = totalSuspendTime(s);
    for (const v of s.vcpu) if (total === v.suspendNs) v.reqSuspendTimeAdj = false;
  },
  suspendTimeAdj: (s, i, c) => v3SuspendTimeAdj(s, i, c),
  irqHandler: (s) => injectDifference(s),
};

/**
 * v3 with the three holes the model found closed (docs/findings.md):
 * - one request bit serves every suspend: PM_SUSPEND_PREPARE marks the VM
 *   "suspend in progress" and a vCPU keeps re-requesting until
 *   PM_POST_SUSPEND clears the mark, whatever d was;
 * - the re-request races with PM_POST_SUSPEND: the vCPU checks the mark and
 *   re-requests under kvm->lock, the lock the notifier holds;
 * - the TSC moves by exactly d cycles (mul before div), like kvmclock.
 */
const v3Fixed: Design = {
  name: 'v3-fixed',
  summary: 'v3 plus a suspend-in-progress mark checked under kvm->lock, and an exact TSC adjustment',
  requestTiming: 'beforeEntry',
  suspendPrepare(s) {
    s.kvmSuspendInProgress = true;
    for (const v of s.vcpu) v.reqSuspendTimeAdj = true;
  },
  postSuspend(s) {
    s.kvmSuspendInProgress = false;
    const total = totalSuspendTime(s);
    for (const v of s.vcpu) if (total === v.suspendNs) v.reqSuspendTimeAdj = false;
  },
  suspendTimeAdj(s, i, c) {
    const total = totalSuspendTime(s);
    vmWideAdjust(s, total, c);
    const v = s.vcpu[i]!;
    if (total > v.suspendNs) {
      const d = total - v.suspendNs;
      v.suspendNs = total;
      v.tscAdj += d;
      requestClockUpdateAll(s, c);
      notifyGuest(s, i);
    }
    // Under kvm->lock: keep the request while the suspend is still under way.
    if (s.kvmSuspendInProgress) v.reqSuspendTimeAdj = true;
    return 'done';
  },
  irqHandler: (s) => injectDifference(s),
};

// ---- the other designs ------------------------------------------------------

const baseline: Design = {
  name: 'baseline',
  summary: 'upstream KVM: nothing is done; the counters keep running through the host suspend',
  requestTiming: 'beforeEntry',
};

const v1: Design = {
  name: 'v1',
  summary: 'RFC v1: the host adjusts kvmclock and every TSC from timekeeping_resume; the guest polls the shared value each tick',
  requestTiming: 'beforeEntry',
  timekeepingResume(s, c) {
    const total = totalSuspendTime(s);
    vmWideAdjust(s, total, c);
    for (const v of s.vcpu) {
      if (total > v.suspendNs) {
        v.tscAdj += tscAdjustment(total - v.suspendNs, c);
        v.suspendNs = total;
      }
    }
    requestClockUpdateAll(s, c);
    s.sharedSuspendNs = s.kvmSuspendNs;
  },
  guestPoll: (s) => injectDifference(s),
};

const marcUserspace: Design = {
  name: 'marc-userspace',
  summary: "Marc's proposal: KVM adjusts no counter; the VMM stops vCPUs, writes the drift to shared memory on resume and injects the IRQ",
  requestTiming: 'beforeEntry',
  irqHandler: (s) => injectDifference(s),
  inFlight: (s) => s.hostSlept > s.sharedSuspendNs,
  vmm: () => [
    {
      name: 'vmmSuspendNotice',
      doc: 'the VMM learns a suspend is coming (before it is frozen) and stops its vCPU threads',
      enabled: (s) => s.hostPhase === HostPhase.prepared && !s.vmmPaused,
      step: (s) => {
        s.vmmPaused = true;
        for (const v of s.vcpu) if (v.pc === VcpuPc.guest) v.pc = VcpuPc.run;
      },
    },
    {
      name: 'vmmResume',
      doc: 'the VMM, thawed, sees BOOTTIME-MONOTONIC grow: writes the drift, injects the IRQ (KVM_INTERRUPT), restarts vCPUs',
      enabled: (s) =>
        (s.hostPhase === HostPhase.thawed || s.hostPhase === HostPhase.running) && (s.vmmPaused || s.hostSlept > s.sharedSuspendNs),
      step: (s) => {
        if (s.hostSlept > s.sharedSuspendNs) {
          s.sharedSuspendNs = s.hostSlept;
          s.vcpu[0]!.irqPending = true;
        }
        s.vmmPaused = false;
      },
    },
  ],
};

function guestSync(flavour: 'strict' | 'timeout'): Design {
  return {
    name: `guest-sync-${flavour}`,
    summary:
      flavour === 'strict'
        ? "Marc's 'as on bare metal': the host suspend waits until the guest has suspended itself"
        : "Marc's 'as on bare metal', but the host stops waiting for the guest after a timeout",
    requestTiming: 'beforeEntry',
    guestSync: flavour,
    suspendPrepare(s) {
      s.guestSuspendWanted = true;
    },
    postSuspend(s) {
      s.guestSuspendWanted = false;
    },
  };
}

// ---- known-bad mutants of v3 -------------------------------------------------

const mutants: Design[] = [
  {
    ...v3,
    name: 'mutant-request-after-entry',
    summary: 'v3 with KVM_REQ_SUSPEND_TIME_ADJ handled after guest entry (on the next exit)',
    requestTiming: 'onExit',
  },
  {
    ...v3,
    name: 'mutant-no-retry',
    summary: 'v3 without the re-request when d == 0 ("suspend has not happened yet")',
    retries: false,
    suspendTimeAdj: (s, i, c) => v3SuspendTimeAdj(s, i, c, false),
  },
  {
    ...v3,
    name: 'mutant-post-clears-all',
    summary: 'v3 whose PM_POST_SUSPEND notifier clears every request unconditionally',
    postSuspend(s) {
      for (const v of s.vcpu) v.reqSuspendTimeAdj = false;
    },
  },
  {
    ...v3,
    name: 'mutant-vm-adjust-per-vcpu',
    summary: 'v3 with the VM-wide kvmclock adjustment applied once per vCPU',
    kvmclockAdjustPerVcpu: true,
    suspendTimeAdj(s, i, c) {
      const total = totalSuspendTime(s);
      const v = s.vcpu[i]!;
      if (total > v.suspendNs) {
        // Measured against this vCPU's record instead of kvm->suspend_time_ns.
        s.kvmclockAdj += total - v.suspendNs;
        s.kvmSuspendNs = total;
        requestClockUpdateAll(s, c);
      }
      const d = total - v.suspendNs;
      if (d === 0) return 'retry';
      v.suspendNs = total;
      vcpuAdjust(s, i, d, c);
      return 'done';
    },
  },
  {
    ...v3,
    name: 'mutant-irq-before-adjust',
    summary: 'v3 that writes the shared value and injects the IRQ, entering the guest before the counters are adjusted',
    suspendTimeAdj(s, i) {
      const total = totalSuspendTime(s);
      const v = s.vcpu[i]!;
      const d = total - v.suspendNs;
      if (d === 0) return 'retry';
      v.suspendNs = total;
      v.deferredAdj = d;
      s.sharedSuspendNs = total;
      v.irqPending = true;
      return 'done';
    },
    applyDeferred(s, i, c) {
      const v = s.vcpu[i]!;
      const d = v.deferredAdj;
      v.deferredAdj = 0;
      vmWideAdjust(s, totalSuspendTime(s), c);
      v.tscAdj += tscAdjustment(d, c);
      requestClockUpdateAll(s, c);
    },
  },
  {
    ...v3,
    name: 'mutant-inject-cumulative',
    summary: 'v3 whose guest adds the cumulative suspend time to offs_boot instead of the difference',
    irqHandler(s) {
      const total = s.sharedSuspendNs;
      if (total > s.guestInjected) {
        s.guestOffsBoot += total;
        s.guestInjected = total;
      }
    },
  },
];

export const designs: readonly Design[] = [baseline, v1, v3, v3Fixed, marcUserspace, guestSync('strict'), guestSync('timeout'), ...mutants];

export function designByName(name: string): Design | undefined {
  return designs.find((d) => d.name === name);
}
