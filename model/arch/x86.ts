// x86: kvmclock and its pvclock pages, the per-vCPU TSC offsets, the
// masterclock and the pvclock clamp, with the premises a verdict rests on
// that are the x86 host's and guest's (the host TSC in S3, TSC scaling, an
// unstable TSC, the guest on the TSC, the guest's lifecycle, migration, a
// VMM's VM ioctl). The host suspend sequence, the vCPU run loop and the
// guest's timekeeping are shared (model/core/); this module is what x86
// plugs into them. docs/model.md explains every abstraction and cites the
// kernel function behind each action.

import { array, bool, defineLayout, int, strongFairness, type ActionFamily, type StateView } from '../../checker/index.js';
import type { Arch } from '../core/arch.js';
import type { Design } from '../core/design.js';
import { coreInit, finishPass as coreFinishPass } from '../core/machine.js';
import { coreParams } from '../core/premises.js';
import { coreFields, GuestPm, guestRunning, HostPhase, ReadPath, tasksFrozen, VcpuPc, type Ctx } from '../core/state.js';

// ---- premises -----------------------------------------------------------------

/** How the host TSC behaves while the machine sleeps (hostTsc). */
export const HostTsc = {
  /** It keeps counting (s2idle, or X86_FEATURE_NONSTOP_TSC_S3). */
  counts: 0,
  /** It stops in S3 and goes on from where it was. */
  stops: 1,
  /** It resets to zero in S3; kvm_arch_hardware_enable keeps guest TSCs continuous and ends the masterclock. */
  resets: 2,
} as const;

/** Lock classes as lockdep sees them (every vcpu->mutex is one class). */
export const LockClass = {
  /** kvm->lock (a mutex). */
  kvmLock: 0,
  /** vcpu->mutex, held by the vCPU thread across KVM_RUN. */
  vcpuMutex: 1,
  /** The global kvm_lock (a mutex protecting vm_list). */
  kvmGlobalLock: 2,
  /** timekeeper_lock (a raw spinlock, interrupts off). */
  timekeeperLock: 3,
  count: 4,
} as const;

export const lockClassNames = ['kvm->lock', 'vcpu->mutex', 'kvm_lock', 'timekeeper_lock'];

/** Documentation/virt/kvm/locking.rst (v5.15): "kvm->lock is taken outside vcpu->mutex". */
export const documentedLockOrder: readonly (readonly [number, number])[] = [[LockClass.kvmLock, LockClass.vcpuMutex]];

// The premises a verdict rests on, as parameters: the model's sizes, and
// each way the real kernel and hardware can differ from the idealised one
// (docs/model.md says where each comes from in the code; docs/findings.md
// which verdicts each one flips). The defaults are the premises of the
// review thread: a host TSC that counts through the sleep, a sleep measured
// exactly, a guest on kvmclock that boots with the VM and stays.
export const x86Params = {
  vcpus: { ...coreParams.vcpus, doc: 'number of vCPUs (vCPU 0 holds the page the vDSO reads)' },
  suspends: coreParams.suspends,
  maxAwake: coreParams.maxAwake,
  maxSleep: coreParams.maxSleep,
  jumpTolerance: coreParams.jumpTolerance,
  tscGranularity: { default: 1, min: 1, max: 4, doc: 'TSC adjustment unit in ticks (kvmclock moves by 1); >1 shows the ms truncation' },
  canFail: coreParams.canFail,
  vdso: { ...coreParams.vdso, doc: '1: observers also read through the vDSO (vCPU 0 page)' },
  // ---- premises: clock hardware ----
  hostTsc: { default: 0, min: 0, max: 2, doc: 'the host TSC in S3: 0 keeps counting (s2idle, NONSTOP_TSC_S3), 1 stops, 2 resets (KVM keeps guest TSCs continuous, the masterclock ends)' },
  sleepError: { default: 0, min: 0, max: 2, doc: 'ticks by which the host may mismeasure a sleep (the RTC counts whole seconds): offs_boot grows by D +- this' },
  guestClock: { default: 0, min: 0, max: 1, doc: "the guest's clocksource: 0 kvmclock, 1 the TSC (v5.15 guests prefer it with invariant TSC: kvm_clock.rating = 299)" },
  unstableTsc: { default: 0, min: 0, max: 1, doc: '1: the host TSC is unstable: no masterclock, kvm_guest_time_update catches the guest TSC up with boot time' },
  tscScaling: { default: 0, min: 0, max: 1, doc: '1: the guest TSC runs at another frequency than the host (a non-integer scaling ratio)' },
  // ---- premises: guest lifecycle ----
  lateEnable: { default: 0, min: 0, max: 1, doc: '1: the guest kernel boots (and writes MSR_KVM_HOST_SUSPEND_TIME) after VM creation; host suspends may come first' },
  reboot: { default: 0, min: 0, max: 1, doc: '1: the guest may reboot once, through a VMM reset (every TSC rewritten and matched) or a kexec; the MSR stays enabled' },
  asyncPf: { default: 0, min: 0, max: 1, doc: '1: async page fault "page ready" interrupts share HYPERVISOR_CALLBACK_VECTOR' },
  migrate: { default: 0, min: 0, max: 1, doc: '1: the VM may be live-migrated once, each TSC restored as it was or matched to the first by kvm_synchronize_tsc' },
  // ---- premises: locks and userspace ----
  vmIoctl: { default: 0, min: 0, max: 1, doc: '1: a VMM thread issues a VM ioctl that takes kvm->lock, then every vcpu->mutex (locks can block)' },
  vmmNotice: coreParams.vmmNotice,
} as const;

export type X86ParamName = keyof typeof x86Params;
export type X86Params = Readonly<Record<X86ParamName, number>>;

// ---- designs' x86 hooks ---------------------------------------------------------

/** A design on x86: the shared hooks, and those only x86's designs have. */
export interface X86Design extends Design<X86State, X86Ctx> {
  /** The host side acts only once the guest has enabled MSR_KVM_HOST_SUSPEND_TIME (virt_suspend_time_enabled). */
  readonly usesMsr?: boolean;
  /** kvm->base_offs_boot_ns is taken when the guest enables the MSR, not at VM creation. */
  readonly baseAtEnable?: boolean;
  /** At boot the guest takes the shared value as already injected (suspends before its boot are not its own). */
  readonly guestBaselinesAtBoot?: boolean;
  /** The PM notifiers run (and keep their own state) even before the guest enables the MSR. */
  readonly notifiersAlways?: boolean;
  /** Runs inside timekeeping_resume, before tasks are thawed (v1's host side). */
  timekeepingResume?(s: X86State, c: X86Ctx): void;
  /** The re-request takes kvm->lock (inside vcpu->mutex). */
  readonly reRequestUnderKvmLock?: boolean;
  /** mutant-irq-before-adjust: the counter adjustment left for the next pass. */
  applyDeferred?(s: X86State, i: number, c: X86Ctx): void;
  /** mutant-vm-adjust-per-vcpu: kvmclock_offset may move once per vCPU. */
  readonly kvmclockAdjustPerVcpu?: boolean;
  /**
   * What of KVM's suspend-time state survives a live migration. Called with
   * the vCPUs stopped; KVM_SET_CLOCK's masterclock update follows it.
   */
  migrate?(s: X86State, c: X86Ctx): void;
  /**
   * The VMM wrote every TSC and kvm_synchronize_tsc matched them: 'reset',
   * a system reset (every TSC restarts from 0), or 'matched', a migration's
   * restore (every TSC offset becomes vCPU 0's).
   */
  tscSynchronized?(s: X86State, how: 'reset' | 'matched'): void;
}

// ---- state ------------------------------------------------------------------------

/** X86Bounds derived from the parameters and the design, sized so no legal step overflows a field. */
export interface X86Bounds {
  /** Most the host's offs_boot can grow (measured sleeps). */
  readonly maxTotal: number;
  /** Most the host TSC can count while asleep. */
  readonly maxTscSlept: number;
  readonly kvmclockAdjMax: number;
  readonly tscAdjMin: number;
  readonly tscAdjMax: number;
  readonly monoAdjMin: number;
  readonly monoAdjMax: number;
  readonly offsBootMax: number;
  readonly monoMin: number;
  readonly monoMax: number;
  readonly pageMin: number;
  readonly pageMax: number;
}

export function x86Bounds(p: X86Params, d: X86Design): X86Bounds {
  const maxTotal = p.suspends * (p.maxSleep + p.sleepError);
  const maxTscSlept = p.hostTsc === HostTsc.counts ? p.suspends * p.maxSleep : 0;
  const kvmclockAdjMax = maxTotal * (d.kvmclockAdjustPerVcpu ? p.vcpus : 1) + (d.vmm ? maxTotal : 0);
  // The TSC moves back by at most what was measured or counted, forward
  // when TSC scaling garbles the sign or an unstable TSC catches up.
  const tscAdjMax = maxTotal + maxTscSlept;
  const tscAdjMin = -(maxTotal + maxTotal);
  const guestBoots = (p.lateEnable ? 1 : 0) + p.reboot;
  const kvmclockMax = p.maxAwake + maxTotal + maxTscSlept + tscAdjMax + kvmclockAdjMax + maxTotal;
  const monoAdjMax = (d.guestSync ? maxTotal + p.maxAwake : 0) + (guestBoots ? kvmclockMax : 0);
  const monoAdjMin = guestBoots ? -(kvmclockAdjMax + tscAdjMax + maxTotal) : 0;
  const offsBootMax = maxTotal * Math.max(1, p.suspends) + (d.guestSync ? p.maxAwake : 0);
  const monoMin = -(kvmclockAdjMax + tscAdjMax + monoAdjMax + maxTotal);
  const monoMax = p.maxAwake + maxTotal + maxTscSlept + tscAdjMax - Math.min(0, tscAdjMin) + kvmclockAdjMax - monoAdjMin;
  const pageMin = -(kvmclockAdjMax + maxTscSlept) + tscAdjMin - maxTotal;
  const pageMax = maxTotal + tscAdjMax;
  return { maxTotal, maxTscSlept, kvmclockAdjMax, tscAdjMin, tscAdjMax, monoAdjMin, monoAdjMax, offsBootMax, monoMin, monoMax, pageMin, pageMax };
}

export function x86Layout(p: X86Params, b: X86Bounds) {
  const f = coreFields(p, b);
  return defineLayout({
    // Host clocks (shared), and the TSC = hostAwake + hostTscSlept (what the
    // counter counted while the machine slept: hostTsc premise).
    ...f.host,
    hostTscSlept: int(0, b.maxTscSlept),
    // KVM lost its masterclock for good (the host TSC went backwards, or it is
    // unstable): no PVCLOCK_TSC_STABLE_BIT, so the vDSO falls back to the
    // kernel, whose pvclock read clamps to the last value any CPU returned.
    masterclockLost: bool(),
    // pvclock's global last_value, for that clamp.
    pvLast: int(Math.min(0, b.monoMin), b.monoMax),
    // The masterclock's snapshot {master_kernel_ns, master_cycle_now}
    // reduced to one number: how far boot time had run ahead of the TSC
    // when it was taken (hostSlept - hostTscSlept then). Pages are written
    // from it until the next KVM_REQ_MASTERCLOCK_UPDATE.
    masterSkew: int(-b.maxTscSlept, b.maxTotal),
    suspendsStarted: f.suspendsStarted,
    ...f.vmSuspendTime,
    // kvmclock_offset (as the amount subtracted), MSR_KVM_HOST_SUSPEND_TIME enabled.
    kvmclockAdj: int(0, b.kvmclockAdjMax),
    msrEnabled: bool(),
    // v3-fixed: a suspend is between PM_SUSPEND_PREPARE and PM_POST_SUSPEND.
    kvmSuspendInProgress: bool(),
    sharedSuspendNs: f.sharedSuspendNs,
    vcpu: array(p.vcpus, {
      pc: f.vcpu.pc,
      reqSuspendTimeAdj: f.vcpu.reqSuspendTimeAdj,
      reqClockUpdate: bool(),
      suspendNs: f.vcpu.suspendNs,
      // v3-fixed: what the TSC counted asleep when it last adjusted.
      tscSleptSeen: int(0, b.maxTscSlept),
      // TSC offset, as the amount subtracted from the host TSC.
      tscAdj: int(b.tscAdjMin, b.tscAdjMax),
      // This vCPU's pvclock page {system_time, tsc_timestamp} reduced to one
      // number: system_time - tsc_timestamp when last written (docs/model.md,
      // "pvclock pages").
      pageBase: int(b.pageMin, b.pageMax),
      // PVCLOCK_TSC_STABLE_BIT in that page: kvm_guest_time_update sets it
      // when it writes the page while the VM uses the masterclock. It belongs
      // to the page, not to the VM: a page written before the masterclock
      // was lost keeps it until its own vCPU rewrites it.
      pageStable: bool(),
      // HYPERVISOR_CALLBACK_VECTOR pending in this vCPU's local APIC.
      irqPending: f.vcpu.irqPending,
      // mutant-irq-before-adjust: a counter adjustment still to apply.
      deferredAdj: int(0, b.maxTotal),
      inRun: f.vcpu.inRun,
    }),
    ...f.guest,
    guestBooted: f.guestBooted,
    // How many boots (lateEnable, reboot) and migrations are left.
    bootsLeft: int(0, 2),
    migrationsLeft: int(0, 1),
    hostSleptAtBoot: f.hostSleptAtBoot,
    hostAwakeAtBoot: f.hostAwakeAtBoot,
    guestAsleepTicks: f.guestAsleepTicks,
    ...f.vmm,
    // vmIoctl: the VMM thread's VM ioctl: 0 idle, 1 holds kvm->lock, 1 + k
    // also holds vcpu->mutex of vCPUs 0..k-1, n + 2 done.
    vmIoctl: int(0, p.vcpus + 2),
    // Ghosts for lockdep: lock classes acquired while holding another
    // (LockClass x LockClass bits), a sleeping lock taken in atomic context,
    // a WARN_ON hit.
    lockEdges: int(0, (1 << (LockClass.count * LockClass.count)) - 1),
    sleptInAtomic: bool(),
    warned: bool(),
    ...f.observers,
  });
}

export type X86Layout = ReturnType<typeof x86Layout>;
export type X86State = StateView<X86Layout['spec']>;
export type X86Ctx = Ctx<X86Params, X86Bounds>;

/**
 * The VM just created, at host boot: every clock 0, vCPUs at the top of their
 * run loops, the guest kernel up and the MSR enabled unless the lifecycle
 * premises say otherwise. Signed fields start at their minimum, so set them.
 */
export function x86Init(c: X86Ctx, d: X86Design) {
  return (s: X86State): void => {
    coreInit(s);
    for (const v of s.vcpu) {
      v.pageBase = 0;
      v.tscAdj = 0;
      v.pageStable = c.p.unstableTsc !== 1;
    }
    s.pvLast = 0;
    s.masterSkew = 0;
    s.guestBooted = !c.p.lateEnable;
    s.msrEnabled = !c.p.lateEnable && d.usesMsr === true;
    s.bootsLeft = (c.p.lateEnable ? 1 : 0) + c.p.reboot;
    s.migrationsLeft = c.p.migrate;
    s.masterclockLost = c.p.unstableTsc === 1;
  };
}

// ---- derived clock values ---------------------------------------------------

/** vCPU i's TSC: the host TSC minus what KVM subtracted from its offset. */
export function guestTsc(s: X86State, i: number): number {
  return s.hostAwake + s.hostTscSlept - s.vcpu[i]!.tscAdj;
}

/**
 * pvclock_clocksource_read on vCPU `reader` using vCPU `page`'s page:
 * system_time + (tsc - tsc_timestamp) = pageBase + the reader's TSC (1 tick
 * = 1 ns = 1 cycle).
 */
export function kvmclockRead(s: X86State, reader: number, page: number): number {
  return s.vcpu[page]!.pageBase + guestTsc(s, reader);
}

/**
 * The vDSO reads kvmclock itself only while vCPU 0's page has
 * PVCLOCK_TSC_STABLE_BIT (vread_pvclock tests it at every read); otherwise
 * it falls back to the syscall, a kernel read on the reader's own page.
 */
export function vdsoReadsPage0(s: X86State, path: number): boolean {
  return path === ReadPath.vdso && s.vcpu[0]!.pageStable;
}

/**
 * The guest clocksource on `reader`: kvmclock through its own page (kernel)
 * or vCPU 0's (vDSO), or the TSC itself (guestClock=tsc).
 */
export function clocksourceRead(s: X86State, c: X86Ctx, reader: number, path: number): number {
  if (c.p.guestClock === 1) return guestTsc(s, reader);
  return kvmclockRead(s, reader, vdsoReadsPage0(s, path) ? 0 : reader);
}

/**
 * The guest clocksource read as the guest's own code reads it, with the
 * pvclock clamp: when the reader's own page lacks PVCLOCK_TSC_STABLE_BIT,
 * pvclock_clocksource_read never returns less than the last value any CPU
 * read (last_value), and records what it returns. Every kernel read goes
 * through it (timekeeping, suspend and resume, and the vDSO's fallback to
 * the syscall); the vDSO's own read of vCPU 0's page does not.
 */
export function guestClockRead(s: X86State, c: X86Ctx, reader: number, path: number): number {
  const raw = clocksourceRead(s, c, reader, path);
  if (c.p.guestClock === 0 && !vdsoReadsPage0(s, path) && !s.vcpu[reader]!.pageStable) {
    const v = Math.max(raw, s.pvLast);
    s.pvLast = v;
    return v;
  }
  return raw;
}

/**
 * kvm_guest_time_update: rewrite vCPU i's pvclock page. With the masterclock
 * it is written from the masterclock's snapshot (master_kernel_ns,
 * master_cycle_now); without it, from the host clock and TSC now.
 */
export function refreshPage(s: X86State, c: X86Ctx, i: number): void {
  const v = s.vcpu[i]!;
  if (c.p.unstableTsc) {
    // tsc_catchup: the TSC is pushed up to what boot time predicts since it
    // was last written (compute_guest_tsc), suspend included.
    const caught = s.hostTscSlept - s.hostSlept;
    if (v.tscAdj > caught) v.tscAdj = caught;
  }
  const skew = s.masterclockLost ? s.hostSlept - s.hostTscSlept : s.masterSkew;
  v.pageBase = skew - s.kvmclockAdj + v.tscAdj;
  v.pageStable = !s.masterclockLost;
}

/** kvm_make_all_cpus_request(kvm, KVM_REQ_CLOCK_UPDATE). */
export function requestClockUpdateAll(s: X86State, c: X86Ctx): void {
  for (let j = 0; j < c.n; j++) s.vcpu[j]!.reqClockUpdate = true;
}

/**
 * KVM_REQ_MASTERCLOCK_UPDATE -> kvm_gen_update_masterclock: a new snapshot
 * (pvclock_update_vm_gtod_copy), then KVM_REQ_CLOCK_UPDATE on every vCPU.
 */
export function masterclockUpdate(s: X86State, c: X86Ctx): void {
  if (!s.masterclockLost) s.masterSkew = s.hostSlept - s.hostTscSlept;
  requestClockUpdateAll(s, c);
}

/**
 * adjust_tsc_offset_host(vcpu, -amount): with a TSC scaling ratio the
 * negative adjustment trips WARN_ON(adjustment < 0) and is scaled as a huge
 * unsigned number; the model moves the TSC forward instead of back (a wrong
 * move of the least size that shows; the real one is of the order of
 * 2^64 * frac(ratio) cycles: docs/model.md, "TSC scaling").
 */
export function tscMoveBackHost(s: X86State, c: X86Ctx, i: number, amount: number): void {
  if (amount === 0) return;
  if (c.p.tscScaling) {
    s.warned = true;
    s.vcpu[i]!.tscAdj -= amount;
  } else s.vcpu[i]!.tscAdj += amount;
}

/** Record that a lock of class `taken` was acquired while one of class `held` was held (lockdep). */
export function lockEdge(s: X86State, held: number, taken: number): void {
  s.lockEdges |= 1 << (held * LockClass.count + taken);
}

/** kvm->lock is free (the VMM's VM ioctl does not hold it). */
export function kvmLockFree(s: X86State, c: X86Ctx): boolean {
  return s.vmIoctl === 0 || s.vmIoctl === c.n + 2;
}

/** The rest of a pass of vcpu_enter_guest (KVM_REQ_CLOCK_UPDATE, then the entry check), for x86's designs. */
export function finishPass(d: X86Design, s: X86State, c: X86Ctx, i: number): void {
  coreFinishPass(x86, d, s, c, i);
}

/** The guest kernel boots (again): its timekeeping starts from zero, it registers the MSR (kvmclock_init). */
function bootGuest(d: X86Design, s: X86State, c: X86Ctx): void {
  s.guestBooted = true;
  s.bootsLeft--;
  // pvclock's last_value is a static of the new kernel.
  if (s.masterclockLost) s.pvLast = 0;
  if (d.baseAtEnable && d.usesMsr && !s.msrEnabled) {
    // v3-fixed: enabling MSR_KVM_HOST_SUSPEND_TIME also asks for
    // KVM_REQ_MASTERCLOCK_UPDATE, processed when the wrmsr exit re-enters,
    // before timekeeping_init reads kvmclock: a snapshot left stale by a TSC
    // that did not count a sleep before the guest booted is refreshed now,
    // not at the first adjustment after the boot (where it would release
    // that sleep into MONOTONIC as a jump).
    masterclockUpdate(s, c);
    refreshPage(s, c, 0);
    s.vcpu[0]!.reqClockUpdate = false;
  }
  // The new kernel runs on vCPU 0 only; it starts the others (INIT, SIPI)
  // after timekeeping_init, so each enters anew, with its requests
  // processed first: none is in guest mode with the old kernel's state.
  for (let i = 1; i < c.n; i++) if (s.vcpu[i]!.pc === VcpuPc.guest) s.vcpu[i]!.pc = VcpuPc.run;
  // timekeeping_init: MONOTONIC starts at 0 from the clocksource's reading now.
  s.guestMonoAdj = guestClockRead(s, c, 0, ReadPath.kernel);
  s.guestOffsBoot = 0;
  // tk->kvm_suspend_time starts at 0 (a static, never set).
  s.guestInjected = 0;
  s.hostSleptAtBoot = s.hostSlept;
  s.hostAwakeAtBoot = s.hostAwake;
  s.guestAsleepTicks = 0;
  s.lastMono = 0;
  s.lastBoot = 0;
  s.lastAwake = s.hostAwake;
  if (d.usesMsr) {
    // wrmsrl(MSR_KVM_HOST_SUSPEND_TIME, pa | KVM_MSR_ENABLED) ->
    // kvm_init_suspend_time_ghc writes kvm->suspend_time_ns at once.
    if (!s.msrEnabled && d.baseAtEnable) {
      // Suspends before the guest asked are not its to compensate: the total
      // and every vCPU's record (time and TSC) start from here; a suspend
      // already under way is still compensated.
      s.kvmBase = s.hostSlept - s.kvmSuspendNs;
      for (const v of s.vcpu) {
        v.suspendNs = s.kvmSuspendNs;
        v.tscSleptSeen = s.hostTscSlept;
        if (s.kvmSuspendInProgress) v.reqSuspendTimeAdj = true;
      }
    }
    s.msrEnabled = true;
    s.sharedSuspendNs = s.kvmSuspendNs;
  }
  // A guest that baselines what it finds (v3-fixed's guest) injects only later growth.
  if (d.guestBaselinesAtBoot) s.guestInjected = s.sharedSuspendNs;
}

/** The VMM pauses its vCPU threads (a system reset, a migration's last pass): none stays in guest mode; each enters anew. */
function stopVcpus(s: X86State): void {
  for (const v of s.vcpu) if (v.pc === VcpuPc.guest) v.pc = VcpuPc.run;
}

/** The VMM wrote MSR_IA32_TSC on every vCPU and kvm_synchronize_tsc matched them: every TSC offset becomes the first's. */
function matchTscs(s: X86State): void {
  const synced = s.vcpu[0]!.tscAdj;
  for (const v of s.vcpu) v.tscAdj = synced;
}

/** A vCPU thread leaves KVM_RUN, releasing vcpu->mutex. */
function leaveRun(s: X86State, i: number): void {
  s.vcpu[i]!.pc = VcpuPc.run;
  s.vcpu[i]!.inRun = false;
}

/** The actors and events that only some premises bring in: guest boots and reboots, migration, the VMM's VM ioctl. */
function premiseActions(d: X86Design, c: X86Ctx): ActionFamily<X86State>[] {
  const { p, n } = c;
  const vcpus = Array.from({ length: n }, (_, i) => i);
  const out: ActionFamily<X86State>[] = [];
  if (p.lateEnable || p.reboot) {
    out.push({
      name: 'guestBoot',
      doc: 'the guest kernel boots on vCPU 0: timekeeping_init, kvmclock_init writes MSR_KVM_HOST_SUSPEND_TIME (kvm_init_suspend_time_ghc copies kvm->suspend_time_ns into the guest struct)',
      enabled: (s) => !s.guestBooted && s.bootsLeft > 0 && s.vcpu[0]!.pc === VcpuPc.guest,
      step: (s) => bootGuest(d, s, c),
    });
  }
  if (p.reboot) {
    const rebootReady = (s: X86State): boolean =>
      s.guestBooted && s.bootsLeft > 0 && s.hostPhase === HostPhase.running && s.guestPm === GuestPm.running && !s.guestSuspendWanted;
    const kernelDown = (s: X86State): void => {
      s.guestBooted = false;
      for (const v of s.vcpu) v.irqPending = false;
    };
    out.push(
      {
        name: 'guestReboot',
        doc: "the guest reboots through the VMM (QEMU's system reset, vCPUs paused): INIT clears every local APIC; MSR_IA32_TSC is written on every vCPU (kvm_put_msrs at KVM_PUT_RESET_STATE) and kvm_synchronize_tsc matches them, so every TSC offset becomes the first's; MSR_KVM_HOST_SUSPEND_TIME stays enabled (kvm->arch, not reset)",
        enabled: (s) => rebootReady(s) && s.vcpu.every((v) => v.pc !== VcpuPc.retry),
        step: (s) => {
          kernelDown(s);
          stopVcpus(s);
          matchTscs(s);
          d.tscSynchronized?.(s, 'reset');
          // kvm_synchronize_tsc -> kvm_track_tsc_matching: a masterclock update.
          masterclockUpdate(s, c);
        },
      },
      {
        name: 'guestKexec',
        doc: 'the guest kexecs into a new kernel: no reset, so TSCs are untouched; INIT on the other vCPUs clears their local APICs; MSR_KVM_HOST_SUSPEND_TIME stays enabled',
        enabled: rebootReady,
        step: kernelDown,
      },
    );
  }
  if (p.migrate) {
    const migrationReady = (s: X86State): boolean =>
      s.migrationsLeft > 0 && s.hostPhase === HostPhase.running && s.vcpu.every((v) => v.pc !== VcpuPc.retry);
    const migrateVm = (s: X86State, tscsMatched: boolean): void => {
      s.migrationsLeft--;
      stopVcpus(s);
      if (tscsMatched) {
        matchTscs(s);
        d.tscSynchronized?.(s, 'matched');
      }
      d.migrate?.(s, c);
      // KVM_SET_CLOCK on the destination redoes the masterclock snapshot
      // (kvm_gen_update_masterclock in v5.15; from v5.16
      // kvm_vm_ioctl_set_clock: kvm_start_pvclock_update,
      // pvclock_update_vm_gtod_copy, kvm_end_pvclock_update).
      masterclockUpdate(s, c);
    };
    out.push(
      {
        name: 'migrate',
        doc: 'live migration with each TSC restored as it was (KVM_VCPU_TSC_OFFSET, v5.16, or MSR_IA32_TSC values too far apart for kvm_synchronize_tsc to match): kvmclock (KVM_GET/SET_CLOCK) and MSRs travel; the destination KVM starts its own suspend_time_ns and base_offs_boot_ns, request bits stay behind',
        enabled: migrationReady,
        step: (s) => migrateVm(s, false),
      },
      {
        name: 'migrateTscSynced',
        doc: "live migration whose VMM restores MSR_IA32_TSC (v5.15 QEMU) with values within a second of each other: the destination's kvm_synchronize_tsc matches them, so every TSC offset becomes the first's; the rest as migrate",
        enabled: migrationReady,
        step: (s) => migrateVm(s, true),
      },
    );
  }
  if (p.vmIoctl) {
    out.push(
      {
        name: 'vmmIoctlLockVm',
        doc: 'a VMM thread issues a VM ioctl that takes kvm->lock and then every vcpu->mutex (sev_lock_vcpus_for_migration, v5.16), as locking.rst orders them',
        enabled: (s) => s.vmIoctl === 0 && s.hostPhase !== HostPhase.frozen && s.hostPhase !== HostPhase.resumed,
        step: (s) => void (s.vmIoctl = 1),
      },
      {
        name: 'vmmIoctlLockVcpu',
        doc: "mutex_lock(&vcpu->mutex) of the next vCPU: waits until that vCPU's thread is out of KVM_RUN",
        enabled: (s) => s.vmIoctl >= 1 && s.vmIoctl <= n && !s.vcpu[s.vmIoctl - 1]!.inRun,
        step: (s) => {
          lockEdge(s, LockClass.kvmLock, LockClass.vcpuMutex);
          s.vmIoctl++;
        },
      },
      {
        name: 'vmmIoctlDone',
        doc: 'the ioctl body runs and every lock is released',
        enabled: (s) => s.vmIoctl === n + 1,
        step: (s) => void (s.vmIoctl = n + 2),
      },
      {
        name: 'vcpuUserExit',
        over: [vcpus],
        doc: 'KVM_RUN returns to the VMM (an exit it handles in userspace): the thread releases vcpu->mutex',
        enabled: (s, i) => s.vcpu[i]!.pc === VcpuPc.guest && s.vcpu[i]!.inRun,
        step: leaveRun,
      },
      {
        name: 'vcpuKickedOut',
        over: [vcpus],
        doc: "the VMM signals the vCPU thread it waits for (QEMU's pause_all_vcpus): at its next pass through vcpu_run it leaves KVM_RUN (-EINTR), releasing vcpu->mutex",
        enabled: (s, i) => s.vmIoctl === i + 1 && s.vcpu[i]!.inRun && s.vcpu[i]!.pc !== VcpuPc.retry,
        step: leaveRun,
      },
      {
        name: 'vcpuIoctlRun',
        over: [vcpus],
        doc: 'the VMM calls KVM_RUN again: mutex_lock_killable(&vcpu->mutex) in kvm_vcpu_ioctl',
        enabled: (s, i) => !s.vcpu[i]!.inRun && !(s.vmIoctl > i + 1 && s.vmIoctl <= n + 1) && !tasksFrozen(s),
        step: (s, i) => void (s.vcpu[i]!.inRun = true),
      },
    );
  }
  return out;
}


// ---- x86 in the shared machine ------------------------------------------------

export const x86: Arch<X86State, X86Ctx, X86Design> = {
  name: 'x86',
  params: x86Params,
  bounds: x86Bounds,
  layout: x86Layout,
  init: x86Init,
  docs: {
    pmSuspendPrepare: 'pm_notifier_call_chain_robust(PM_SUSPEND_PREPARE) -> kvm_pm_notifier_call (kvm_arch_pm_notifier, and the design notifier), under kvm->lock',
    freezeTasks:
      'suspend_freeze_processes: every vCPU thread is frozen at its next freezable point: kicked out of guest mode, or, in the middle of a vcpu_enter_guest pass, after finishing it',
    hostSleep:
      'timekeeping_suspend, the machine sleeps for D ticks, timekeeping_resume: offs_boot += the sleep as measured (the nonstop TSC, or the RTC to the second: sleepError), the TSC counts D, stops or resets (hostTsc)',
    vcpuRun: 'vcpu_enter_guest: process requests (KVM_REQ_SUSPEND_TIME_ADJ first, then the clock updates), enter unless one is pending',
    vcpuExit: 'VM exit (preemption, halt, a host tick, a kick or the freezer); back to the top of vcpu_run',
    readClock:
      'a guest thread reads CLOCK_MONOTONIC and CLOCK_BOOTTIME (path 0: kernel, own pvclock page; 1: vDSO, vCPU 0 page; or the TSC, guestClock=tsc)',
    guestIrq: 'HYPERVISOR_CALLBACK_VECTOR delivered: sysvec_kvm_hv_callback -> timekeeping_inject_virtual_suspend_time, under timekeeper_lock',
  },
  clockRead: guestClockRead,
  clockPeek: clocksourceRead,
  notifiersActive: (d, s) => !d.usesMsr || s.msrEnabled || d.notifiersAlways === true,
  suspendNotifier(s, c) {
    // kvm_arch_pm_notifier -> kvm_arch_suspend_notifier (upstream since
    // v5.15, every design): kvm_set_guest_paused on each vCPU with
    // kvmclock, which requests KVM_REQ_CLOCK_UPDATE (and marks the page
    // PVCLOCK_GUEST_STOPPED, which only makes the guest touch its watchdogs).
    requestClockUpdateAll(s, c);
  },
  kvmLockFree,
  sleepErrors: (c) => (c.p.sleepError ? Array.from({ length: 2 * c.p.sleepError + 1 }, (_, k) => k - c.p.sleepError) : undefined),
  sleep(s, c, d, dur) {
    if (c.p.hostTsc === HostTsc.counts) s.hostTscSlept += dur;
    // kvm_arch_hardware_enable sees the TSC went backwards: it keeps
    // guest TSCs continuous (tsc_offset_adjustment) and sets
    // backwards_tsc_observed, which ends the masterclock for good.
    // (every time: each resume finds the TSC behind last_host_tsc again, and
    // asks every vCPU for KVM_REQ_MASTERCLOCK_UPDATE, hence a new page).
    if (c.p.hostTsc === HostTsc.resets) {
      s.masterclockLost = true;
      requestClockUpdateAll(s, c);
    }
    d.timekeepingResume?.(s, c);
  },
  beginPass(s, c, d, i) {
    if (s.vcpu[i]!.deferredAdj > 0) d.applyDeferred?.(s, i, c);
  },
  processRequests(s, c, i) {
    const v = s.vcpu[i]!;
    if (v.reqClockUpdate) {
      v.reqClockUpdate = false;
      refreshPage(s, c, i);
    }
  },
  requestPending: (v) => v.reqClockUpdate,
  vcpuWork: (v) => v.deferredAdj > 0,
  retryBlocked: (s, c, d) => d.reRequestUnderKvmLock === true && !kvmLockFree(s, c),
  irqActions(_d, c, handler) {
    if (!c.p.asyncPf) return [];
    return [
      {
        name: 'apfPageReady',
        over: [Array.from({ length: c.n }, (_, i) => i)],
        doc: 'an async page fault "page ready" interrupt on the same vector: sysvec_kvm_hv_callback also runs the suspend-time injection',
        enabled: (s, i) => s.vcpu[i]!.pc === VcpuPc.guest && guestRunning(s) && s.sharedSuspendNs !== s.guestInjected,
        step: (s) => handler(s, c),
      },
    ];
  },
  actions: premiseActions,
  fairness(_d, c) {
    const f = [];
    if (c.p.lateEnable || c.p.reboot) f.push(strongFairness('guestBoot', ['guestBoot'], { doc: 'a guest that is down boots again' }));
    if (c.p.vmIoctl) {
      // A waiter on a mutex released again and again gets it (the mutex hands
      // off to a starving waiter): strong.
      f.push(strongFairness('vmmIoctl', ['vmmIoctlLockVm', 'vmmIoctlLockVcpu', 'vmmIoctlDone'], { doc: 'the VMM thread in its ioctl runs and gets each mutex that keeps being released' }));
      f.push(strongFairness('vmmKick', ['vcpuKickedOut'], { per: 0, doc: 'a signalled vCPU thread leaves KVM_RUN at its next pass' }));
      f.push(strongFairness('vmmRun', ['vcpuIoctlRun'], { per: 0, doc: 'the VMM calls KVM_RUN again' }));
    }
    return f;
  },
  observeVcpu(s, c, i, o) {
    if (c.p.vdso && i !== 0 && c.p.guestClock === 0 && s.vcpu[0]!.pageStable) o[`vdso.mono@${i}`] = clocksourceRead(s, c, i, ReadPath.vdso) - s.guestMonoAdj;
  },
};
