// The engine against a naive reference explorer on random transition systems.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { check, compileModel, Stepper, type CheckResult, type CompiledModel, type Trace } from './index.js';
import { graphModel, graphSpec } from './test-support/randomModel.js';
import { keyOf, naiveExplore } from './test-support/naive.js';

function reachable(m: CompiledModel, opts: Parameters<typeof check>[1]): { r: CheckResult; states: Set<string> } {
  const states = new Set<string>();
  const r = check(m, { ...opts, onState: (s) => states.add(keyOf(s)) });
  return { r, states };
}

/** Replays a trace independently and says whether it ends in its violation. */
function traceShowsViolation(m: CompiledModel, t: Trace): boolean {
  const st = new Stepper(m);
  let s = m.inits[t.initIndex]!;
  if (keyOf(s) !== keyOf(t.states[0]!)) return false;
  for (let k = 0; k < t.actions.length; k++) {
    const next = st.apply(s, t.actions[k]!.index);
    if (!next || keyOf(next) !== keyOf(t.states[k + 1]!)) return false;
    if (t.kind === 'step' && k === t.actions.length - 1) {
      st.fire(s, 0, t.actions[k]!.index);
      const p = m.stepProperties.find((p) => p.name === t.property)!;
      return !p.check(st.cur, t.actions[k]!, st.next);
    }
    s = next;
  }
  const v = m.layout.view();
  v.bind(s, 0);
  if (t.kind === 'invariant') return !m.invariants.find((p) => p.name === t.property)!.check(v);
  // deadlock: nothing enabled, and not a legal end
  return m.instances.every((i) => st.apply(s, i.index) === null) && !(m.legalEnd?.(v) ?? false);
}

describe('engine vs naive explorer (random transition systems)', () => {
  it('same reachable set, transitions and verdicts; BFS traces shortest; all traces replay', () => {
    fc.assert(
      fc.property(graphSpec, fc.boolean(), (g, exact) => {
        const m = compileModel(graphModel(g));
        const naive = naiveExplore(m);
        for (const strategy of ['bfs', 'dfs'] as const) {
          const { r } = reachable(m, { strategy, exact, continueAfterViolation: true });
          r.properties.forEach((p, i) => {
            const expected = naive.shortest[i]! >= 0 ? 'violated' : 'holds';
            if (r.complete || p.verdict === 'violated') expect(p.verdict).toBe(expected);
            if (p.trace) {
              expect(traceShowsViolation(m, p.trace)).toBe(true);
              if (strategy === 'bfs') expect(p.trace.actions.length).toBe(naive.shortest[i]);
            }
          });
          if (r.complete) {
            expect(r.stats.distinct).toBe(naive.reachable.size);
            expect(r.stats.transitions).toBe(naive.transitions);
          }
        }
        // Without properties nothing stops the search early: compare the sets.
        const bare = compileModel(graphModel(g, false));
        const nb = naiveExplore(bare);
        for (const strategy of ['bfs', 'dfs'] as const) {
          const { r, states } = reachable(bare, { strategy, exact });
          expect(r.complete).toBe(true);
          expect(states).toEqual(nb.reachable);
          expect(r.stats.transitions).toBe(nb.transitions);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('a depth-bounded DFS finds exactly the states within the bound', () => {
    fc.assert(
      fc.property(graphSpec, fc.integer({ min: 0, max: 6 }), (g, bound) => {
        const m = compileModel(graphModel(g, false));
        const bfsStates = reachable(m, { strategy: 'bfs', maxDepth: bound }).states;
        const dfsStates = reachable(m, { strategy: 'dfs', maxDepth: bound, exact: true }).states;
        expect(dfsStates).toEqual(bfsStates);
      }),
      { numRuns: 300 },
    );
  });
});

describe('stopping once every property is violated', () => {
  // Found by the property above (seed -628917830): DFS stopped on the step
  // violation of the only edge before pushing its successor and still
  // claimed a complete search of one state.
  const g = {
    nodes: 3,
    edges: [{ src: 0, dst: 1, needAux: -1, setAux: -1 }],
    inits: [{ node: 0, aux: 0 }],
    bad: [0],
    forbidden: [0],
    legalEnds: [],
    excluded: 0,
    deadlock: false,
  };
  for (const strategy of ['bfs', 'dfs'] as const) {
    it(`${strategy} does not call a search cut short complete`, () => {
      const r = check(compileModel(graphModel(g)), { strategy, continueAfterViolation: true });
      expect(r.properties.map((p) => [p.verdict, p.trace?.actions.length])).toEqual([
        ['violated', 0],
        ['violated', 1],
      ]);
      expect(r.complete).toBe(false);
    });
  }
});
