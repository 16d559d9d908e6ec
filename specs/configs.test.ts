// Every check configuration in specs/ against the model: verdicts and
// shortest-counterexample lengths as recorded, with their traces replayable.
import { describe, expect, it } from 'vitest';
import { check, compileModel, instanceByLabel, judgeLasso, replayInstances } from '../checker/index.js';
import { configs, expectationFor } from './configs.js';
import { kvmArchOf, kvmModels } from './kvm.js';

const byName = new Map(kvmModels.map((m) => [m.name, m]));

describe('check configurations', () => {
  for (const c of configs) {
    it(`${c.name}: ${Object.entries(c.params).map(([k, v]) => `${k}=${v}`).join(' ') || 'defaults'}`, () => {
      const m = compileModel(byName.get(c.variant)!, c.params);
      const r = check(m, { continueAfterViolation: true });
      expect(r.complete).toBe(true);
      const loopOf = (loopStart: number | undefined, n: number) => (loopStart === undefined ? '' : ` loop ${n - loopStart}`);
      const got = Object.fromEntries(
        r.properties.map((p) => [p.name, p.trace ? `${p.verdict} ${p.trace.actions.length}${loopOf(p.trace.loopStart, p.trace.actions.length)}` : p.verdict]),
      );
      const want = Object.fromEntries(
        Object.entries(c.expect).map(([p, e]) => [p, e.steps !== undefined ? `${e.verdict} ${e.steps}${e.loop !== undefined ? ` loop ${e.loop}` : ''}` : e.verdict]),
      );
      expect(got).toEqual(want);
      for (const p of r.properties) {
        if (!p.trace) continue;
        // The trace replays from its initial state to the same final state; a lasso is a real fair counterexample.
        const again = replayInstances(m, p.trace.initIndex, p.trace.actions.map((a) => a.index), p.name, p.kind);
        expect(Array.from(again.states.at(-1)!)).toEqual(Array.from(p.trace.states.at(-1)!));
        if (p.trace.loopStart !== undefined) {
          const live = m.liveness.find((l) => l.name === p.name)!;
          const j = judgeLasso(m, live, again.states, p.trace.actions.map((a) => a.index), p.trace.loopStart, 'model');
          expect(j.closes && j.unfair === undefined && j.violatedFor.length > 0, `${p.name}: ${JSON.stringify(j)}`).toBe(true);
        }
      }
    });
  }
});

describe('coverage of the configurations', () => {
  it('every design has a configuration at its default parameters, found by compare', () => {
    for (const m of kvmModels) expect(expectationFor(m.name, compileModel(m, {}).params), m.name).toBeDefined();
  });

  it('every expectation names every property of its model, with a reason', () => {
    for (const c of configs) {
      const names = compileModel(byName.get(c.variant)!, c.params).properties.map((p) => p.name);
      expect(Object.keys(c.expect).sort(), c.name).toEqual([...names].sort());
      for (const e of Object.values(c.expect)) expect(e.why.length).toBeGreaterThan(10);
    }
  });

  it('each mutant is caught where v3 itself holds everything', () => {
    const v3 = configs.find((c) => c.name === 'v3/one-suspend')!;
    expect(Object.values(v3.expect).every((e) => e.verdict === 'holds')).toBe(true);
    for (const d of kvmModels.filter((d) => d.name.startsWith('mutant-') && kvmArchOf.get(d.name) === 'x86')) {
      const own = configs.filter((c) => c.variant === d.name);
      const v3At = (params: Record<string, number>) =>
        check(compileModel(byName.get('v3')!, params), { continueAfterViolation: true }).properties;
      // Some configuration of the mutant violates a property that v3 holds there.
      const caught = own.some((c) => {
        const v3Props = v3At(c.params as Record<string, number>);
        return Object.entries(c.expect).some(([p, e]) => e.verdict === 'violated' && v3Props.find((x) => x.name === p)!.verdict === 'holds');
      });
      expect(caught, d.name).toBe(true);
    }
  });
});

describe('what the traces show', () => {
  it('baseline: the first read after resume is ahead by exactly the suspend duration', () => {
    // BFS finds the 1-tick sleep first; replay the same interleaving for every duration.
    for (const d of [1, 2, 3]) {
      const m = compileModel(byName.get('baseline')!, { suspends: 1, canFail: 0, maxSleep: 3 });
      const labels = ['pmSuspendPrepare', 'freezeTasks', `hostSleep(${d})`, 'thawTasks', 'vcpuRun(0)', 'readClock(0,0)'];
      const t = replayInstances(m, 0, labels.map((l) => instanceByLabel(m, l)!.index), 'monoNoJump', 'step');
      const [before, after]: any[] = [m.layout.view(), m.layout.view()];
      before.bind(t.states.at(-2)!, 0);
      after.bind(t.states.at(-1)!, 0);
      expect(after.lastMono - before.lastMono - (after.lastAwake - before.lastAwake)).toBe(d);
      expect(m.stepProperties.find((p) => p.name === 'monoNoJump')!.check(before, t.actions.at(-1)!, after)).toBe(false);
    }
    // And BFS reports that interleaving as the shortest one.
    const r = check(compileModel(byName.get('baseline')!, { suspends: 1, canFail: 0 }), { continueAfterViolation: true });
    expect(r.properties.find((p) => p.name === 'monoNoJump')!.trace!.actions.map((a) => a.label)).toEqual([
      'pmSuspendPrepare', 'freezeTasks', 'hostSleep(1)', 'thawTasks', 'vcpuRun(0)', 'readClock(0,0)',
    ]);
  });

  it('v3 with two suspends: the jump is exactly the second suspend, which no request covered', () => {
    const m = compileModel(byName.get('v3')!, { canFail: 0 });
    const t = check(m, { continueAfterViolation: true }).properties.find((p) => p.name === 'monoNoJump')!.trace!;
    const labels = t.actions.map((a) => a.label);
    expect(labels).toEqual([
      'pmSuspendPrepare', 'freezeTasks', 'hostSleep(1)', 'thawTasks', 'pmPostSuspend',
      'pmSuspendPrepare', 'vcpuRun(0)', 'freezeTasks', 'hostSleep(1)', 'thawTasks', 'vcpuRun(0)', 'readClock(0,0)',
    ]);
  });

  it('v3 after a failed suspend: the request is re-set after PM_POST_SUSPEND, so the vCPU retries forever (a lasso)', () => {
    const m = compileModel(byName.get('v3')!, { suspends: 1 });
    const t = check(m, { continueAfterViolation: true }).properties.find((p) => p.name === 'vcpuEventuallyEnters')!.trace!;
    expect(t.subject).toBe(0);
    // (vCPU 1 first takes in the clock update KVM asked for at PM_SUSPEND_PREPARE: kvm_set_guest_paused.)
    expect(t.actions.slice(0, t.loopStart).map((a) => a.label)).toEqual(['pmSuspendPrepare', 'vcpuRun(0)', 'suspendFail', 'pmPostSuspend', 'vcpuRun(1)', 'vcpuRetry(0)']);
    // The loop: vCPU 0 re-requests and retries forever, while vCPU 1 (fairly) keeps entering and leaving.
    const loop = t.actions.slice(t.loopStart).map((a) => a.label);
    expect(loop.filter((l) => l.endsWith('(0)')).sort()).toEqual(['vcpuRetry(0)', 'vcpuRun(0)']);
    expect(loop).toContain('vcpuRun(1)');
    expect(loop).toContain('vcpuExit(1)');
    // On every state of the loop vCPU 0 is out of guest mode, and the host has nothing left to do.
    const v: any = m.layout.view();
    for (const s of t.states.slice(t.loopStart)) {
      v.bind(s, 0);
      expect(v.vcpu[0].pc).not.toBe(2);
      expect(v.hostPhase).toBe(0);
    }
  });

  it('v3-fixed: every vCPU enters, and BOOTTIME catches up, under the kernel fairness; without fairness a vCPU may starve', () => {
    const m = compileModel(byName.get('v3-fixed')!, {});
    const fair = check(m, { continueAfterViolation: true });
    expect(fair.properties.filter((p) => p.verdict !== 'holds').map((p) => p.name)).toEqual([]);
    const unfair = check(m, { continueAfterViolation: true, fairness: 'none' });
    expect(unfair.properties.find((p) => p.name === 'vcpuEventuallyEnters')!.verdict).toBe('violated');
    expect(unfair.properties.find((p) => p.name === 'bootCatchesUp')!.verdict).toBe('violated');
  });
});
