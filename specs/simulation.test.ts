// Random simulation finds what exhaustive checking finds in v3 at the
// default parameters, for a fixed seed, where a walk can decide it (the
// safety properties), and its counterexamples are real; the liveness
// properties v3 violates are left to exhaustive search.
import { describe, expect, it } from 'vitest';
import { compileModel, replayInstances, selectProperties, simulate, Stepper, walkJudges } from '../checker/index.js';
import { configs } from './configs.js';
import { kvmModels } from './kvm.js';

const v3 = kvmModels.find((m) => m.name === 'v3')!;
const compiled = compileModel(v3, {});
const expected = configs.find((c) => c.name === 'v3')!.expect;
const allViolated = Object.entries(expected).filter(([, e]) => e.verdict === 'violated');
const judged = (name: string) => walkJudges(compiled, compiled.properties.find((p) => p.name === name)!);
/** What walks can violate: invariants and step properties (and deadlock at a dead end, which v3 has none of). */
const violated = allViolated.filter(([p]) => judged(p) === 'all');

describe('simulate v3 (2 vCPUs, 2 suspends), seed 1', () => {
  it('covers every property v3 violates at the defaults that simulation can decide; the liveness ones are left to exhaustive search', () => {
    expect(violated.map(([p]) => p)).toEqual(['monoNoRewind', 'monoNoJump', 'bootNoRewind', 'bootNotAhead']);
    const left = allViolated.filter(([p]) => judged(p) !== 'all');
    expect(left.map(([p, e]) => [p, compiled.properties.find((q) => q.name === p)!.kind, e.loop !== undefined])).toEqual([
      ['bootCatchesUp', 'leadsTo', true],
      ['vcpuEventuallyEnters', 'leadsTo', true],
    ]);
    // Walks through the very interleavings that violate them (v3 spins within 10 steps: lasso 6+4) still give them no verdict.
    const r = simulate(compiled, { seed: 1, runs: 300, depth: 100, swarm: true });
    expect(r.violation).toBeDefined();
    for (const [p] of left) {
      expect(r.properties.find((q) => q.name === p)).toMatchObject({ verdict: 'unknown', note: 'liveness: simulation gives no verdict' });
    }
    const live = selectProperties(compiled, left.map(([p]) => p));
    const none = simulate(live, { seed: 1, runs: 300, depth: 100, swarm: true });
    expect(none.violation).toBeUndefined();
    expect(none.properties.map((p) => [p.name, p.verdict, p.note])).toEqual(
      left.map(([p]) => [p, 'unknown', 'liveness: simulation gives no verdict']),
    );
  });

  for (const swarm of [false, true]) {
    for (const [name, e] of violated) {
      it(`${swarm ? 'swarm' : 'uniform'}: finds ${name} within 5,000 runs, shrunk no shorter than BFS's ${e.steps} steps, and the trace replays to it`, () => {
        const m = selectProperties(compileModel(v3, {}), [name]);
        const r = simulate(m, { seed: 1, runs: 5000, depth: 100, swarm });
        expect(r.violation?.property).toBe(name);
        const t = r.properties[0]!.trace!;
        expect(t.actions.length).toBeGreaterThanOrEqual(e.steps!);
        // The same actions from the initial state, re-executed, end in the violation.
        const again = replayInstances(m, t.initIndex, t.actions.map((a) => a.index), name, t.kind);
        expect(again.states.map((s) => Array.from(s))).toEqual(t.states.map((s) => Array.from(s)));
        const last = t.actions.length;
        const view = m.layout.view();
        if (t.kind === 'invariant') {
          view.bind(t.states[last]!, 0);
          expect(m.invariants[0]!.check(view)).toBe(false);
        } else {
          const st = new Stepper(m);
          st.fire(t.states[last - 1]!, 0, t.actions[last - 1]!.index);
          expect(m.stepProperties[0]!.check(st.cur, t.actions[last - 1]!, st.next)).toBe(false);
        }
      });
    }
  }

  it('v3-fixed: nothing in 300 runs, and every verdict stays unknown (simulation cannot show a property holds)', () => {
    const r = simulate(compileModel(kvmModels.find((m) => m.name === 'v3-fixed')!, {}), { seed: 1, runs: 300, depth: 100, swarm: true });
    expect(r.violation).toBeUndefined();
    expect(r.runsDone).toBe(300);
    expect(new Set(r.properties.map((p) => p.verdict))).toEqual(new Set(['unknown']));
    // The KVM model declares stuttering steps: deadlock is decided on the state graph, which walks do not have.
    expect(r.properties.find((p) => p.name === 'deadlock')!.note).toBe(
      'no dead end in 300 runs; stuck with only stuttering steps left is decided on the state graph',
    );
  });
});
