// Random simulation finds what exhaustive checking finds in v3 at the
// default parameters, for a fixed seed, and its counterexamples are real.
import { describe, expect, it } from 'vitest';
import { compileModel, replayInstances, selectProperties, simulate, Stepper } from '../checker/index.js';
import { configs } from './configs.js';
import { kvmModels } from './kvm.js';

const v3 = kvmModels.find((m) => m.name === 'v3')!;
const expected = configs.find((c) => c.name === 'v3')!.expect;
const violated = Object.entries(expected).filter(([, e]) => e.verdict === 'violated');

describe('simulate v3 (2 vCPUs, 2 suspends), seed 1', () => {
  it('covers every property v3 violates at the defaults', () => {
    expect(violated.map(([p]) => p)).toEqual(['monoNoRewind', 'monoNoJump', 'bootNoRewind', 'bootCatchesUp', 'noRetrySpin']);
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
  });
});
