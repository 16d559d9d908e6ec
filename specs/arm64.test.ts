// arm64: what the traces show, replayed step by step, and the thread's
// question decided over every arm64 configuration in specs/configs.ts.
// (Every configuration's verdicts and trace lengths: configs.test.ts.)
import { describe, expect, it } from 'vitest';
import { check, compileModel, instanceByLabel, replayInstances, type CompiledModel } from '../checker/index.js';
import { cntpct, cntvct, type Arm64State } from '../model/arch/arm64.js';
import { sharedProperties } from './properties.js';
import { configs } from './configs.js';
import { kvmArchOf, kvmModels } from './kvm.js';

const byName = new Map(kvmModels.map((m) => [m.name, m]));

/** The states of a run given by its action labels. */
function run(m: CompiledModel, labels: readonly string[]): Arm64State[] {
  const instances = labels.map((l) => {
    const i = instanceByLabel(m, l);
    if (!i) throw new Error(`no action ${l}`);
    return i.index;
  });
  const t = replayInstances(m, 0, instances, 'monoNoJump', 'step');
  return t.states.map((s) => {
    const v = m.layout.view() as unknown as Arm64State;
    v.bind(s, 0);
    return v;
  });
}

const ctxOf = (m: CompiledModel) => ({ p: m.params, b: {}, n: m.params.vcpus }) as never;

describe('arm64: the counters across one suspend', () => {
  const suspend = ['pmSuspendPrepare', 'freezeTasks', 'hostSleep(1)', 'thawTasks'];

  it('baseline: both counters jump by the suspend; arm64-v3: CNTVCT goes on where it stopped and CNTPCT jumps (only CNTVOFF moved); arm64-v3-ecv: both go on', () => {
    const at = (variant: string) => {
      const m = compileModel(byName.get(variant)!, { suspends: 1, canFail: 0 });
      const s = run(m, [...suspend, 'vcpuRun(0)']).at(-1)!;
      return [cntvct(s, ctxOf(m), 0), cntpct(s, 0)];
    };
    expect(at('arm64-baseline')).toEqual([1, 1]);
    expect(at('arm64-v3')).toEqual([0, 1]);
    expect(at('arm64-v3-ecv')).toEqual([0, 0]);
    expect(at('arm64-stolen-time')).toEqual([1, 1]);
  });

  it("a nested guest's virtual counter follows poffset, not voffset: arm64-v3 moves nothing it reads", () => {
    const m = compileModel(byName.get('arm64-v3')!, { suspends: 1, canFail: 0, nv: 1 });
    const s = run(m, [...suspend, 'vcpuRun(0)']).at(-1)!;
    expect(s.vcpu[0]!.cntvoff).toBe(1);
    expect(cntvct(s, ctxOf(m), 0)).toBe(1);
  });

  it('the virtual timer due one tick after it was set: after a one-tick suspend, arm64-v3 fires it when the guest was awake that tick (CNTPCT one suspend later); baseline at once, on entry', () => {
    const timed = ['vcpuRun(0)', 'vtimerProgram', 'vcpuExit(0)', ...suspend, 'pmPostSuspend', 'vcpuRun(0)'];
    const v3 = compileModel(byName.get('arm64-v3')!, { suspends: 1, canFail: 0 });
    // Not yet due in guest time: the offset took the suspend out.
    const beforeTick = run(v3, timed).at(-1)!;
    expect(cntvct(beforeTick, ctxOf(v3), 0)).toBe(0);
    expect(beforeTick.vtimerCval).toBe(1);
    const fired = run(v3, [...timed, 'tick', 'vtimerFire']);
    const atFire = fired.at(-2)!;
    expect([cntvct(atFire, ctxOf(v3), 0), cntpct(atFire, 0)]).toEqual([1, 2]);
    const base = compileModel(byName.get('arm64-baseline')!, { suspends: 1, canFail: 0 });
    const s = run(base, [...timed, 'vtimerFire']).at(-2)!;
    expect([cntvct(s, ctxOf(base), 0), s.hostAwake]).toEqual([1, 0]);
  });
});

describe("the thread's question: MONOTONIC that does not jump, and a counter that stays architectural", () => {
  const arm64Configs = configs.filter((c) => kvmArchOf.get(c.variant) === 'arm64');

  it('in every arm64 configuration recorded, both hold only where the guest suspends itself (guest-sync): no design does it without the guest', () => {
    expect(arm64Configs.length).toBeGreaterThanOrEqual(20);
    const both = arm64Configs.filter((c) => c.expect.monoNoJump!.verdict === 'holds' && c.expect.architecturalCounter!.verdict === 'holds');
    expect(both.map((c) => c.variant)).toEqual(['arm64-guest-sync', 'arm64-guest-sync']);
    // Each design without the guest's cooperation gives up one or the other somewhere it is pinned.
    for (const d of ['arm64-baseline', 'arm64-v3', 'arm64-v3-ecv', 'arm64-userspace', 'arm64-stolen-time']) {
      const own = arm64Configs.filter((c) => c.variant === d);
      expect(own.length, d).toBeGreaterThan(0);
      expect(own.every((c) => c.expect.monoNoJump!.verdict === 'violated' || c.expect.architecturalCounter!.verdict === 'violated'), d).toBe(true);
    }
  });

  it('the checker agrees at the defaults: each design gives up monoNoJump or architecturalCounter except guest-sync', () => {
    for (const d of ['arm64-baseline', 'arm64-v3', 'arm64-v3-ecv', 'arm64-userspace', 'arm64-stolen-time', 'arm64-guest-sync']) {
      const r = check(compileModel(byName.get(d)!, { suspends: 1, canFail: 0, vmmNotice: 2 }), { continueAfterViolation: true });
      const v = (p: string) => r.properties.find((x) => x.name === p)!.verdict;
      expect(v('monoNoJump') === 'holds' && v('architecturalCounter') === 'holds', d).toBe(d === 'arm64-guest-sync');
    }
  });
});

describe('the shared parts are shared', () => {
  it('every model, x86 or arm64, is checked against the shared properties first, with the same definitions', () => {
    const shared = sharedProperties({ p: { jumpTolerance: 0 } as never, b: {} as never, n: 2 }).map((p) => [p.name, p.doc]);
    for (const def of kvmModels) {
      const m = compileModel(def, {});
      expect(m.properties.slice(0, shared.length).map((p) => [p.name, p.doc]), def.name).toEqual(shared);
    }
  });
});
