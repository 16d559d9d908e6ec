// Check configurations: for each design variant and parameter set, the
// verdict expected for every property, with a one-line reason. Tests run
// every configuration; `clockcheck compare` marks any verdict that differs.

import type { Verdict } from '../checker/index.js';

export interface Expectation {
  readonly verdict: Verdict;
  /** Length of the shortest counterexample, where it is pinned (for a lasso: prefix and loop together). */
  readonly steps?: number;
  /** For a lasso: the length of its loop. */
  readonly loop?: number;
  readonly why: string;
}

export interface CheckConfig {
  readonly name: string;
  readonly variant: string;
  /** Parameters that differ from the model's defaults (its architecture's, model/arch/*.ts). */
  readonly params: Readonly<Record<string, number>>;
  readonly expect: Readonly<Record<string, Expectation>>;
}

/** The properties every architecture is checked against (specs/properties.ts, then deadlock). */
const SHARED = ['monoNoRewind', 'monoNoJump', 'bootNoRewind', 'bootNotAhead', 'bootExact', 'bootCatchesUp', 'vcpuEventuallyEnters'] as const;
const PROPS = [...SHARED, 'lockOrder', 'noSleepInAtomic', 'noWarn', 'deadlock'] as const;
const ARM64_PROPS = [...SHARED, 'countersAgree', 'timerDeadline', 'architecturalCounter', 'deadlock'] as const;
type Violation = readonly [steps: number, why: string] | readonly [steps: number, why: string, loop: number];

/** A liveness violation: a lasso of `prefix` steps and then a loop of `loop` steps. */
function lasso(prefix: number, loop: number, why: string): Violation {
  return [prefix + loop, why, loop];
}

/**
 * For an architecture's properties: every property holds for `why`, except
 * the listed violations, each with the length of its shortest
 * counterexample and its own reason.
 */
function expectationsOf<P extends string>(props: readonly P[]) {
  return (why: string, violated: Partial<Record<P, Violation>> = {}): Record<string, Expectation> => {
    const out: Record<string, Expectation> = {};
    for (const p of props) {
      const v = violated[p];
      out[p] = v ? { verdict: 'violated', steps: v[0], why: v[1], ...(v.length === 3 ? { loop: v[2] } : {}) } : { verdict: 'holds', why };
    }
    return out;
  };
}

const expect = expectationsOf(PROPS);
const expectArm64 = expectationsOf(ARM64_PROPS);

/** v3 is correct here: one suspend, no failure, exact arithmetic (mutants are checked against this). */
const V3_HOLDS = { suspends: 1, canFail: 0 } as const;

const atomicKvmLock = 'kvm_arch_timekeeping_inject_sleeptime runs in timekeeping_resume, interrupts off and timekeeper_lock held, and takes the kvm_lock mutex (what tglx objected to, and why v3 moved to a PM notifier)';
const retryRace = 'unchanged from v3: after a failed suspend the re-request lands after PM_POST_SUSPEND, and the vCPU re-requests forever';
const spin = 'suspend fails; PM_POST_SUSPEND runs between the d == 0 check and the re-request, so the request is set after the only code that clears it: the vCPU retries forever, never entering (the loop: retry, run)';
const spinHidesIrq = 'suspend 1 is adjusted and its interrupt is pending when suspend 2 begins and fails; both vCPUs then spin in the retry loop forever, so the interrupt is never delivered and BOOTTIME never catches up';
const neverTold = 'nothing tells the guest about the suspend: BOOTTIME - MONOTONIC stays 0 while the vCPUs run on forever';
const lostSecondSuspend = 'a vCPU that has not run since suspend 1 runs between PM_SUSPEND_PREPARE and the freeze of suspend 2; its one request bit is spent adjusting for suspend 1 (d > 0, no retry), so nothing adjusts it for suspend 2';

// ---- arm64 -------------------------------------------------------------------------

/** One suspend, no failure: where v3's own races cannot happen. */
const ONE_SUSPEND = { suspends: 1, canFail: 0 } as const;

const counterMoved = 'the port moves CNTVOFF_EL2 back by the suspend before the vCPU enters: the first read after resume is behind the always-on count by the suspend';
const onlyVirtual = "only CNTVOFF_EL2 moved (no physical offset before v6.4): a guest that reads both counters finds CNTVCT - CNTPCT changed by the suspend";
const a64LostSecond = "unchanged from v3: vCPU 0 runs between PM_SUSPEND_PREPARE and the freeze of suspend 2 and spends its one request on suspend 1 (d > 0, no retry); after suspend 2 it enters with its CNTVOFF_EL2 short of suspend 2";
const a64Spin = 'unchanged from v3: suspend fails; PM_POST_SUSPEND runs between the d == 0 check and the re-request, and the vCPU retries forever (the loop: retry, run)';
const a64SpinHidesIrq = 'unchanged from v3: suspend 1 is adjusted, its PPI pending, when suspend 2 begins and fails; both vCPUs then spin in the retry loop and the interrupt is never delivered';
const counterJumps = 'nothing moves the counter: the first read after resume is ahead by the whole suspend (the always-on counter counted it)';
const timerLate = "the timer falls due, a suspend comes before it is taken, and it fires after resume at a MONOTONIC ahead of its deadline by the suspend, with no awake time beyond it";

function arm64Configs(): CheckConfig[] {
  return [
    // ---- the default comparison (npm start) ----
    {
      name: 'arm64-baseline',
      variant: 'arm64-baseline',
      params: {},
      expect: expectArm64('no offset moves: both counters keep the always-on count, so they agree and are architectural', {
        monoNoJump: [6, counterJumps],
        bootCatchesUp: lasso(5, 4, 'nothing tells the guest about the suspend: BOOTTIME - MONOTONIC stays 0 while the vCPUs run on forever'),
        timerDeadline: [9, timerLate],
      }),
    },
    {
      name: 'arm64-v3',
      variant: 'arm64-v3',
      params: {},
      expect: expectArm64('the request is processed before entry; the guest injects only differences', {
      bootNotAhead: [14, "the vCPU that spent its request in the window of suspend 2 runs with MONOTONIC ahead by suspend 2, and the adjustment another vCPU makes for suspend 2 injects it into offs_boot as well: BOOTTIME counts suspend 2 twice"],
        monoNoRewind: [14, `${a64LostSecond}; vCPU 1 adjusts for both and reads behind what vCPU 0 read: the two vCPUs' counters now differ by suspend 2, until the next suspend`],
        monoNoJump: [12, `${a64LostSecond}: its first read is ahead by suspend 2`],
        bootNoRewind: [14, 'BOOTTIME follows the cross-vCPU MONOTONIC rewind'],
        bootCatchesUp: lasso(13, 4, a64SpinHidesIrq),
        vcpuEventuallyEnters: lasso(4, 4, a64Spin),
        countersAgree: [6, onlyVirtual],
        timerDeadline: [15, `${a64LostSecond}: the timer due before suspend 1 fires at a MONOTONIC ahead by suspend 2`],
        architecturalCounter: [6, counterMoved],
      }),
    },
    {
      name: 'arm64-v3-ecv',
      variant: 'arm64-v3-ecv',
      params: {},
      expect: expectArm64('both offsets move together, so the counters agree', {
      bootNotAhead: [14, "the vCPU that spent its request in the window of suspend 2 runs with MONOTONIC ahead by suspend 2, and the adjustment another vCPU makes for suspend 2 injects it into offs_boot as well: BOOTTIME counts suspend 2 twice"],
        monoNoRewind: [14, `${a64LostSecond}; vCPU 1 adjusts for both and reads behind what vCPU 0 read`],
        monoNoJump: [12, `${a64LostSecond}: its first read is ahead by suspend 2`],
        bootNoRewind: [14, 'BOOTTIME follows the cross-vCPU MONOTONIC rewind'],
        bootCatchesUp: lasso(13, 4, a64SpinHidesIrq),
        vcpuEventuallyEnters: lasso(4, 4, a64Spin),
        timerDeadline: [15, `${a64LostSecond}: the timer fires at a MONOTONIC ahead by suspend 2`],
        architecturalCounter: [6, 'both offsets move back by the suspend: both counters read behind the always-on count'],
      }),
    },
    {
      name: 'arm64-userspace',
      variant: 'arm64-userspace',
      params: {},
      expect: expectArm64('the VMM moves the offset only when it stopped its vCPUs before the suspend, and then both counters by one value', {
      bootNotAhead: [8, "MONOTONIC already jumped by the suspend (no counter moved), and the drift the VMM posts adds it to offs_boot as well: BOOTTIME counts the suspend twice"],
        monoNoJump: [6, 'the suspend is started without logind (a write to /sys/power/state): the VMM hears of it only after the thaw, when its vCPUs have already run on the counter that counted the suspend (vmmNotice=0)'],
        timerDeadline: [9, `${timerLate} (vmmNotice=0: no offset moved)`],
      }),
    },
    {
      name: 'arm64-stolen-time',
      variant: 'arm64-stolen-time',
      params: {},
      expect: expectArm64('no counter moves and the drift is posted once per suspend: the counters stay architectural and BOOTTIME catches up', {
      bootNotAhead: [8, "MONOTONIC already jumped by the suspend (no counter moved), and the drift the VMM posts adds it to offs_boot as well: BOOTTIME counts the suspend twice"],
        monoNoJump: [6, `${counterJumps}: telling the guest afterwards cannot take the jump out of MONOTONIC (Hikaru's objection)`],
        timerDeadline: [9, timerLate],
      }),
    },
    {
      name: 'arm64-guest-sync',
      variant: 'arm64-guest-sync',
      params: {},
      expect: expectArm64("the host sleeps only while the guest is suspended; no offset moves, and the guest's own timekeeping_resume puts the counter's gap into offs_boot and reprograms its timer"),
    },

    // ---- the configurations that decide the thread's questions ----
    {
      name: 'arm64-baseline/one-suspend',
      variant: 'arm64-baseline',
      params: ONE_SUSPEND,
      expect: expectArm64('nothing moves backwards; the counters stay architectural', {
        monoNoJump: [6, 'the first read after resume is ahead by exactly the suspend'],
        bootCatchesUp: lasso(5, 4, 'the guest never learns of the suspend'),
        timerDeadline: [9, timerLate],
      }),
    },
    {
      name: 'arm64-v3/one-suspend',
      variant: 'arm64-v3',
      params: ONE_SUSPEND,
      expect: expectArm64("one suspend, no failure: v3's mechanism keeps MONOTONIC continuous and BOOTTIME exact on arm64 too (Hikaru's claim), and the timer fires in guest time", {
        countersAgree: [6, onlyVirtual],
        architecturalCounter: [6, `${counterMoved} (Marc's objection)`],
      }),
    },
    {
      name: 'arm64-v3/failed-suspend',
      variant: 'arm64-v3',
      params: { suspends: 1 },
      expect: expectArm64('a failed suspend moves no counter', {
        vcpuEventuallyEnters: lasso(4, 4, 'PM_POST_SUSPEND runs between the d == 0 check and the re-request: with no suspend left, the vCPU spins forever (the retry logic is v3\'s, unchanged by the port)'),
        countersAgree: [6, onlyVirtual],
        architecturalCounter: [6, counterMoved],
      }),
    },
    {
      name: 'arm64-v3/two-suspends',
      variant: 'arm64-v3',
      params: { canFail: 0 },
      expect: expectArm64('injection is idempotent', {
      bootNotAhead: [14, "the vCPU that spent its request in the window of suspend 2 runs with MONOTONIC ahead by suspend 2, and the adjustment another vCPU makes for suspend 2 injects it into offs_boot as well: BOOTTIME counts suspend 2 twice"],
        monoNoRewind: [14, a64LostSecond],
        monoNoJump: [12, a64LostSecond],
        bootNoRewind: [14, a64LostSecond],
        bootCatchesUp: lasso(14, 4, `${a64LostSecond}: both vCPUs run in the window and inject suspend 1, none ever injects suspend 2`),
        countersAgree: [6, onlyVirtual],
        timerDeadline: [15, a64LostSecond],
        architecturalCounter: [6, counterMoved],
      }),
    },
    {
      name: 'arm64-v3/two-tick-sleeps',
      variant: 'arm64-v3',
      params: { maxSleep: 2 },
      expect: expectArm64('sleeps of one or two ticks: the verdicts of one-tick sleeps', {
      bootNotAhead: [14, "the vCPU that spent its request in the window of suspend 2 runs with MONOTONIC ahead by suspend 2, and the adjustment another vCPU makes for suspend 2 injects it into offs_boot as well: BOOTTIME counts suspend 2 twice"],
        monoNoRewind: [14, a64LostSecond],
        monoNoJump: [12, a64LostSecond],
        bootNoRewind: [14, a64LostSecond],
        bootCatchesUp: lasso(13, 4, a64SpinHidesIrq),
        vcpuEventuallyEnters: lasso(4, 4, a64Spin),
        countersAgree: [6, onlyVirtual],
        timerDeadline: [14, `${a64LostSecond} (a two-tick suspend 2 needs no awake tick before it)`],
        architecturalCounter: [6, counterMoved],
      }),
    },
    {
      name: 'arm64-v3-ecv/one-suspend',
      variant: 'arm64-v3-ecv',
      params: ONE_SUSPEND,
      expect: expectArm64('with CNTPOFF (or the emulated physical counter, v6.4+) both counters move together: they agree', {
        architecturalCounter: [6, 'both counters read behind the always-on count by the suspend: what the architecture promises is exactly what the adjustment takes away'],
      }),
    },
    {
      name: 'arm64-userspace/logind-delay',
      variant: 'arm64-userspace',
      params: { vmmNotice: 1 },
      expect: expectArm64('when the VMM stopped its vCPUs in time it moves both counters back before they run', {
      bootNotAhead: [9, "the suspend went on before the VMM stopped its vCPUs: MONOTONIC already jumped by the suspend (no counter moved), and the drift the VMM posts adds it to offs_boot as well: BOOTTIME counts the suspend twice"],
        monoNoJump: [7, 'logind sends PrepareForSleep, but its delay lock does not make the kernel wait for the VMM: the suspend freezes the VMM before it stopped its vCPUs; after the thaw they run on the counter that counted the suspend'],
        timerDeadline: [10, `${timerLate} (the VMM was too late to move the offset)`],
        architecturalCounter: [9, 'when the VMM did stop its vCPUs in time, KVM_ARM_SET_COUNTER_OFFSET takes the suspend out of both counters: the first read after resume is behind the always-on count'],
      }),
    },
    {
      name: 'arm64-userspace/suspend-waits-for-vmm',
      variant: 'arm64-userspace',
      params: { vmmNotice: 2 },
      expect: expectArm64('with a suspend that waits until the VMM has stopped its vCPUs, userspace keeps MONOTONIC continuous, both counters in agreement, the timer in guest time, and BOOTTIME exact', {
        architecturalCounter: [9, 'the VM-wide offset moved back by the suspend: both counters read behind the always-on count (the price of MONOTONIC without the guest)'],
      }),
    },
    {
      name: 'arm64-stolen-time/one-suspend',
      variant: 'arm64-stolen-time',
      params: ONE_SUSPEND,
      expect: expectArm64('the counters stay architectural and BOOTTIME catches up', {
      bootNotAhead: [8, "MONOTONIC already jumped by the suspend (no counter moved), and the drift the VMM posts adds it to offs_boot as well: BOOTTIME counts the suspend twice"],
        monoNoJump: [6, 'the first read after resume is ahead by the suspend, before any interrupt can come'],
        timerDeadline: [9, timerLate],
      }),
    },
    {
      name: 'arm64-guest-sync/three-vcpus',
      variant: 'arm64-guest-sync',
      params: { vcpus: 3, maxAwake: 1 },
      expect: expectArm64('the guest suspends itself on every vCPU at once (its own freezer): the number of vCPUs does not matter'),
    },

    // ---- nested virtualisation: the guest is an L1 hypervisor's guest (nv) ----
    {
      name: 'arm64-baseline/nested',
      variant: 'arm64-baseline',
      params: { nv: 1 },
      expect: expectArm64('as without NV', {
        monoNoJump: [6, counterJumps],
        bootCatchesUp: lasso(5, 4, 'the guest never learns of the suspend'),
        timerDeadline: [9, timerLate],
      }),
    },
    {
      name: 'arm64-v3/one-suspend/nested',
      variant: 'arm64-v3',
      params: { ...ONE_SUSPEND, nv: 1 },
      expect: expectArm64("the port moves KVM's voffset, which no timer of an NV guest uses: its EL1 virtual counter is CNTPCT - poffset - the L1's CNTVOFF_EL2, so nothing moved (the counters stay architectural and agree)", {
      bootNotAhead: [7, "the nested guest's counter was not moved, so its MONOTONIC jumps, while the interrupt injects the suspend: BOOTTIME counts it twice"],
        monoNoJump: [6, 'the nested guest reads a counter the port never moved: MONOTONIC jumps by the suspend, as in baseline'],
        timerDeadline: [9, timerLate],
      }),
    },
    {
      name: 'arm64-v3-ecv/one-suspend/nested',
      variant: 'arm64-v3-ecv',
      params: { ...ONE_SUSPEND, nv: 1 },
      expect: expectArm64('moving poffset too reaches the nested guest: it behaves as without NV', {
        architecturalCounter: [6, 'both counters read behind the always-on count by the suspend'],
      }),
    },
    {
      name: 'arm64-userspace/suspend-waits-for-vmm/nested',
      variant: 'arm64-userspace',
      params: { vmmNotice: 2, nv: 1 },
      expect: expectArm64('KVM_ARM_SET_COUNTER_OFFSET sets voffset = poffset: every timer of the nested guest moves, as without NV', {
        architecturalCounter: [9, 'the VM-wide offset moved back by the suspend'],
      }),
    },

    // ---- the premise every arm64 verdict rests on: the counter counts through suspend ----
    {
      name: 'arm64-baseline/counter-stops',
      variant: 'arm64-baseline',
      params: { counterStops: 1 },
      expect: expectArm64('on a SoC whose counter stops in suspend (arm,no-tick-in-suspend) the guest counters stop with it: no jump, the timer keeps guest time', {
        bootCatchesUp: lasso(5, 4, 'the guest never learns of the suspend'),
        architecturalCounter: [6, "the hardware's own: the counter did not count the suspend, against the Arm ARM"],
      }),
    },
    {
      name: 'arm64-v3/one-suspend/counter-stops',
      variant: 'arm64-v3',
      params: { ...ONE_SUSPEND, counterStops: 1 },
      expect: expectArm64('no jump: neither the counter nor the offset gives the guest the suspend', {
        monoNoRewind: [6, 'the port moves CNTVOFF_EL2 back by the suspend as offs_boot measured it, but the counter did not count it: the first read after resume is behind the last one by the suspend'],
        bootNoRewind: [6, 'BOOTTIME follows MONOTONIC back'],
        countersAgree: [6, onlyVirtual],
        architecturalCounter: [6, 'the counter stopped, and the offset took the suspend out once more'],
      }),
    },
    {
      name: 'arm64-userspace/suspend-waits-for-vmm/counter-stops',
      variant: 'arm64-userspace',
      params: { vmmNotice: 2, counterStops: 1 },
      expect: expectArm64("the VMM moves the offset by what the counter counted (the guest counter's previous value, as api.rst asks): nothing when it stopped", {
        architecturalCounter: [9, "the hardware's own: the counter did not count the suspend"],
      }),
    },
    {
      name: 'arm64-stolen-time/counter-stops',
      variant: 'arm64-stolen-time',
      params: { counterStops: 1 },
      expect: expectArm64("on a SoC whose counter stops, Marc's proposal keeps MONOTONIC continuous and gives BOOTTIME the suspend: every property holds but the counter's, which the hardware breaks", {
        architecturalCounter: [6, "the hardware's own: the counter did not count the suspend"],
      }),
    },
    {
      name: 'arm64-guest-sync/counter-stops',
      variant: 'arm64-guest-sync',
      params: { counterStops: 1 },
      expect: expectArm64('MONOTONIC stops while the guest is suspended, as on bare metal', {
        bootCatchesUp: lasso(9, 4, 'the guest measures its own sleep with CNTVCT, which did not count it: BOOTTIME never gets the host\'s sleep'),
        architecturalCounter: [9, "the hardware's own: the counter did not count the suspend"],
      }),
    },
  ];
}

export const configs: readonly CheckConfig[] = [
  // ---- the default comparison (npm start) ----
  {
    name: 'baseline',
    variant: 'baseline',
    params: {},
    expect: expect('upstream KVM never moves a guest clock backwards or touches offs_boot', {
      monoNoJump: [6, 'the TSC and kvmclock keep counting through the host suspend: the first read after resume is ahead by the whole suspend'],
      bootCatchesUp: lasso(7, 4, neverTold),
    }),
  },
  {
    name: 'v1',
    variant: 'v1',
    params: {},
    expect: expect('the host adjusts kvmclock and every TSC inside timekeeping_resume, while every vCPU thread is frozen; pages are rewritten before the next entry', {
      noSleepInAtomic: [3, atomicKvmLock],
    }),
  },
  {
    name: 'v3',
    variant: 'v3',
    params: {},
    expect: expect('the request is processed before entry; the guest injects only differences', {
      bootNotAhead: [14, "the vCPU that spent its request in the window of suspend 2 runs with MONOTONIC ahead by suspend 2, and the adjustment another vCPU makes for suspend 2 injects it into offs_boot as well: BOOTTIME counts suspend 2 twice"],
      monoNoRewind: [13, `${lostSecondSuspend}; when another vCPU later moves kvmclock_offset by suspend 2, a vDSO read goes back`],
      monoNoJump: [12, `${lostSecondSuspend}; that vCPU enters with its TSC ahead by suspend 2`],
      bootNoRewind: [13, 'BOOTTIME follows the MONOTONIC rewind of the lost second adjustment'],
      bootCatchesUp: lasso(15, 4, spinHidesIrq),
      vcpuEventuallyEnters: lasso(6, 4, spin),
    }),
  },
  {
    name: 'v3-fixed',
    variant: 'v3-fixed',
    params: {},
    expect: expect('the request is kept through a suspend (the flag read without kvm->lock, the re-request a step of its own), and the TSC moves by what it counted, exactly'),
  },
  {
    name: 'marc-userspace',
    variant: 'marc-userspace',
    params: {},
    expect: expect('the VMM writes the cumulative drift and injects once per suspend; nothing moves a counter backwards', {
      bootNotAhead: [8, "MONOTONIC already jumped by the suspend (no counter moved), and the drift the VMM posts adds it to offs_boot as well: BOOTTIME counts the suspend twice"],
      monoNoJump: [6, 'no counter is adjusted: MONOTONIC has jumped by the suspend before any IRQ can arrive (Hikaru\'s objection)'],
    }),
  },
  {
    name: 'marc-userspace-strong',
    variant: 'marc-userspace-strong',
    params: {},
    expect: expect('the VMM moves kvmclock and the TSCs back only when it stopped its vCPUs before the suspend, and posts the cumulative drift', {
      bootNotAhead: [8, "MONOTONIC already jumped by the suspend (no counter moved), and the drift the VMM posts adds it to offs_boot as well: BOOTTIME counts the suspend twice"],
      monoNoJump: [6, "the suspend is started without logind (a write to /sys/power/state): the VMM hears of it only after the thaw, when its vCPUs have already run on the unadjusted counters (vmmNotice=0)"],
    }),
  },
  {
    name: 'guest-sync-strict',
    variant: 'guest-sync-strict',
    params: {},
    expect: expect("the host sleeps only while the guest is suspended; the guest's own timekeeping_resume moves the gap into offs_boot"),
  },
  {
    name: 'guest-sync-timeout',
    variant: 'guest-sync-timeout',
    params: {},
    expect: expect('when the guest did suspend in time, it accounts for the sleep itself', {
      monoNoJump: [6, 'the host gives up waiting and sleeps while the guest runs: as in baseline'],
      bootCatchesUp: lasso(7, 4, 'a suspend the guest slept through unsuspended is never accounted'),
    }),
  },
  {
    name: 'mutant-request-after-entry',
    variant: 'mutant-request-after-entry',
    params: {},
    expect: expect('the late adjustment still happens and is injected once', {
      bootNotAhead: [10, "MONOTONIC runs ahead by the suspend (monoNoJump) while the interrupt also puts it into offs_boot: BOOTTIME counts it twice"],
      monoNoRewind: [9, 'the guest runs on the unadjusted TSC, then the late adjustment pulls MONOTONIC back'],
      monoNoJump: [6, 'the guest enters before its TSC is adjusted'],
      bootNoRewind: [9, 'BOOTTIME follows MONOTONIC back'],
      bootCatchesUp: lasso(18, 4, `${lostSecondSuspend} (here the vCPU that ran in the window processed its request on exit)`),
    }),
  },
  {
    name: 'mutant-no-retry',
    variant: 'mutant-no-retry',
    params: {},
    expect: expect('no re-request, so no spin', {
      bootNotAhead: [9, "MONOTONIC runs ahead by the suspend (monoNoJump) while the interrupt also puts it into offs_boot: BOOTTIME counts it twice"],
      monoNoRewind: [8, "vCPU 0 drops its request before the sleep (d == 0), so its TSC is never adjusted; after vCPU 1 moves kvmclock, vCPU 0's page is rewritten and a vDSO read through it goes back"],
      monoNoJump: [7, 'the request was dropped before the sleep: the vCPU enters after resume with its TSC unadjusted'],
      bootNoRewind: [8, 'BOOTTIME follows MONOTONIC back'],
      bootCatchesUp: lasso(7, 4, 'both vCPUs dropped their request before the sleep (d == 0, no retry): no one adjusts or injects'),
    }),
  },
  {
    name: 'mutant-post-clears-all',
    variant: 'mutant-post-clears-all',
    params: {},
    expect: expect('no double injection', {
      bootNotAhead: [9, "MONOTONIC runs ahead by the suspend (monoNoJump) while the interrupt also puts it into offs_boot: BOOTTIME counts it twice"],
      monoNoRewind: [8, "PM_POST_SUSPEND clears vCPU 0's request before it ran, so its TSC is never adjusted; vCPU 1 moves kvmclock and a vDSO read through vCPU 0's rewritten page goes back"],
      monoNoJump: [7, 'the cleared vCPU enters with an unadjusted TSC'],
      bootNoRewind: [8, 'BOOTTIME follows MONOTONIC back'],
      bootCatchesUp: lasso(7, 4, 'if no vCPU ran before PM_POST_SUSPEND, no one adjusts or injects'),
      vcpuEventuallyEnters: lasso(6, 4, retryRace),
    }),
  },
  {
    name: 'mutant-vm-adjust-per-vcpu',
    variant: 'mutant-vm-adjust-per-vcpu',
    params: {},
    expect: expect('the guest injects the shared value once', {
      bootNotAhead: [14, "the vCPU that spent its request in the window of suspend 2 runs with MONOTONIC ahead by suspend 2, and the adjustment another vCPU makes for suspend 2 injects it into offs_boot as well: BOOTTIME counts suspend 2 twice"],
      monoNoRewind: [7, 'the second vCPU moves kvmclock_offset by the suspend again: MONOTONIC goes back by D'],
      monoNoJump: [8, 'vCPU 0, still in the guest on its page from before the second kvmclock move, reads ahead of the over-adjusted value vCPU 1 just read'],
      bootNoRewind: [7, 'BOOTTIME follows MONOTONIC back'],
      bootCatchesUp: lasso(15, 4, spinHidesIrq),
      vcpuEventuallyEnters: lasso(6, 4, retryRace),
    }),
  },
  {
    name: 'mutant-irq-before-adjust',
    variant: 'mutant-irq-before-adjust',
    params: {},
    expect: expect('the injected amount is right; only its timing is wrong', {
      bootNotAhead: [7, "MONOTONIC runs ahead by the suspend (monoNoJump) while the interrupt also puts it into offs_boot: BOOTTIME counts it twice"],
      monoNoRewind: [9, 'the deferred counter adjustment lands after the guest ran on the unadjusted TSC'],
      monoNoJump: [6, 'the guest enters before the counters are adjusted'],
      bootNoRewind: [9, 'the IRQ already added D to offs_boot; the late adjustment takes D out of MONOTONIC'],
      bootCatchesUp: lasso(15, 4, 'suspend 1 is adjusted with the interrupt pending; suspend 2 fails and both vCPUs spin in the retry loop forever, so the interrupt is never delivered'),
      vcpuEventuallyEnters: lasso(6, 4, retryRace),
    }),
  },
  {
    name: 'mutant-inject-cumulative',
    variant: 'mutant-inject-cumulative',
    params: {},
    expect: expect('with one suspend the cumulative value is the difference', {
      bootNotAhead: [14, "the vCPU that spent its request in the window of suspend 2 runs with MONOTONIC ahead by suspend 2, and the adjustment another vCPU makes for suspend 2 injects it into offs_boot as well: BOOTTIME counts suspend 2 twice"],
      monoNoRewind: [13, `unchanged from v3: ${lostSecondSuspend}`],
      monoNoJump: [12, `unchanged from v3: ${lostSecondSuspend}`],
      bootNoRewind: [13, 'unchanged from v3: BOOTTIME follows the MONOTONIC rewind'],
      bootExact: [13, 'the second IRQ adds the cumulative D1 + D2 instead of D2: suspend 1 is counted twice (v3 holds bootExact here)'],
      bootCatchesUp: lasso(15, 4, `unchanged from v3: ${spinHidesIrq}`),
      vcpuEventuallyEnters: lasso(6, 4, retryRace),
    }),
  },
  {
    name: 'mutant-fix-under-kvm-lock',
    variant: 'mutant-fix-under-kvm-lock',
    params: {},
    expect: expect('the check and re-request under kvm->lock close the race with PM_POST_SUSPEND', {
      lockOrder: [3, 'the vCPU takes kvm->lock inside vcpu->mutex (held across KVM_RUN), against "kvm->lock is taken outside vcpu->mutex": lockdep reports the cycle at the first request processed'],
    }),
  },

  // ---- v3 decided case by case (docs/findings.md) ----
  { name: 'v3/one-suspend', variant: 'v3', params: V3_HOLDS, expect: expect('one suspend, no failure, exact arithmetic: the reference doc\'s inference holds') },
  {
    name: 'v3/failed-suspend',
    variant: 'v3',
    params: { suspends: 1 },
    expect: expect('a failed suspend moves no clock', {
      vcpuEventuallyEnters: lasso(6, 4, 'PM_POST_SUSPEND runs between the d == 0 check and the re-request: with no suspend left, the vCPU spins forever'),
    }),
  },
  {
    name: 'v3/two-suspends',
    variant: 'v3',
    params: { canFail: 0 },
    expect: expect('injection is idempotent', {
      bootNotAhead: [14, "the vCPU that spent its request in the window of suspend 2 runs with MONOTONIC ahead by suspend 2, and the adjustment another vCPU makes for suspend 2 injects it into offs_boot as well: BOOTTIME counts suspend 2 twice"],
      monoNoRewind: [13, lostSecondSuspend],
      monoNoJump: [12, lostSecondSuspend],
      bootNoRewind: [13, lostSecondSuspend],
      bootCatchesUp: lasso(15, 4, `${lostSecondSuspend}: both vCPUs run in the window and inject suspend 1, none ever injects suspend 2`),
    }),
  },
  {
    name: 'v3/ms-truncation',
    variant: 'v3',
    params: { ...V3_HOLDS, tscGranularity: 2 },
    expect: expect('kernel reads use their own page, rewritten after the TSC moved: exact', {
      bootNotAhead: [7, "after the injection, a vDSO read ahead by the truncated part of the suspend (monoNoJump) is a BOOTTIME ahead by as much"],
      monoNoRewind: [7, 'then a kernel read on the same vCPU gives the exact value: back by D mod 1ms'],
      monoNoJump: [6, "kvmclock moved by D, the TSC by D rounded down to whole ms: a vDSO read through vCPU 0's stale page is ahead by D mod 1ms"],
      bootNoRewind: [7, 'BOOTTIME follows MONOTONIC back'],
    }),
  },
  {
    name: 'v3/ms-truncation-with-1ms-tolerance',
    variant: 'v3',
    params: { ...V3_HOLDS, tscGranularity: 2, jumpTolerance: 1 },
    expect: expect('a jump below 1 ms is within the tolerance', {
      monoNoRewind: [7, 'the rewind of D mod 1ms is not excused by any jump tolerance'],
      bootNoRewind: [7, 'BOOTTIME follows MONOTONIC back'],
    }),
  },
  {
    name: 'v3/ms-truncation-kernel-reads-only',
    variant: 'v3',
    params: { ...V3_HOLDS, tscGranularity: 2, vdso: 0 },
    expect: expect('without the vDSO every read uses its own, rewritten page: the truncation cancels out'),
  },
  {
    name: 'v1/ms-truncation',
    variant: 'v1',
    params: { ...V3_HOLDS, tscGranularity: 2 },
    expect: expect('kernel reads are exact', {
      bootNotAhead: [7, "after the injection, a vDSO read ahead by the truncated part of the suspend (monoNoJump) is a BOOTTIME ahead by as much"],
      monoNoRewind: [7, 'v1 truncates the same way (tsc_khz * (ns / 1000000)): vDSO then kernel read go back by D mod 1ms'],
      monoNoJump: [6, "a vDSO read through vCPU 0's stale page is ahead by D mod 1ms"],
      bootNoRewind: [7, 'BOOTTIME follows MONOTONIC back'],
      noSleepInAtomic: [3, atomicKvmLock],
    }),
  },
  { name: 'v3-fixed/ms-truncation', variant: 'v3-fixed', params: { tscGranularity: 2 }, expect: expect('v3-fixed moves the TSC by exactly d') },
  {
    name: 'v3-fixed/three-vcpus',
    variant: 'v3-fixed',
    params: { vcpus: 3, maxAwake: 1, maxSleep: 1 },
    expect: expect('the fix does not depend on the number of vCPUs'),
  },
  {
    name: 'baseline/one-suspend',
    variant: 'baseline',
    params: V3_HOLDS,
    expect: expect('nothing moves backwards', {
      monoNoJump: [6, 'the first read after resume is ahead by exactly the suspend'],
      bootCatchesUp: lasso(7, 4, 'the guest never learns of the suspend'),
    }),
  },

  // ---- the premises (docs/findings.md, "Premises"): what each one does to v3 at one suspend, where
  // v3 holds every property under the thread's premises, and v3-fixed, v1 and the others ----
  {
    name: 'v3/one-suspend/tsc-stops-in-s3',
    variant: 'v3',
    params: { ...V3_HOLDS, hostTsc: 1 },
    expect: expect('kernel reads use their own page, rewritten after both offsets moved', {
      monoNoRewind: [6, "v3 moves the TSC back by the measured sleep, but the TSC did not count it: a vDSO read on vCPU 1 through vCPU 0's page, not yet rewritten, is behind by D"],
      monoNoJump: [7, 'then a kernel read on the same vCPU, through its own rewritten page, is ahead of that read by D'],
      bootNoRewind: [6, 'BOOTTIME follows MONOTONIC back'],
    }),
  },
  {
    name: 'v3/one-suspend/sleep-mismeasured',
    variant: 'v3',
    params: { ...V3_HOLDS, sleepError: 1 },
    expect: expect('the guest injects what the host measured', {
      bootNotAhead: [7, "the TSC is moved back by a measured sleep shorter than it counted: MONOTONIC ahead, with the measured sleep injected"],
      monoNoRewind: [6, 'the TSC counted D, v3 moves it back by the measured D + 1: a vDSO read through the stale page of vCPU 0 is behind'],
      monoNoJump: [6, 'measured D - 1: the TSC ends up ahead by 1 and a vDSO read through the stale page jumps'],
      bootNoRewind: [6, 'BOOTTIME follows MONOTONIC back'],
      vcpuEventuallyEnters: lasso(8, 4, 'a sleep measured as 0 (the RTC counts whole seconds) looks like no sleep: d == 0, and the re-request lands after PM_POST_SUSPEND as after a failed suspend: the vCPU retries forever'),
    }),
  },
  {
    name: 'v3/one-suspend/tsc-scaling',
    variant: 'v3',
    params: { ...V3_HOLDS, tscScaling: 1 },
    expect: expect('the kvmclock adjustment does not go through TSC scaling', {
      bootNotAhead: [6, "the TSC moved the wrong way: MONOTONIC ahead, with the suspend injected"],
      monoNoRewind: [7, 'the garbled TSC offset shows through the vDSO (a read through vCPU 0 page ahead, then a kernel read back)'],
      monoNoJump: [6, "adjust_tsc_offset_host scales a negative adjustment as a huge unsigned one: the TSC moves the wrong way, and a vDSO read through vCPU 0's stale page jumps"],
      bootNoRewind: [7, 'BOOTTIME follows MONOTONIC back'],
      noWarn: [5, 'WARN_ON(adjustment < 0) in adjust_tsc_offset_host, at the first adjustment'],
    }),
  },
  {
    name: 'v3/one-suspend/guest-enables-late',
    variant: 'v3',
    params: { ...V3_HOLDS, lateEnable: 1 },
    expect: expect('with one suspend, a suspend entirely before or after the guest enables the MSR is handled (with two, the first adjustment after the enable hands the guest the suspends before it: bootExact at the defaults)', {
      monoNoJump: [8, 'the guest kernel boots and enables the MSR between PM_SUSPEND_PREPARE and the freeze: the notifier had returned early (virt_suspend_time_enabled was false), so no vCPU is asked to adjust: MONOTONIC jumps by the suspend'],
      bootCatchesUp: lasso(8, 4, 'and nothing ever injects that suspend into BOOTTIME'),
    }),
  },
  {
    name: 'v3/one-suspend/guest-reboots',
    variant: 'v3',
    params: { ...V3_HOLDS, reboot: 1 },
    expect: expect('a kexec (no reset) leaves MONOTONIC alone', {
      bootNotAhead: [10, "MONOTONIC runs ahead by the suspend (monoNoJump) while the interrupt also puts it into offs_boot: BOOTTIME counts it twice"],
      monoNoRewind: [11, "vCPU 0 adjusts for the suspend, then the guest reboots through the VMM: the reset writes every TSC and kvm_synchronize_tsc matches vCPU 1's to vCPU 0's (already moved back); vCPU 1's request is still pending and moves its TSC back a second time: from then on a vDSO read on vCPU 1 through vCPU 0's page is behind"],
      monoNoJump: [11, 'the same TSC, one suspend apart from vCPU 0, read through the two pages in the other order'],
      bootNoRewind: [11, 'BOOTTIME follows MONOTONIC back'],
      bootExact: [9, "a suspend while the guest is down is adjusted (the MSR stays enabled); the new kernel starts with tk->kvm_suspend_time = 0 and the first adjustment after its boot interrupts it with the whole cumulative value: BOOTTIME counts a suspend from before it booted"],
    }),
  },
  {
    name: 'v3/one-suspend/migration',
    variant: 'v3',
    params: { ...V3_HOLDS, migrate: 1 },
    expect: expect('a migration after every vCPU has adjusted loses nothing', {
      bootNotAhead: [10, "the vCPU whose adjustment was lost in the migration runs with MONOTONIC ahead by the suspend, which the other vCPU's adjustment had already injected"],
      monoNoRewind: [10, "vCPU 0 moved kvmclock for the suspend, vCPU 1 had not yet moved its TSC; its request bit is not migrated and the destination starts suspend_time_ns at 0: vCPU 1 runs with its TSC ahead, a vDSO read through vCPU 0's page is ahead and its kernel read goes back"],
      monoNoJump: [8, 'the same vCPU 1 jumps by the suspend'],
      bootNoRewind: [10, 'BOOTTIME follows MONOTONIC back'],
      bootCatchesUp: lasso(8, 4, "migrated after the resume and before any vCPU ran: the destination's base_offs_boot_ns is taken after the suspend, so it is never adjusted nor injected"),
    }),
  },
  {
    name: 'v3/one-suspend/guest-tsc-clocksource-tsc-resets',
    variant: 'v3',
    params: { ...V3_HOLDS, guestClock: 1, hostTsc: 2 },
    expect: expect('(kvmclock readers: v3/one-suspend/tsc-resets-in-s3)', {
      monoNoRewind: [6, "the TSC reset in S3 and kvm_arch_hardware_enable already made every guest TSC continuous; v3 moves it back by the sleep once more: a guest on the TSC clocksource reads it going back"],
      bootNoRewind: [6, 'BOOTTIME follows MONOTONIC back'],
    }),
  },
  {
    name: 'v3/one-suspend/tsc-resets-in-s3',
    variant: 'v3',
    params: { ...V3_HOLDS, hostTsc: 2 },
    expect: expect('kernel reads through pages without PVCLOCK_TSC_STABLE_BIT are clamped by pvclock last_value', {
      monoNoRewind: [6, "kvm_arch_hardware_enable already kept every guest TSC continuous over the reset; v3 moves it back by the sleep once more. vCPU 0's page, written before the masterclock was lost, keeps PVCLOCK_TSC_STABLE_BIT until vCPU 0 runs again, so the vDSO on vCPU 1 still reads it, unclamped, with vCPU 1's moved-back TSC"],
      monoNoJump: [7, "vCPU 1's own page, rewritten without the masterclock, gives boot time: a kernel read after that vDSO read is ahead by the sleep"],
      bootNoRewind: [6, 'BOOTTIME follows MONOTONIC back'],
    }),
  },
  {
    name: 'baseline/one-suspend/tsc-resets-in-s3',
    variant: 'baseline',
    params: { ...V3_HOLDS, hostTsc: 2 },
    expect: expect('upstream KVM', {
      monoNoRewind: [7, "vCPU 1's page is rewritten without the masterclock and includes the sleep; vCPU 0's page, still with PVCLOCK_TSC_STABLE_BIT, runs on a TSC that kvm_arch_hardware_enable kept continuous and does not: a kernel read on vCPU 1 then a vDSO read on it, through vCPU 0's page, goes back by the sleep"],
      monoNoJump: [6, 'the kernel read through the rewritten page jumps by the sleep'],
      bootNoRewind: [7, 'BOOTTIME follows MONOTONIC back'],
      bootCatchesUp: lasso(7, 4, 'the guest never learns of the suspend'),
    }),
  },
  {
    name: 'v3/three-suspends-one-vcpu',
    variant: 'v3',
    params: { vcpus: 1, suspends: 3, canFail: 0, vdso: 0, maxAwake: 0, maxSleep: 1 },
    expect: expect('the skipped adjustment is not lost but deferred', {
      monoNoJump: [12, lostSecondSuspend],
      monoNoRewind: [17, "the adjustment skipped for suspend 2 is made at the first pass after PM_SUSPEND_PREPARE of suspend 3 (d = D2, no sleep yet): one vCPU, kernel reads only, the clocksource goes back by the whole of suspend 2 (the guest's timekeeping clamps to its last update: MONOTONIC goes back by up to a tick, then stands still for the rest)"],
      bootNoRewind: [17, 'BOOTTIME follows MONOTONIC back'],
      bootCatchesUp: lasso(12, 2, 'with one vCPU the interrupt for suspend 1 is delivered in the window of suspend 2 and suspend 2 is never injected while no further suspend comes'),
    }),
  },
  {
    name: 'v1/one-suspend/tsc-stops-in-s3',
    variant: 'v1',
    params: { ...V3_HOLDS, hostTsc: 1 },
    expect: expect('kernel reads use their own page', {
      monoNoRewind: [6, 'v1 moves every TSC back by the measured sleep, which the TSC did not count: a vDSO read through a stale page is behind by D'],
      bootNoRewind: [6, 'BOOTTIME follows MONOTONIC back'],
      noSleepInAtomic: [3, atomicKvmLock],
    }),
  },
  ...(
    [
      ['tsc-stops-in-s3', { hostTsc: 1 }],
      ['tsc-resets-in-s3', { hostTsc: 2 }],
      ['sleep-mismeasured', { sleepError: 1 }],
      ['guest-tsc-clocksource-tsc-resets', { guestClock: 1, hostTsc: 2 }],
      ['unstable-tsc', { unstableTsc: 1 }],
      ['tsc-scaling', { tscScaling: 1 }],
      ['guest-enables-late', { lateEnable: 1 }],
      ['guest-reboots-with-async-pf', { reboot: 1, asyncPf: 1 }],
      ['migration', { migrate: 1 }],
      ['vm-ioctl-locks', { vmIoctl: 1, suspends: 1 }],
    ] as const
  ).map(
    ([premise, params]): CheckConfig => ({
      name: `v3-fixed/${premise}`,
      variant: 'v3-fixed',
      params,
      expect: expect('the fix handles the premise (docs/findings.md)'),
    }),
  ),
  {
    name: 'v3-fixed/guest-tsc-clocksource-unstable-tsc',
    variant: 'v3-fixed',
    params: { guestClock: 1, unstableTsc: 1 },
    expect: expect('kvmclock guests hold on an unstable host TSC (v3-fixed/unstable-tsc); this is the one pair of premises v3-fixed does not handle', {
      monoNoJump: [7, "with an unstable host TSC, kvm_guest_time_update's catch-up (tsc_catchup, compute_guest_tsc from boot time, suspend included) pushes the guest TSC back up by the sleep v3-fixed took out of it: a guest whose clocksource is the TSC sees MONOTONIC jump. v3-fixed would have to move the catch-up's base (this_tsc_nsec) by the sleep too"],
      bootNotAhead: [8, 'and the injection counts that sleep a second time in BOOTTIME'],
    }),
  },
  {
    name: 'marc-userspace-strong/suspend-waits-for-vmm/guest-tsc-clocksource-unstable-tsc',
    variant: 'marc-userspace-strong',
    params: { vmmNotice: 2, guestClock: 1, unstableTsc: 1 },
    expect: expect('as v3-fixed', {
      monoNoJump: [9, "KVM's catch-up on an unstable host TSC undoes the VMM's TSC move, and userspace cannot reach the catch-up's base"],
      bootNotAhead: [10, 'and the drift counts that sleep a second time in BOOTTIME'],
    }),
  },
  {
    name: 'marc-userspace-strong/logind-delay',
    variant: 'marc-userspace-strong',
    params: { vmmNotice: 1 },
    expect: expect('when the VMM stopped its vCPUs in time, it moves the counters back before they run', {
      bootNotAhead: [9, "the suspend went on before the VMM stopped its vCPUs: MONOTONIC already jumped by the suspend (no counter moved), and the drift the VMM posts adds it to offs_boot as well: BOOTTIME counts the suspend twice"],
      monoNoJump: [7, "logind sends PrepareForSleep, but its delay lock does not make the kernel wait for the VMM: the suspend starts and freezes the VMM before it has stopped its vCPUs; after the thaw they run on the unadjusted counters"],
    }),
  },
  {
    name: 'marc-userspace-strong/suspend-waits-for-vmm',
    variant: 'marc-userspace-strong',
    params: { vmmNotice: 2 },
    expect: expect('with a suspend that waits until the VMM has stopped its vCPUs, userspace moves kvmclock and the TSCs back before they run, and posts the drift'),
  },
  {
    name: 'marc-userspace-strong/suspend-waits-for-vmm/sleep-mismeasured',
    variant: 'marc-userspace-strong',
    params: { vmmNotice: 2, sleepError: 1 },
    expect: expect('the VMM moves kvmclock by what offs_boot grew and the TSC by what it counted, each on its own'),
  },
  ...(
    [
      ['tsc-stops-in-s3', { hostTsc: 1 }],
      ['tsc-resets-in-s3', { hostTsc: 2 }],
      ['tsc-scaling', { tscScaling: 1 }],
      ['guest-enables-late', { lateEnable: 1 }],
      ['guest-reboots', { reboot: 1 }],
      ['migration', { migrate: 1 }],
    ] as const
  ).map(
    ([premise, params]): CheckConfig => ({
      name: `marc-userspace-strong/suspend-waits-for-vmm/${premise}`,
      variant: 'marc-userspace-strong',
      params: { vmmNotice: 2, ...params },
      expect: expect('given a suspend that waits for it, the VMM handles the premise as v3-fixed does (docs/findings.md)'),
    }),
  ),
  {
    name: 'mutant-fix-under-kvm-lock/vm-ioctl',
    variant: 'mutant-fix-under-kvm-lock',
    params: { vmIoctl: 1, suspends: 1 },
    expect: expect('without a thread that takes kvm->lock and then vcpu->mutex, the inversion is only a lockdep report', {
      lockOrder: [3, 'vcpu->mutex -> kvm->lock against the documented order'],
      deadlock: [5, "the VMM's ioctl holds kvm->lock and waits for vCPU 0's vcpu->mutex; vCPU 0, inside KVM_RUN, waits for kvm->lock to re-request: ABBA, and nothing but the other vCPU's exits and entries can happen"],
      bootCatchesUp: lasso(9, 0, 'the same deadlock with a suspend resumed: no step at all is left, and nothing is injected'),
      vcpuEventuallyEnters: lasso(7, 0, 'the deadlocked vCPU never enters again'),
    }),
  },
  {
    name: 'guest-sync-strict/tsc-stops-in-s3',
    variant: 'guest-sync-strict',
    params: { ...V3_HOLDS, hostTsc: 1 },
    expect: expect('MONOTONIC stops while the guest is suspended, as on bare metal', {
      bootCatchesUp: lasso(10, 4, "the guest measures its own sleep with its clocksource, kvmclock written from the masterclock's snapshot over a TSC that stopped: it sees no time pass, and BOOTTIME never gets the host's sleep"),
    }),
  },
  {
    name: 'baseline/one-suspend/tsc-stops-in-s3',
    variant: 'baseline',
    params: { ...V3_HOLDS, hostTsc: 1 },
    expect: expect("kvmclock pages are written from the masterclock's snapshot over a TSC that stopped: no jump while nothing refreshes the masterclock", {
      bootCatchesUp: lasso(7, 4, 'the guest never learns of the suspend'),
    }),
  },

  // ---- each mutant, where v3 itself holds every property ----
  ...(
    [
      ['mutant-request-after-entry', { monoNoRewind: 9, monoNoJump: 6, bootNoRewind: 9, bootNotAhead: 10 }],
      ['mutant-no-retry', { monoNoRewind: 8, monoNoJump: 7, bootNoRewind: 8, bootNotAhead: 9, bootCatchesUp: [7, 4] }],
      ['mutant-post-clears-all', { monoNoRewind: 8, monoNoJump: 7, bootNoRewind: 8, bootNotAhead: 9, bootCatchesUp: [7, 4] }],
      ['mutant-vm-adjust-per-vcpu', { monoNoRewind: 7, monoNoJump: 8, bootNoRewind: 7 }],
      ['mutant-irq-before-adjust', { monoNoRewind: 9, monoNoJump: 6, bootNoRewind: 9, bootNotAhead: 7 }],
    ] as const
  ).map(([variant, steps]): CheckConfig => ({
    name: `${variant}/isolated`,
    variant,
    params: V3_HOLDS,
    expect: expect(
      'v3 holds every property with these parameters',
      Object.fromEntries(
        Object.entries(steps).map(([p, n]): [string, Violation] => {
          const why = 'caught: see the default configuration for the mechanism';
          return [p, typeof n === 'number' ? [n, why] : lasso(n[0], n[1], why)];
        }),
      ),
    ),
  })),

  // ---- arm64 (docs/model.md, "arm64"; /work/notes/arm64-kernel.md) ----------------------------
  ...arm64Configs(),
];

/** The expectations recorded for a variant at fully resolved parameters. */
export function expectationFor(variant: string, resolved: Readonly<Record<string, number>>): Record<string, Expectation> | undefined {
  const defaults = defaultsRef.defaults.get(variant) ?? {};
  for (const c of configs) {
    if (c.variant !== variant) continue;
    const full = { ...defaults, ...c.params };
    if (Object.keys(resolved).every((k) => full[k] === resolved[k])) return c.expect;
  }
  return undefined;
}

// Each model's default parameters (architectures differ), filled by
// specs/kvm.ts to avoid an import cycle.
export const defaultsRef: { defaults: Map<string, Record<string, number>> } = { defaults: new Map() };
