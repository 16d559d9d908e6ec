// The x86 designs under review, the fix this project proposes, and
// deliberately broken mutants of v3. A design supplies only the steps that
// differ; model/core/ holds what every architecture shares and
// model/arch/x86.ts what x86 adds. Each hook names the kernel function (or
// patch function) it stands for.

import { finishPass, LockClass, lockEdge, masterclockUpdate, requestClockUpdateAll, tscMoveBackHost, type X86Ctx, type X86Design, type X86State } from '../arch/x86.js';
import { guestSyncMechanism, notifyGuest, totalSuspendTime, v3Mechanism, v3SuspendTimeAdj, vcpuAdjust, vmWideAdjust as coreVmWideAdjust, withReRequest, type CounterMoves } from '../core/designs.js';
import { deliverCallbackIrq, injectDifference } from '../core/machine.js';
import { HostPhase, VcpuPc } from '../core/state.js';
import { driftUnposted, postDrift, strongVmm, vmmThawed } from '../core/vmm.js';

// ---- v3 as posted (RFC v3 4/5 and 5/5) --------------------------------------

/** cpu_tsc_khz * (d / 1000000): whole "milliseconds" only. */
function tscAdjustment(d: number, c: X86Ctx): number {
  const g = c.p.tscGranularity;
  return Math.floor(d / g) * g;
}

/** What v3's adjustments move on x86: kvmclock VM-wide, each vCPU's TSC. */
const x86Moves: CounterMoves<X86State, X86Ctx> = {
  vmWide(s, c, delta) {
    s.kvmclockAdj += delta;
    requestClockUpdateAll(s, c);
  },
  perVcpu(s, c, i, d) {
    tscMoveBackHost(s, c, i, tscAdjustment(d, c));
    // KVM_REQ_MASTERCLOCK_UPDATE, processed later in the same pass.
    masterclockUpdate(s, c);
  },
};

/** kvm_do_suspend_time_adjustment on x86. */
function vmWideAdjust(s: X86State, total: number, c: X86Ctx): void {
  coreVmWideAdjust(x86Moves, s, total, c);
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
function migrateAsPosted(s: X86State, c: X86Ctx): void {
  s.kvmBase = s.hostSlept;
  s.kvmSuspendNs = 0;
  s.kvmSuspendInProgress = false;
  if (s.msrEnabled) s.sharedSuspendNs = 0;
  for (const v of s.vcpu) {
    v.suspendNs = 0;
    v.tscSleptSeen = s.hostTscSlept;
    v.reqSuspendTimeAdj = false;
    v.deferredAdj = 0;
  }
}

const v3: X86Design = withReRequest(
  {
    name: 'v3',
    summary: 'RFC v3: PM notifier requests KVM_REQ_SUSPEND_TIME_ADJ; each vCPU adjusts kvmclock and its TSC before entry; IRQ tells the guest',
    ...v3Mechanism(x86Moves),
    usesMsr: true,
    migrate: migrateAsPosted,
  },
  finishPass,
);

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
function fixedSuspendTimeAdj(s: X86State, i: number, c: X86Ctx): 'retry' | 'done' {
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
function tscWrittenByVmm(s: X86State, how: 'reset' | 'matched'): void {
  const seen = how === 'reset' ? s.hostTscSlept : s.vcpu[0]!.tscSleptSeen;
  for (const v of s.vcpu) v.tscSleptSeen = seen;
}

const v3Fixed: X86Design = {
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
    // per vCPU; every vCPU re-checks on entry, once the guest has enabled
    // the MSR (as the notifier asks only then: before it, nothing is to be
    // compensated, and an adjustment would move kvmclock under vCPUs that
    // run freely).
    s.kvmSuspendInProgress = false;
    if (s.msrEnabled) for (const v of s.vcpu) v.reqSuspendTimeAdj = true;
  },
};
withReRequest(v3Fixed, finishPass);

// ---- the other designs ------------------------------------------------------

const baseline: X86Design = {
  name: 'baseline',
  summary: 'upstream KVM: nothing is done; the counters keep running through the host suspend',
  requestTiming: 'beforeEntry',
};

const v1: X86Design = {
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

const marcUserspace: X86Design = {
  name: 'marc-userspace',
  summary: "Marc's proposal as first put: KVM adjusts no counter; the VMM stops vCPUs, writes the drift to shared memory on resume and injects the IRQ",
  requestTiming: 'beforeEntry',
  irqHandler: (s) => injectDifference(s),
  inFlight: driftUnposted,
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
      enabled: (s) => vmmThawed(s) && (s.vmmPaused || driftUnposted(s)),
      step: (s) => {
        postDrift(s);
        s.vmmPaused = false;
      },
    },
  ],
};

/**
 * The userspace proposal at its strongest (model/core/vmm.ts) on x86: the
 * VMM notes how far the TSC has counted asleep when it stops its vCPUs; after
 * resume it moves kvmclock back (KVM_SET_CLOCK) and every TSC
 * (KVM_VCPU_TSC_OFFSET, v5.16) by what passed, and sends the interrupt with
 * KVM_SIGNAL_MSI.
 */
const marcUserspaceStrong: X86Design = {
  name: 'marc-userspace-strong',
  summary: 'userspace at its strongest: the VMM stops vCPUs on logind PrepareForSleep, moves kvmclock and the TSCs back before restarting them, posts the drift and the IRQ',
  requestTiming: 'beforeEntry',
  // The guest side of v3-fixed: a shared total found at boot is not this
  // kernel's to inject (the VMM cannot know when the guest kernel boots).
  guestBaselinesAtBoot: true,
  tscSynchronized: tscWrittenByVmm,
  ...strongVmm<X86State, X86Ctx>({
    resumeDoc:
      'the VMM, thawed: if it had stopped its vCPUs, KVM_SET_CLOCK and KVM_VCPU_TSC_OFFSET move kvmclock and each TSC back by what passed; it writes the drift, sends the IRQ (KVM_SIGNAL_MSI) and restarts its vCPUs',
    stopDoc: 'the VMM, told of the suspend, stops its vCPU threads (they leave KVM_RUN) and notes offs_boot and the TSC',
    moveCounters(s, c) {
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
    },
    noteAtStop(s, i) {
      s.vcpu[i]!.tscSleptSeen = s.hostTscSlept;
    },
  }),
};

function guestSync(flavour: 'strict' | 'timeout'): X86Design {
  return {
    name: `guest-sync-${flavour}`,
    summary:
      flavour === 'strict'
        ? "Marc's 'as on bare metal': the host suspend waits until the guest has suspended itself"
        : "Marc's 'as on bare metal', but the host stops waiting for the guest after a timeout",
    ...guestSyncMechanism<X86State>(flavour),
  };
}

// ---- known-bad mutants of v3 -------------------------------------------------

/**
 * The fix as first proposed: the vCPU checks "suspend in progress" and
 * re-requests under kvm->lock, the lock the notifiers hold. It closes the
 * race, but takes kvm->lock inside vcpu->mutex, against the documented order.
 */
const fixUnderKvmLock: X86Design = {
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

const mutants: X86Design[] = [
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
    suspendTimeAdj: (s, i, c) => v3SuspendTimeAdj(x86Moves, s, i, c, false),
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
      vcpuAdjust(x86Moves, s, i, d, c);
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

export const x86Designs: readonly X86Design[] = [
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
