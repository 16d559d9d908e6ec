// arm64: the generic timer. No kvmclock and no pvclock page: a Linux guest
// reads the virtual counter CNTVCT_EL0 = CNTPCT - CNTVOFF_EL2 directly, in
// the kernel (arch_sys_counter, arch_counter_get_cntvct) and in the vDSO
// (__arch_get_hw_counter: mrs cntvct_el0), on whichever vCPU it runs; a
// guest or firmware may also read the physical counter CNTPCT_EL0, which KVM
// offsets only from v6.4 (CNTPOFF_EL2 with FEAT_ECV, or trap and emulate);
// the system counter lives in an always-on power domain and counts through
// a host suspend, by which the host also measures the sleep. The guest's
// virtual timer (CNTV_CVAL_EL0) compares against the offset counter. With
// nested virtualisation the guest is an L1 hypervisor's guest, whose EL1
// virtual counter KVM offsets by the physical offset and the L1's own
// CNTVOFF_EL2. Sources and versions: /work/notes/arm64-kernel.md, cited by
// section; docs/model.md, "arm64".

import { array, bool, defineLayout, enumOf, int, type ActionFamily, type StateView } from '../../checker/index.js';
import type { Arch } from '../core/arch.js';
import type { Design } from '../core/design.js';
import { coreInit, finishPass as coreFinishPass } from '../core/machine.js';
import { coreParams } from '../core/premises.js';
import { coreFields, guestRunning, VcpuPc, type CoreBounds, type Ctx } from '../core/state.js';

export const arm64Params = {
  vcpus: { ...coreParams.vcpus, doc: 'number of vCPUs (vCPU 0 has the virtual-timer deadline)' },
  suspends: coreParams.suspends,
  maxAwake: coreParams.maxAwake,
  // One tick: the always-on counter measures every sleep exactly, so no
  // verdict depends on its length (arm64-v3/two-tick-sleeps pins it).
  maxSleep: { ...coreParams.maxSleep, default: 1 },
  jumpTolerance: coreParams.jumpTolerance,
  canFail: coreParams.canFail,
  vdso: { ...coreParams.vdso, doc: '1: observers also read through the vDSO (mrs cntvct_el0: the same counter as the kernel, no page)' },
  // ---- observers ----
  physReader: { default: 1, min: 0, max: 1, doc: '1: a guest thread (or firmware) reads CNTPCT_EL0 beside CNTVCT_EL0 (countersAgree, and architecturalCounter on the physical counter)' },
  vtimer: { default: 1, min: 0, max: 1, doc: "1: before the first suspend the guest programs vCPU 0's virtual timer (CNTV_CVAL_EL0) one tick ahead, once (timerDeadline)" },
  // ---- premises ----
  nv: { default: 0, min: 0, max: 1, doc: "1: the guest is an L1 hypervisor's guest (nested virtualisation, v6.x): its EL1 virtual counter is CNTPCT - poffset - the L1's CNTVOFF_EL2; KVM's voffset does not apply to it" },
  counterStops: { default: 0, min: 0, max: 1, doc: '1: the SoC breaks the Arm ARM and its system counter stops in suspend (DT arm,no-tick-in-suspend): every guest counter stops with it; the host measures the sleep otherwise (rtc_resume)' },
  vmmNotice: coreParams.vmmNotice,
} as const;

export type Arm64ParamName = keyof typeof arm64Params;
export type Arm64Params = Readonly<Record<Arm64ParamName, number>>;

/** The guest's virtual-timer deadline (one, on vCPU 0). */
export const Vtimer = {
  /** Not programmed yet (or vtimer=0). */
  idle: 0,
  /** CNTV_CVAL_EL0 programmed, CNTV_CTL_EL0 enabled, not yet fired. */
  armed: 1,
  /** Fired and handled: its ghosts are cleared. */
  fired: 2,
} as const;

/** A design on arm64 has only the shared hooks. */
export type Arm64Design = Design<Arm64State, Arm64Ctx>;

export interface Arm64Bounds extends CoreBounds {
  /** Most an offset can move back (the whole suspend time). */
  readonly offMax: number;
  /** Most the sleep the system counter did not count (counterStops). */
  readonly lostMax: number;
  /** Most the counter can read. */
  readonly counterMax: number;
}

export function arm64Bounds(p: Arm64Params, d: Arm64Design): Arm64Bounds {
  const maxTotal = p.suspends * p.maxSleep;
  const offMax = maxTotal;
  const lostMax = p.counterStops ? maxTotal : 0;
  const counterMax = p.maxAwake + maxTotal;
  // Guest-sync takes out of MONOTONIC what its own suspend lasted.
  const monoAdjMax = d.guestSync ? maxTotal + p.maxAwake : 0;
  return {
    maxTotal,
    offMax,
    lostMax,
    counterMax,
    monoAdjMin: 0,
    monoAdjMax,
    offsBootMax: maxTotal + (d.guestSync ? p.maxAwake : 0),
    // An offset moved back by a sleep the counter did not count reads below 0.
    monoMin: -monoAdjMax - lostMax,
    monoMax: counterMax,
  };
}

export function arm64Layout(p: Arm64Params, b: Arm64Bounds) {
  const f = coreFields(p, b);
  return defineLayout({
    // Host clocks (shared). The system counter CNTPCT = hostAwake + hostSlept:
    // always-on, it counts through the sleep, and the host's offs_boot is the
    // sleep as that counter measured it (notes §6).
    ...f.host,
    // counterStops: the sleep the system counter did not count (0, one
    // value, on a SoC that follows the Arm ARM).
    counterLost: int(0, b.lostMax),
    suspendsStarted: f.suspendsStarted,
    ...f.vmSuspendTime,
    sharedSuspendNs: f.sharedSuspendNs,
    vcpu: array(p.vcpus, {
      ...f.vcpu,
      // CNTVOFF_EL2 as this vCPU enters the guest with it, relative to its
      // value at vCPU creation (kvm_timer_vcpu_init: update_vtimer_cntvoff
      // to the physical count then, the same for every vCPU; notes §1).
      cntvoff: int(0, b.offMax),
      // The physical offset as this vCPU's guest sees it (v6.4 poffset:
      // CNTPOFF_EL2 with FEAT_ECV, else trap and emulate; 0 before v6.4,
      // notes §1.4, §2.3).
      cntpoff: int(0, b.offMax),
    }),
    ...f.guest,
    guestBooted: f.guestBooted,
    hostSleptAtBoot: f.hostSleptAtBoot,
    hostAwakeAtBoot: f.hostAwakeAtBoot,
    guestAsleepTicks: f.guestAsleepTicks,
    ...f.vmm,
    // vCPU 0's virtual timer: CNTV_CVAL_EL0 in virtual-counter ticks, kept
    // across offset changes (notes §5.1); ghosts for timerDeadline: the
    // guest's MONOTONIC and awake time when it was programmed.
    vtimer: enumOf(Vtimer),
    vtimerCval: int(0, b.counterMax + b.monoAdjMax + 1),
    vtimerSetMono: int(Math.min(0, b.monoMin), b.monoMax),
    vtimerSetAwake: int(0, p.maxAwake),
    ...f.observers,
    // Ghosts of the counter observers: how far the virtual and the physical
    // counter read last were behind real time (the always-on count, what
    // the architecture would show). At a read of both, CNTVCT - CNTPCT is
    // the difference of the two.
    lastVirtLag: int(0, b.offMax + b.lostMax),
    lastPhysLag: int(0, b.offMax + b.lostMax),
  });
}

export type Arm64Layout = ReturnType<typeof arm64Layout>;
export type Arm64State = StateView<Arm64Layout['spec']>;
export type Arm64Ctx = Ctx<Arm64Params, Arm64Bounds>;

/** The VM just created at host boot, the guest kernel up: every counter at 0, no offset moved. */
export function arm64Init(_c: Arm64Ctx, _d: Arm64Design) {
  return (s: Arm64State): void => {
    coreInit(s);
    s.vtimerSetMono = 0;
  };
}

// ---- the counters ---------------------------------------------------------------

/** Real time since VM creation, suspends included: what the always-on system counter reads. */
export function realTime(s: Arm64State): number {
  return s.hostAwake + s.hostSlept;
}

/** The system counter (host CNTPCT) since VM creation: real time, less any sleep it did not count (counterStops). */
export function systemCounter(s: Arm64State): number {
  return realTime(s) - s.counterLost;
}

/**
 * How far vCPU i's virtual counter is behind real time: CNTVOFF_EL2
 * (kvm_timer_vcpu_load: set_cntvoff); with NV, the physical offset KVM
 * applies to the EL1 virtual timer (its vm_offset is poffset) plus the L1's
 * own CNTVOFF_EL2, which the L1 set once and the model takes as 0 (notes
 * §3); and any sleep the system counter did not count.
 */
export function virtLag(s: Arm64State, c: Arm64Ctx, i: number): number {
  return s.counterLost + (c.p.nv ? s.vcpu[i]!.cntpoff : s.vcpu[i]!.cntvoff);
}

/** How far vCPU i's physical counter is behind real time. */
export function physLag(s: Arm64State, i: number): number {
  return s.counterLost + s.vcpu[i]!.cntpoff;
}

/** CNTVCT_EL0 as the guest on vCPU i reads it. */
export function cntvct(s: Arm64State, c: Arm64Ctx, i: number): number {
  return realTime(s) - virtLag(s, c, i);
}

/** CNTPCT_EL0 as the guest on vCPU i reads it. */
export function cntpct(s: Arm64State, i: number): number {
  return realTime(s) - physLag(s, i);
}

/** The guest's MONOTONIC on vCPU i (its clocksource is CNTVCT on every path). */
function monoOn(s: Arm64State, c: Arm64Ctx, i: number): number {
  return cntvct(s, c, i) - s.guestMonoAdj;
}

/** The guest's awake time: host awake time less what it spent suspended itself (guest-sync). */
export function guestAwake(s: Arm64State): number {
  return s.hostAwake - s.guestAsleepTicks;
}

/** The rest of a pass of the run loop (the entry check), for arm64's designs. */
export function finishPass(d: Arm64Design, s: Arm64State, c: Arm64Ctx, i: number): void {
  coreFinishPass(arm64, d, s, c, i);
}

/** The guest reprograms its deadline from MONOTONIC (guest-sync: hrtimers_resume after its own timekeeping_resume). */
function reprogramVtimer(s: Arm64State): void {
  if (s.vtimer === Vtimer.armed) s.vtimerCval = s.vtimerSetMono + 1 + s.guestMonoAdj;
}

/** The guest's virtual timer on vCPU 0, and a guest that reads both counters. */
function arm64Actions(_d: Arm64Design, c: Arm64Ctx): ActionFamily<Arm64State>[] {
  const out: ActionFamily<Arm64State>[] = [];
  if (c.p.vtimer) {
    out.push(
      {
        name: 'vtimerProgram',
        doc: "before the first host suspend, the guest on vCPU 0 arms its clockevent one tick ahead: arch_timer_set_next_event_virt writes CNTV_CVAL_EL0 = CNTVCT + 1 and enables CNTV_CTL_EL0 (a hrtimer due at MONOTONIC + 1)",
        // Once, before the first suspend: a deadline pending across it.
        enabled: (s) => s.vtimer === Vtimer.idle && s.suspendsStarted === 0 && s.vcpu[0]!.pc === VcpuPc.guest && guestRunning(s),
        step: (s) => {
          s.vtimerCval = cntvct(s, c, 0) + 1;
          s.vtimerSetMono = monoOn(s, c, 0);
          s.vtimerSetAwake = guestAwake(s);
          s.vtimer = Vtimer.armed;
        },
      },
      {
        name: 'vtimerFire',
        doc: "vCPU 0's virtual timer fires in the guest: CNTVCT (CNTPCT - CNTVOFF_EL2 as loaded) has reached CNTV_CVAL_EL0, in hardware while the vCPU runs or, at its next load, kvm_timer_vcpu_load -> kvm_timer_should_fire (cval <= kvm_phys_timer_read() - timer_get_offset); arch_timer_handler_virt runs the expired hrtimer",
        enabled: (s) => s.vtimer === Vtimer.armed && s.vcpu[0]!.pc === VcpuPc.guest && guestRunning(s) && cntvct(s, c, 0) >= s.vtimerCval,
        step: (s) => {
          s.vtimer = Vtimer.fired;
          s.vtimerCval = 0;
          s.vtimerSetMono = 0;
          s.vtimerSetAwake = 0;
        },
      },
    );
  }
  if (c.p.physReader) {
    out.push({
      name: 'readCounters',
      over: [Array.from({ length: c.n }, (_, i) => i)],
      doc: 'a guest thread (or firmware) on vCPU i reads CNTVCT_EL0 and CNTPCT_EL0 back to back (the physical counter untrapped before v6.4: CNTHCTL_EL2.EL1PCTEN; offset by CNTPOFF_EL2 or emulated from v6.4)',
      enabled: (s, i) => s.vcpu[i]!.pc === VcpuPc.guest && guestRunning(s),
      step: (s, i) => {
        s.lastVirtLag = virtLag(s, c, i);
        s.lastPhysLag = physLag(s, i);
      },
    });
  }
  return out;
}

// ---- arm64 in the shared machine ------------------------------------------------

export const arm64: Arch<Arm64State, Arm64Ctx, Arm64Design> = {
  name: 'arm64',
  params: arm64Params,
  bounds: arm64Bounds,
  layout: arm64Layout,
  init: arm64Init,
  docs: {
    pmSuspendPrepare:
      'pm_notifier_call_chain_robust(PM_SUSPEND_PREPARE) -> kvm_pm_notifier_call (the design notifier, under kvm->lock; arm64 has no kvm_arch_pm_notifier: HAVE_KVM_PM_NOTIFIER is selected by x86 only, so a port must select it)',
    freezeTasks:
      "suspend_freeze_processes: every vCPU thread is frozen at its next freezable point: kicked out of guest mode (the freezer's signal ends KVM_RUN with -EINTR: vcpu_put -> kvm_timer_vcpu_put, set_cntvoff(0)), or, in the middle of a pass of the run loop, after finishing it",
    hostSleep:
      'timekeeping_suspend, the machine sleeps for D ticks, timekeeping_resume: the system counter keeps counting in its always-on domain, and offs_boot += D as that counter measured it (arch_sys_counter is CLOCK_SOURCE_SUSPEND_NONSTOP: clocksource_stop_suspend_timing); with counterStops it does not count, and offs_boot += D from the RTC (rtc_resume)',
    vcpuRun:
      'kvm_arch_vcpu_ioctl_run: (after a freeze or a stop, KVM_RUN loads the vCPU: kvm_arch_vcpu_load -> kvm_timer_vcpu_load, set_cntvoff) check_vcpu_requests (KVM_REQ_SUSPEND_TIME_ADJ, the port), then enter unless kvm_vcpu_exit_request sees a request pending',
    vcpuExit: 'a guest exit (handle_exit: WFI, an interrupt, a trap, a kick or the freezer); back to the top of the run loop',
    readClock:
      'a guest thread reads CLOCK_MONOTONIC and CLOCK_BOOTTIME: path 0 the kernel (arch_counter_get_cntvct), path 1 the vDSO (__arch_get_hw_counter: isb; mrs cntvct_el0): both CNTVCT = CNTPCT - CNTVOFF_EL2 of the vCPU it runs on, no page',
    guestIrq:
      "the design's notification interrupt delivered (a PPI or SPI through kvm_vgic_inject_irq, or KVM_IRQ_LINE from the VMM; arm64 has no HYPERVISOR_CALLBACK_VECTOR): the guest's handler runs timekeeping_inject_virtual_suspend_time, under timekeeper_lock",
  },
  clockRead: (s, c, reader) => cntvct(s, c, reader),
  clockPeek: (s, c, reader) => cntvct(s, c, reader),
  sleep(s, c, _d, dur) {
    // The counters are derived from the system counter, and no offset moves
    // by itself; a counter that stops in suspend loses the sleep.
    if (c.p.counterStops) s.counterLost += dur;
  },
  onRead(s, c, i) {
    s.lastVirtLag = virtLag(s, c, i);
  },
  onGuestResume: (s) => reprogramVtimer(s),
  actions: arm64Actions,
  stutterFamilies: (c) => (c.p.physReader ? ['readCounters'] : []),
  observeVcpu(s, c, i, o) {
    o[`cntvct@${i}`] = cntvct(s, c, i);
    o[`cntpct@${i}`] = cntpct(s, i);
  },
  observe(s, c, o) {
    o['counter'] = systemCounter(s);
    if (c.p.counterStops) o['real'] = realTime(s);
    if (s.vtimer === Vtimer.armed) o['vtimer.due'] = s.vtimerCval;
  },
  explain(before, c, family, args, after) {
    if (family === 'readCounters') {
      const i = args[0]!;
      return `counters read on vCPU ${i}: CNTVCT=${cntvct(after, c, i)} CNTPCT=${cntpct(after, i)} (CNTVCT - CNTPCT = ${after.lastPhysLag - after.lastVirtLag}; behind real time by ${after.lastVirtLag} and ${after.lastPhysLag}, were ${before.lastVirtLag} and ${before.lastPhysLag})`;
    }
    if (family === 'vtimerFire') {
      const fired = monoOn(after, c, 0);
      return `the timer due at MONOTONIC ${before.vtimerSetMono + 1} fires at MONOTONIC ${fired}, set ${guestAwake(after) - before.vtimerSetAwake} awake tick(s) ago for 1 ahead`;
    }
    return undefined;
  },
};
