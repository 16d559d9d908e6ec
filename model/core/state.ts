// The state every architecture shares: the host's suspend sequence and
// clocks, the vCPU run loop, the suspend-time bookkeeping of the designs, the
// guest's timekeeping and the observers' last read. An architecture's layout
// (model/arch/*.ts) is built from these field specs, in its own order, plus
// its own counters; the shared code (model/core/*.ts) reads and writes
// states through `CoreState`, which every architecture's state view satisfies.

import { bool, enumOf, int } from '../../checker/index.js';

/** Host suspend sequence (kernel/power/suspend.c: enter_state and the functions it calls). */
export const HostPhase = {
  /** Normal operation. */
  running: 0,
  /** PM_SUSPEND_PREPARE notifiers have run; user tasks not yet frozen. */
  prepared: 1,
  /** User tasks (every VMM thread) are frozen. */
  frozen: 2,
  /** timekeeping_resume has run (or the suspend failed); tasks still frozen. */
  resumed: 3,
  /** Tasks thawed; PM_POST_SUSPEND notifiers not yet run. */
  thawed: 4,
  /** systemd-logind has sent PrepareForSleep(true); the kernel suspend has not begun (vmmNotice >= 1). */
  requested: 5,
} as const;

/** Where a vCPU thread is in its run loop (x86 vcpu_run/vcpu_enter_guest, arm64 kvm_arch_vcpu_ioctl_run). */
export const VcpuPc = {
  /** Top of the run loop (or in userspace): the only place its thread can be frozen. */
  run: 0,
  /** Between the check that decides to re-request KVM_REQ_SUSPEND_TIME_ADJ and the re-request. */
  retry: 1,
  /** In guest mode. */
  guest: 2,
} as const;

export const GuestPm = {
  running: 0,
  /** Guest tasks frozen and its timekeeping suspended (guest-sync only). */
  suspended: 1,
} as const;

export const ReadPath = { kernel: 0, vdso: 1 } as const;

/** One vCPU as the shared code sees it. */
export interface CoreVcpu {
  pc: number;
  reqSuspendTimeAdj: boolean;
  suspendNs: number;
  irqPending: boolean;
  inRun: boolean;
}

/** The fields the shared code reads and writes; every architecture's state view has them. */
export interface CoreState {
  hostPhase: number;
  hostAwake: number;
  hostSlept: number;
  suspendsStarted: number;
  kvmSuspendNs: number;
  kvmBase: number;
  sharedSuspendNs: number;
  readonly vcpu: ReadonlyArray<CoreVcpu>;
  guestOffsBoot: number;
  guestInjected: number;
  guestMonoAdj: number;
  guestPm: number;
  guestSuspendWanted: boolean;
  guestSuspendCs: number;
  guestBooted: boolean;
  hostSleptAtBoot: number;
  hostAwakeAtBoot: number;
  guestAsleepTicks: number;
  vmmPaused: boolean;
  vmmSleptAtStop: number;
  lastMono: number;
  lastBoot: number;
  lastAwake: number;
}

/** The parameters every architecture has (model/core/premises.ts). */
export interface CoreParams {
  readonly vcpus: number;
  readonly suspends: number;
  readonly maxAwake: number;
  readonly maxSleep: number;
  readonly jumpTolerance: number;
  readonly canFail: number;
  readonly vdso: number;
  readonly vmmNotice: number;
}

/** The ranges the shared fields need; an architecture's bounds extend them. */
export interface CoreBounds {
  /** Most the host's offs_boot can grow (measured sleeps). */
  readonly maxTotal: number;
  readonly monoAdjMin: number;
  readonly monoAdjMax: number;
  readonly offsBootMax: number;
  readonly monoMin: number;
  readonly monoMax: number;
}

/** Everything a design's steps may need besides the state. */
export interface Ctx<P extends CoreParams = CoreParams, B extends CoreBounds = CoreBounds> {
  readonly p: P;
  readonly b: B;
  readonly n: number;
}

/**
 * The shared field specs, each defined once. An architecture's layout takes
 * them by name in the order it wants (x86 keeps the order its trace files
 * were written in), interleaved with its own fields.
 */
export function coreFields(p: CoreParams, b: CoreBounds) {
  return {
    // Host clocks: MONOTONIC = hostAwake, offs_boot (and BOOTTIME - MONOTONIC)
    // = hostSlept as the host measured it.
    host: {
      hostPhase: enumOf(HostPhase),
      hostAwake: int(0, p.maxAwake),
      hostSlept: int(0, b.maxTotal),
    },
    suspendsStarted: int(0, p.suspends),
    // struct kvm: suspend_time_ns, base_offs_boot_ns (v3 and its ports).
    vmSuspendTime: {
      kvmSuspendNs: int(0, b.maxTotal),
      kvmBase: int(0, b.maxTotal),
    },
    // The suspend time in guest memory: v3's struct kvm_suspend_time, or the
    // drift the VMM shares in the userspace designs.
    sharedSuspendNs: int(0, b.maxTotal),
    vcpu: {
      pc: enumOf(VcpuPc),
      reqSuspendTimeAdj: bool(),
      // vcpu->suspend_time_ns.
      suspendNs: int(0, b.maxTotal),
      // The design's notification interrupt pending for this vCPU.
      irqPending: bool(),
      // The thread is inside KVM_RUN, holding vcpu->mutex (x86 vmIoctl; otherwise always true).
      inRun: bool(),
    },
    // Guest timekeeper: offs_boot, what it has injected (v3: tk->kvm_suspend_time),
    // and MONOTONIC's base: the clocksource reading at boot, plus (guest-sync)
    // what its own suspend/resume took out.
    guest: {
      guestOffsBoot: int(0, b.offsBootMax),
      guestInjected: int(0, b.maxTotal),
      guestMonoAdj: int(b.monoAdjMin, b.monoAdjMax),
      guestPm: enumOf(GuestPm),
      guestSuspendWanted: bool(),
      guestSuspendCs: int(Math.min(0, b.monoMin), b.monoMax),
    },
    // The guest kernel is up (x86 lateEnable, reboot; always on arm64).
    guestBooted: bool(),
    // Ghost: host offs_boot when this guest boot began (suspends before it are not its to account).
    hostSleptAtBoot: int(0, b.maxTotal),
    // Ghost: host awake time when this guest boot began (its BOOTTIME starts at 0 then).
    hostAwakeAtBoot: int(0, p.maxAwake),
    // Ghost: host awake ticks that passed while the guest was suspended.
    guestAsleepTicks: int(0, p.maxAwake),
    // The userspace designs: the VMM has stopped its vCPU threads, and the
    // host's offs_boot when it did.
    vmm: {
      vmmPaused: bool(),
      vmmSleptAtStop: int(0, b.maxTotal),
    },
    // The observers' last read (any vCPU, any path) and the host awake time then.
    observers: {
      lastMono: int(b.monoMin, b.monoMax),
      lastBoot: int(b.monoMin, b.monoMax + b.offsBootMax),
      lastAwake: int(0, p.maxAwake),
    },
  };
}

export function hostBoot(s: CoreState): number {
  return s.hostAwake + s.hostSlept;
}

export function tasksFrozen(s: CoreState): boolean {
  return s.hostPhase === HostPhase.frozen || s.hostPhase === HostPhase.resumed;
}

export function guestRunning(s: CoreState): boolean {
  return s.guestPm === GuestPm.running && s.guestBooted;
}
