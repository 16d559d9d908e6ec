// The designs under review, the fix this project proposes, and deliberately
// broken mutants of v3. A design supplies only the steps that differ;
// model/kvm.ts holds everything shared. Each hook names the kernel function
// (or patch function) it stands for.

import { weakFairness, type ActionFamily, type FairnessDecl } from '../checker/index.js';
import {
  deliverCallbackIrq,
  finishPass,
  HostPhase,
  LockClass,
  lockEdge,
  masterclockUpdate,
  requestClockUpdateAll,
  tscMoveBackHost,
  VcpuPc,
  VmmNotice,
  type Ctx,
  type KvmState,
} from './kvm.js';

export interface Design {
  readonly name: string;
  readonly summary: string;
  /** Where KVM_REQ_SUSPEND_TIME_ADJ is handled: before guest entry (v3) or, broken, on the next exit. */
  readonly requestTiming: 'beforeEntry' | 'onExit';
  /** The host side acts only once the guest has enabled MSR_KVM_HOST_SUSPEND_TIME (virt_suspend_time_enabled). */
  readonly usesMsr?: boolean;
  /** kvm->base_offs_boot_ns is taken when the guest enables the MSR, not at VM creation. */
  readonly baseAtEnable?: boolean;
  /** At boot the guest takes the shared value as already injected (suspends before its boot are not its own). */
  readonly guestBaselinesAtBoot?: boolean;
  /** The PM notifiers run (and keep their own state) even before the guest enables the MSR. */
  readonly notifiersAlways?: boolean;
  /** PM_SUSPEND_PREPARE notifier (kvm_suspend_notifier in v3). */
  suspendPrepare?(s: KvmState, c: Ctx): void;
  /** PM_POST_SUSPEND notifier (kvm_resume_notifier in v3), under kvm->lock. */
  postSuspend?(s: KvmState, c: Ctx): void;
  /** Runs inside timekeeping_resume, before tasks are thawed (v1's host side). */
  timekeepingResume?(s: KvmState, c: Ctx): void;
  /** KVM_REQ_SUSPEND_TIME_ADJ handling (kvm_adjust_suspend_time); 'retry': the re-request follows in a step of its own. */
  suspendTimeAdj?(s: KvmState, i: number, c: Ctx): 'retry' | 'done';
  /** The re-request after a 'retry': the rest of that vcpu_enter_guest pass. */
  retry?(s: KvmState, i: number, c: Ctx): void;
  /** The re-request takes kvm->lock (inside vcpu->mutex). */
  readonly reRequestUnderKvmLock?: boolean;
  /** mutant-irq-before-adjust: the counter adjustment left for the next pass. */
  applyDeferred?(s: KvmState, i: number, c: Ctx): void;
  /** Guest HYPERVISOR_CALLBACK_VECTOR handler. */
  irqHandler?(s: KvmState, c: Ctx): void;
  /** Guest polls the shared value from timekeeping_advance (v1). */
  guestPoll?(s: KvmState, c: Ctx): void;
  /** Extra actors (the VMM of the userspace designs). */
  vmm?(c: Ctx): ActionFamily<KvmState>[];
  /** The VMM's fair actions (default: vmmResume), and any other fairness the design brings. */
  readonly vmmFair?: readonly string[];
  fairness?(c: Ctx): FairnessDecl[];
  /** The suspend goes through systemd-logind, which tells userspace first (vmmNotice). */
  readonly usesLogind?: boolean;
  /** The guest suspends itself when the host does; 'timeout': the host stops waiting. */
  readonly guestSync?: 'strict' | 'timeout';
  /** mutant-vm-adjust-per-vcpu: kvmclock_offset may move once per vCPU. */
  readonly kvmclockAdjustPerVcpu?: boolean;
  /** Work a design still has to do (beyond requests and IRQs) before it is quiescent. */
  inFlight?(s: KvmState): boolean;
  /** What of KVM's suspend-time state survives a live migration. */
  migrate?(s: KvmState, c: Ctx): void;
  /**
   * The VMM wrote every TSC and kvm_synchronize_tsc matched them: 'reset',
   * a system reset (every TSC restarts from 0), or 'matched', a migration's
   * restore (every TSC offset becomes vCPU 0's).
   */
  tscSynchronized?(s: KvmState, how: 'reset' | 'matched'): void;
}

// ---- v3 as posted (RFC v3 4/5 and 5/5) --------------------------------------

/** kvm_total_suspend_time: offs_boot now minus kvm->base_offs_boot_ns. */
function totalSuspendTime(s: KvmState): number {
  return s.hostSlept - s.kvmBase;
}

/** kvm_do_suspend_time_adjustment, under kvm->suspend_time_ns_lock. */
function vmWideAdjust(s: KvmState, total: number, c: Ctx): void {
  if (total > s.kvmSuspendNs) {
    s.kvmclockAdj += total - s.kvmSuspendNs;
    s.kvmSuspendNs = total;
    requestClockUpdateAll(s, c);
  }
}

/** cpu_tsc_khz * (d / 1000000): whole "milliseconds" only. */
function tscAdjustment(d: number, c: Ctx): number {
  const g = c.p.tscGranularity;
  return Math.floor(d / g) * g;
}

/** vcpu_do_suspend_time_adjustment after d > 0 is known. */
function vcpuAdjust(s: KvmState, i: number, d: number, c: Ctx): void {
  tscMoveBackHost(s, c, i, tscAdjustment(d, c));
  // KVM_REQ_MASTERCLOCK_UPDATE, processed later in the same pass.
  masterclockUpdate(s, c);
  notifyGuest(s, i);
}

/** kvm_write_suspend_time + kvm_apic_set_irq(HYPERVISOR_CALLBACK_VECTOR). */
function notifyGuest(s: KvmState, i: number): void {
  s.sharedSuspendNs = s.kvmSuspendNs;
  deliverCallbackIrq(s, i);
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

/** kvm_make_request(KVM_REQ_SUSPEND_TIME_ADJ) again; the pass ends and cancels the entry. */
function reRequest(d: Design) {
  return (s: KvmState, i: number, c: Ctx): void => {
    s.vcpu[i]!.reqSuspendTimeAdj = true;
    finishPass(d, s, c, i);
  };
}

/** timekeeping_inject_virtual_suspend_time(total), under timekeeper_lock. */
function injectDifference(s: KvmState): void {
  const total = s.sharedSuspendNs;
  if (total > s.guestInjected) {
    s.guestOffsBoot += total - s.guestInjected;
    s.guestInjected = total;
  }
}

/**
 * Live migration of a v3 VM: the destination KVM is a new VM
 * (kvm_create_vm: base_offs_boot_ns = its offs_boot now, suspend_time_ns =
 * 0, each vCPU's from it); the VMM restores MSR_KVM_HOST_SUSPEND_TIME (it is
 * among KVM's emulated MSRs), which writes the destination's 0 into the
 * guest's struct; request bits are not migrated; KVM_SET_CLOCK asks every
 * vCPU to rewrite its page. The model's clocks stand for the destination's:
 * kvmclock and each TSC go on as they were (KVM_SET_CLOCK, MSR_IA32_TSC).
 */
function migrateAsPosted(s: KvmState, c: Ctx): void {
  s.kvmBase = s.hostSlept;
  s.kvmSuspendNs = 0;
  s.kvmSuspendInProgress = false;
  if (s.msrEnabled) s.sharedSuspendNs = 0;
  for (const v of s.vcpu) {
    v.suspendNs = 0;
    v.tscSleptSeen = s.hostTscSlept;
    v.reqSuspendTimeAdj = false;
    v.deferredAdj = 0;
    if (v.pc === VcpuPc.guest) v.pc = VcpuPc.run;
  }
  // KVM_SET_CLOCK on the destination: kvm_gen_update_masterclock.
  masterclockUpdate(s, c);
}

const v3: Design = {
  name: 'v3',
  summary: 'RFC v3: PM notifier requests KVM_REQ_SUSPEND_TIME_ADJ; each vCPU adjusts kvmclock and its TSC before entry; IRQ tells the guest',
  requestTiming: 'beforeEntry',
  usesMsr: true,
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
  migrate: migrateAsPosted,
};
(v3 as { retry?: Design['retry'] }).retry = reRequest(v3);

// ---- v3-fixed: what this project proposes (docs/findings.md) ---------------

/**
 * kvm_adjust_suspend_time as fixed. Against v3:
 * - the request is kept while a suspend is in progress (a per-VM flag the
 *   PM notifiers set and clear under kvm->lock), so catching up on one
 *   suspend cannot spend the request of the next;
 * - the vCPU reads that flag with READ_ONCE, without kvm->lock: taking
 *   kvm->lock inside vcpu->mutex inverts the documented lock order; the
 *   re-request is a step of its own, so a PM_POST_SUSPEND in between is
 *   explored (a re-request left behind only costs one more pass);
 * - the TSC moves back by what the TSC itself counted asleep (KVM's syscore
 *   suspend/resume can read it), in guest cycles (adjust_tsc_offset_guest:
 *   no sign trouble under TSC scaling), and exactly: no millisecond truncation;
 * - base_offs_boot_ns is taken when the guest enables the MSR; the guest
 *   takes the value it finds at boot as already injected; a migration
 *   carries suspend_time_ns (per VM and per vCPU) and re-raises the request.
 */
function fixedSuspendTimeAdj(s: KvmState, i: number, c: Ctx): 'retry' | 'done' {
  const total = totalSuspendTime(s);
  vmWideAdjust(s, total, c);
  const v = s.vcpu[i]!;
  if (total > v.suspendNs || s.hostTscSlept > v.tscSleptSeen) {
    v.suspendNs = total;
    v.tscAdj += s.hostTscSlept - v.tscSleptSeen;
    v.tscSleptSeen = s.hostTscSlept;
    masterclockUpdate(s, c);
    notifyGuest(s, i);
  }
  return s.kvmSuspendInProgress ? 'retry' : 'done';
}

/**
 * A TSC the VMM wrote has none of the moves made before: after a reset it
 * restarted from 0 and has nothing to catch up on; matched to vCPU 0's, it
 * has had exactly vCPU 0's moves. A pending move of its own would move it a
 * second time. (v3-fixed: KVM records this where kvm_synchronize_tsc writes
 * the offset; the strong VMM knows what it wrote.)
 */
function tscWrittenByVmm(s: KvmState, how: 'reset' | 'matched'): void {
  const seen = how === 'reset' ? s.hostTscSlept : s.vcpu[0]!.tscSleptSeen;
  for (const v of s.vcpu) v.tscSleptSeen = seen;
}

const v3Fixed: Design = {
  name: 'v3-fixed',
  summary: 'v3 with the request kept through a suspend (a flag read locklessly), the TSC moved by what it counted, base and guest baselined at enable and boot',
  requestTiming: 'beforeEntry',
  usesMsr: true,
  baseAtEnable: true,
  guestBaselinesAtBoot: true,
  notifiersAlways: true,
  suspendPrepare(s) {
    // The flag is kept even before the guest enables the MSR, so that an
    // enable in the middle of a suspend still gets it compensated.
    s.kvmSuspendInProgress = true;
    if (s.msrEnabled) for (const v of s.vcpu) v.reqSuspendTimeAdj = true;
  },
  postSuspend(s) {
    s.kvmSuspendInProgress = false;
    const total = totalSuspendTime(s);
    for (const v of s.vcpu) if (total === v.suspendNs && s.hostTscSlept === v.tscSleptSeen) v.reqSuspendTimeAdj = false;
  },
  suspendTimeAdj: fixedSuspendTimeAdj,
  irqHandler: (s) => injectDifference(s),
  tscSynchronized: tscWrittenByVmm,
  migrate(s, c) {
    // Carried by a new attribute: the total the source saw (offs_boot -
    // base, so the destination's base makes its total the same: in the
    // model's one clock, the base does not move), suspend_time_ns per VM and
    // per vCPU; every vCPU re-checks on entry.
    s.kvmSuspendInProgress = false;
    for (const v of s.vcpu) {
      v.reqSuspendTimeAdj = true;
      if (v.pc === VcpuPc.guest) v.pc = VcpuPc.run;
    }
    masterclockUpdate(s, c);
  },
};
(v3Fixed as { retry?: Design['retry'] }).retry = reRequest(v3Fixed);

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
  usesMsr: true,
  timekeepingResume(s, c) {
    if (!s.msrEnabled) return;
    // kvm_arch_timekeeping_inject_sleeptime: called with timekeeper_lock held
    // and interrupts off (syscore resume), it takes the kvm_lock mutex.
    lockEdge(s, LockClass.timekeeperLock, LockClass.kvmGlobalLock);
    s.sleptInAtomic = true;
    const total = totalSuspendTime(s);
    vmWideAdjust(s, total, c);
    for (let i = 0; i < c.n; i++) {
      const v = s.vcpu[i]!;
      if (total > v.suspendNs) {
        // tsc_offset_adjustment, applied by adjust_tsc_offset_host at the next vcpu_load.
        tscMoveBackHost(s, c, i, tscAdjustment(total - v.suspendNs, c));
        v.suspendNs = total;
      }
    }
    requestClockUpdateAll(s, c);
    s.sharedSuspendNs = s.kvmSuspendNs;
  },
  guestPoll: (s) => injectDifference(s),
  migrate: migrateAsPosted,
};

const marcUserspace: Design = {
  name: 'marc-userspace',
  summary: "Marc's proposal as first put: KVM adjusts no counter; the VMM stops vCPUs, writes the drift to shared memory on resume and injects the IRQ",
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
      doc: 'the VMM, thawed, sees BOOTTIME-MONOTONIC grow: writes the drift, injects the IRQ (KVM_SIGNAL_MSI), restarts vCPUs',
      enabled: (s) =>
        (s.hostPhase === HostPhase.thawed || s.hostPhase === HostPhase.running) && (s.vmmPaused || s.hostSlept > s.sharedSuspendNs),
      step: (s) => {
        if (s.hostSlept > s.sharedSuspendNs) {
          s.sharedSuspendNs = s.hostSlept;
          deliverCallbackIrq(s, 0);
        }
        s.vmmPaused = false;
      },
    },
  ],
};

/**
 * The userspace proposal at its strongest: everything a VMM can do. It
 * learns of a suspend from systemd-logind (PrepareForSleep, with a delay
 * inhibitor), stops its vCPU threads and notes the host's offs_boot and how
 * far the TSC has counted asleep; after resume it moves kvmclock back
 * (KVM_SET_CLOCK) and every TSC (KVM_VCPU_TSC_OFFSET, v5.16) by what passed,
 * while its vCPUs are still stopped, then posts the drift, sends the
 * interrupt (KVM_SIGNAL_MSI) and restarts them. If it did not stop them in
 * time it moves no counter (that would rewind a guest that already ran on)
 * and only posts the drift. What it cannot do is make the kernel wait:
 * `vmmNotice` says what guarantee the host gives.
 */
const marcUserspaceStrong: Design = {
  name: 'marc-userspace-strong',
  summary: 'userspace at its strongest: the VMM stops vCPUs on logind PrepareForSleep, moves kvmclock and the TSCs back before restarting them, posts the drift and the IRQ',
  requestTiming: 'beforeEntry',
  usesLogind: true,
  // The guest side of v3-fixed: a shared total found at boot is not this
  // kernel's to inject (the VMM cannot know when the guest kernel boots).
  guestBaselinesAtBoot: true,
  irqHandler: (s) => injectDifference(s),
  tscSynchronized: tscWrittenByVmm,
  inFlight: (s) => s.hostSlept > s.sharedSuspendNs,
  vmmFair: ['vmmResume'],
  fairness(c) {
    if (c.p.vmmNotice === VmmNotice.none) return [];
    return [
      weakFairness('vmmStop', ['vmmStop'], { doc: 'a VMM that got PrepareForSleep stops its vCPUs' }),
      weakFairness('logind', ['pmSuspendPrepare'], { doc: 'logind goes on with a suspend it announced: when the VMM releases its delay lock, or when the delay ends' }),
    ];
  },
  vmm: (c) => {
    const out: ActionFamily<KvmState>[] = [
      {
        name: 'vmmResume',
        doc: 'the VMM, thawed: if it had stopped its vCPUs, KVM_SET_CLOCK and KVM_VCPU_TSC_OFFSET move kvmclock and each TSC back by what passed; it writes the drift, sends the IRQ (KVM_SIGNAL_MSI) and restarts its vCPUs',
        enabled: (s) =>
          (s.hostPhase === HostPhase.thawed || s.hostPhase === HostPhase.running) && (s.vmmPaused || s.hostSlept > s.sharedSuspendNs),
        step: (s) => {
          if (s.vmmPaused) {
            // What passed while its vCPUs were stopped: offs_boot by what the
            // host measured (BOOTTIME - MONOTONIC), the TSC by what it counted
            // (rdtsc against CLOCK_MONOTONIC_RAW); each moved back on its own.
            const d = s.hostSlept - s.vmmSleptAtStop;
            const dTsc = s.hostTscSlept - s.vcpu[0]!.tscSleptSeen;
            if (d > 0 || dTsc > 0) {
              s.kvmclockAdj += d;
              for (const v of s.vcpu) {
                v.tscAdj += dTsc;
                v.tscSleptSeen = s.hostTscSlept;
              }
              // KVM_SET_CLOCK updates the masterclock and every page.
              masterclockUpdate(s, c);
            }
          }
          if (s.hostSlept > s.sharedSuspendNs) {
            s.sharedSuspendNs = s.hostSlept;
            deliverCallbackIrq(s, 0);
          }
          s.vmmPaused = false;
        },
      },
    ];
    if (c.p.vmmNotice !== VmmNotice.none) {
      out.push(
        {
          name: 'logindPrepareForSleep',
          doc: 'systemd-logind is asked to suspend: it sends PrepareForSleep(true) and waits for delay inhibitors (at most InhibitDelayMaxSec, 5 s by default)',
          enabled: (s) => s.hostPhase === HostPhase.running && s.suspendsStarted < c.p.suspends,
          step: (s) => void (s.hostPhase = HostPhase.requested),
        },
        {
          name: 'vmmStop',
          doc: 'the VMM, told of the suspend, stops its vCPU threads (they leave KVM_RUN) and notes offs_boot and the TSC',
          enabled: (s) => !s.vmmPaused && (s.hostPhase === HostPhase.requested || s.hostPhase === HostPhase.prepared),
          step: (s) => {
            s.vmmPaused = true;
            s.vmmSleptAtStop = s.hostSlept;
            for (const v of s.vcpu) {
              v.tscSleptSeen = s.hostTscSlept;
              if (v.pc === VcpuPc.guest) v.pc = VcpuPc.run;
            }
          },
        },
      );
    }
    return out;
  },
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

/**
 * The fix as first proposed: the vCPU checks "suspend in progress" and
 * re-requests under kvm->lock, the lock the notifiers hold. It closes the
 * race, but takes kvm->lock inside vcpu->mutex, against the documented order.
 */
const fixUnderKvmLock: Design = {
  ...v3Fixed,
  name: 'mutant-fix-under-kvm-lock',
  summary: 'v3-fixed whose vCPU checks the in-progress flag and re-requests under kvm->lock, inside vcpu->mutex',
  reRequestUnderKvmLock: true,
  suspendTimeAdj(s, i, c) {
    fixedSuspendTimeAdj(s, i, c);
    return 'retry';
  },
  retry(s, i, c) {
    lockEdge(s, LockClass.vcpuMutex, LockClass.kvmLock);
    if (s.kvmSuspendInProgress) s.vcpu[i]!.reqSuspendTimeAdj = true;
    finishPass(fixUnderKvmLock, s, c, i);
  },
};

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
    suspendTimeAdj: (s, i, c) => v3SuspendTimeAdj(s, i, c, false),
    retry: undefined,
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
      deliverCallbackIrq(s, i);
      return 'done';
    },
    applyDeferred(s, i, c) {
      const v = s.vcpu[i]!;
      const d = v.deferredAdj;
      v.deferredAdj = 0;
      vmWideAdjust(s, totalSuspendTime(s), c);
      tscMoveBackHost(s, c, i, tscAdjustment(d, c));
      masterclockUpdate(s, c);
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
  fixUnderKvmLock,
];

export const designs: readonly Design[] = [
  baseline,
  v1,
  v3,
  v3Fixed,
  marcUserspace,
  marcUserspaceStrong,
  guestSync('strict'),
  guestSync('timeout'),
  ...mutants,
];

export function designByName(name: string): Design | undefined {
  return designs.find((d) => d.name === name);
}

