// Random simulation against the naive explorer on random transition
// systems, and the pieces it rests on: choices, swarm weights, seeds and
// paths, shrinking, shards.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { compileModel, defineLayout, defineModel, int, invariant, ModelError, modelOf, Stepper, type CompiledModel, type Trace } from '../index.js';
import { graphModel, graphSpec, type GraphSpec } from '../test-support/randomModel.js';
import { keyOf, naiveExplore } from '../test-support/naive.js';
import { noteWithRuns, replayActions, shrinkRun, simulate, simulatePath, simulatedProperties, tighten, walkAt, walkJudges, type SimulationResult } from './simulate.js';
import { CHOICE_MAX, priority, Walker } from './walk.js';

/** Replays a trace on its own and says whether it ends in the violation it names. */
function showsViolation(m: CompiledModel, t: Trace): boolean {
  const st = new Stepper(m);
  let s = m.inits[t.initIndex]!;
  for (let k = 0; k < t.actions.length; k++) {
    const next = st.apply(s, t.actions[k]!.index);
    if (!next || keyOf(next) !== keyOf(t.states[k + 1]!)) return false;
    if (t.kind === 'step' && k === t.actions.length - 1) {
      st.fire(s, 0, t.actions[k]!.index);
      return !m.stepProperties.find((p) => p.name === t.property)!.check(st.cur, t.actions[k]!, st.next);
    }
    s = next;
  }
  const v = m.layout.view();
  v.bind(s, 0);
  if (t.kind === 'invariant') return !m.invariants.find((p) => p.name === t.property)!.check(v);
  return t.kind === 'deadlock' && m.instances.every((i) => st.apply(s, i.index) === null) && !(m.legalEnd?.(v) ?? false);
}

/** A result without its timings, which are the only part allowed to differ between two runs. */
function untimed(r: SimulationResult): unknown {
  const { stats, violation, ...rest } = r;
  const { seconds: _s, stepsPerSecond: _r, ...counts } = stats;
  const v = violation && { ...violation, foundSeconds: 0, shrinkSeconds: 0 };
  return { ...rest, counts, v, traces: r.properties.map((p) => p.trace && { ...p.trace, states: p.trace.states.map((s) => Array.from(s)) }) };
}

/** A chain 0 -> 1 -> ... -> 7 with detours, violating `notBad` at node 7: walks must find their way. */
const chain: GraphSpec = {
  nodes: 8,
  edges: [
    ...Array.from({ length: 7 }, (_, i) => ({ src: i, dst: i + 1, needAux: -1, setAux: -1 })),
    ...Array.from({ length: 7 }, (_, i) => ({ src: i + 1, dst: i, needAux: -1, setAux: -1 })),
    { src: 3, dst: 3, needAux: -1, setAux: 1 },
    { src: 5, dst: 0, needAux: 1, setAux: 0 },
  ],
  inits: [{ node: 0, aux: 0 }],
  bad: [7],
  forbidden: [],
  legalEnds: [],
  excluded: -1,
  deadlock: false,
};

describe('simulation on random transition systems', () => {
  it('reports only real violations, first on their walk, no shorter than the shortest, with traces that replay', () => {
    fc.assert(
      fc.property(graphSpec, fc.integer(), fc.boolean(), (g, seed, swarm) => {
        const m = compileModel(graphModel(g));
        const naive = naiveExplore(m);
        const r = simulate(m, { seed, runs: 20, depth: 12, swarm });
        const violated = r.properties.filter((p) => p.verdict === 'violated');
        expect(r.properties.every((p) => p.verdict !== 'holds')).toBe(true);
        if (!r.violation) {
          expect(violated).toEqual([]);
          return;
        }
        expect(violated.map((p) => p.name)).toEqual([r.violation.property]);
        const i = m.properties.findIndex((p) => p.name === r.violation!.property);
        const t = violated[0]!.trace!;
        expect(naive.shortest[i]).toBeGreaterThanOrEqual(0);
        expect(t.actions.length).toBeGreaterThanOrEqual(naive.shortest[i]!);
        expect(t.actions.length).toBeLessThanOrEqual(r.violation.shrunkSteps);
        expect(r.violation.shrunkSteps).toBeLessThanOrEqual(r.violation.foundSteps);
        expect(showsViolation(m, t)).toBe(true);
        // Replayed as a walk, the trace's first violation is the one reported, at its last step.
        const walker = new Walker(m);
        expect(replayActions(walker, t.initIndex, t.actions.map((a) => a.index), i)).toEqual(t.actions.map((a) => a.index));
      }),
      { numRuns: 150 },
    );
  });

  it("fast-check's shrinking keeps the violated property: its shrunk walk fails first on the same one", () => {
    fc.assert(
      fc.property(graphSpec, fc.integer(), (g, seed) => {
        const m = compileModel(graphModel(g));
        const r = simulate(m, { seed, runs: 20, depth: 12, swarm: false });
        if (!r.violation) return;
        const p = m.properties.findIndex((x) => x.name === r.violation!.property);
        const walker = new Walker(m);
        const shrunk = shrinkRun(walker, { seed, depth: 12, swarm: false }, r.violation.run, p, 10, false);
        expect(shrunk.trace.property).toBe(r.violation.property);
        expect(walker.run(shrunk.walk)).toBe(p);
        expect(walker.run(walkAt(m, { seed, depth: 12, swarm: false }, shrunk.path))).toBe(p);
      }),
      { numRuns: 100 },
    );
  });

  it('a seed reproduces a simulation bit for bit; the printed path replays its walk; another seed walks elsewhere', () => {
    const m = compileModel(graphModel(chain));
    const a = simulate(m, { seed: 42, runs: 500, depth: 40, swarm: false });
    const b = simulate(m, { seed: 42, runs: 500, depth: 40, swarm: false });
    expect(a.violation?.property).toBe('notBad');
    expect(untimed(b)).toEqual(untimed(a));
    const replay = simulatePath(m, { seed: 42, runs: 1, depth: 40, swarm: false }, a.violation!.path);
    const trace = (r: SimulationResult) => r.properties.find((p) => p.trace)!.trace!.actions.map((x) => x.label);
    expect(trace(replay)).toEqual(trace(a));
    const other = simulate(m, { seed: 43, runs: 500, depth: 40, swarm: false });
    expect([other.violation?.run, other.violation?.path]).not.toEqual([a.violation?.run, a.violation?.path]);
  });

  it('shards of the runs find, between them, the run the whole simulation finds', () => {
    fc.assert(
      fc.property(graphSpec, fc.integer(), fc.integer({ min: 1, max: 39 }), (g, seed, cut) => {
        const m = compileModel(graphModel(g));
        const o = { seed, runs: 40, depth: 10, swarm: true };
        const whole = simulate(m, o);
        const parts = [simulate(m, { ...o, from: 0, to: cut }), simulate(m, { ...o, from: cut, to: 40 })];
        const first = parts.map((p) => p.violation).filter((v) => v !== undefined).sort((x, y) => x.run - y.run)[0];
        expect(first && [first.run, first.path, first.property]).toEqual(whole.violation && [whole.violation.run, whole.violation.path, whole.violation.property]);
      }),
      { numRuns: 60 },
    );
  });

  it('the post-pass cuts loops and drops steps the violation does not need', () => {
    const m = compileModel(graphModel(chain));
    const walker = new Walker(m);
    // Edge j < 7 goes j -> j+1, edge 7 + i goes back i+1 -> i, edge 14 loops at 3, edge 15 jumps 5 -> 0.
    const loopy = [0, 1, 8, 1, 2, 14, 3, 4, 5, 6];
    expect(replayActions(walker, 0, loopy, 0)).toEqual(loopy);
    expect(tighten(walker, 0, loopy, 0)).toEqual([0, 1, 2, 3, 4, 5, 6]);
    // A list that does not end in the violation is not made to.
    expect(replayActions(walker, 0, [0, 1, 2], 0)).toBeNull();
  });

  it('a walk back and forth along the chain is shrunk to the straight path to node 7', () => {
    const m = compileModel(graphModel(chain));
    const r = simulate(m, { seed: 1, runs: 500, depth: 40, swarm: false });
    expect(r.violation!.foundSteps).toBeGreaterThan(7);
    expect(r.properties[0]!.trace!.actions.map((a) => a.args[0])).toEqual([0, 1, 2, 3, 4, 5, 6]);
  });
});

describe('walks', () => {
  const twoFamilies = defineModel({
    name: 'two',
    description: 'a counts up to 3, b counts down; c only at 3',
    params: {},
    build() {
      const layout = defineLayout({ x: int(0, 3), a: int(0, 60), b: int(0, 60) });
      return modelOf(layout, {
        init: () => {},
        actions: [
          { name: 'up', enabled: (s) => s.x < 3, step: (s) => void (s.x++, s.a++) },
          { name: 'down', enabled: (s) => s.x > 0, step: (s) => void (s.x--, s.b++) },
          { name: 'stop', enabled: (s) => s.x === 3 && s.a > 40, step: (s) => void (s.x = 0) },
        ],
        deadlock: false,
      });
    },
  });

  it('each enabled action is about equally likely: priorities over all choices split evenly', () => {
    for (const enabled of [[0, 1], [3, 7, 9], [0, 5, 11, 12, 40, 41, 63]]) {
      const wins = new Map<number, number>(enabled.map((i) => [i, 0]));
      for (let c = 0; c <= CHOICE_MAX; c++) {
        let best = enabled[0]!;
        for (const i of enabled) if (priority(c, i) > priority(c, best)) best = i;
        wins.set(best, wins.get(best)! + 1);
      }
      const even = (CHOICE_MAX + 1) / enabled.length;
      for (const n of wins.values()) expect(Math.abs(n - even) / even).toBeLessThan(0.05);
    }
  });

  it('swarm weight 0 keeps a family out while anything else is enabled, and lets it run when nothing else is', () => {
    const m = compileModel(twoFamilies);
    const w = new Walker(m);
    const choices = Array.from({ length: 60 }, (_, k) => (k * 7919) % (CHOICE_MAX + 1));
    const taken = (weights: number[]) => {
      w.coverage.fill(0);
      expect(w.run({ init: 0, choices, weights })).toBe(-1);
      return Object.fromEntries(m.instances.map((inst, i) => [inst.family, w.coverage[i]]));
    };
    // Without down: up to 3, then down only where up cannot go (x = 3), up again.
    expect(taken([1, 0, 1])).toEqual({ up: 31, down: 29, stop: 0 });
    // Without up: up only where down cannot go (x = 0).
    expect(taken([0, 1, 0])).toEqual({ up: 30, down: 30, stop: 0 });
    // Every family in: both directions, and stop once up has run 41 times.
    const all = taken([1, 1, 1]);
    expect(all.up! + all.down! + all.stop!).toBe(60);
    expect(all.up).toBeGreaterThan(10);
    expect(all.down).toBeGreaterThan(10);
  });

  it('a walk that reaches a state with no enabled action violates deadlock, unless the model calls it a legal end', () => {
    const g: GraphSpec = { ...chain, edges: chain.edges.slice(0, 3), bad: [], deadlock: true };
    const stuck = simulate(compileModel(graphModel(g)), { seed: 5, runs: 10, depth: 10, swarm: false });
    expect(stuck.violation?.property).toBe('deadlock');
    const t = stuck.properties.find((p) => p.name === 'deadlock')!.trace!;
    expect([t.kind, t.actions.length]).toEqual(['deadlock', 3]);
    const legal = simulate(compileModel(graphModel({ ...g, legalEnds: [3] })), { seed: 5, runs: 10, depth: 10, swarm: false });
    expect(legal.violation).toBeUndefined();
    expect(legal.properties.map((p) => p.verdict)).toEqual(['unknown', 'unknown', 'unknown']);
  });

  it('liveness properties get no verdict, with a note saying so', () => {
    const m = compileModel(graphModel(chain));
    const withLiveness: CompiledModel = { ...m, properties: [...m.properties.slice(0, -1), { name: 'reachesSeven', kind: 'eventually', doc: '' }, ...m.properties.slice(-1)] };
    const ps = simulatedProperties(withLiveness, 10, undefined);
    expect(ps.find((p) => p.name === 'reachesSeven')).toMatchObject({ verdict: 'unknown', note: 'liveness: simulation gives no verdict' });
    expect(ps.find((p) => p.name === 'notBad')).toMatchObject({ verdict: 'unknown', note: 'no violation in 10 runs' });
    // A violation of another property does not make it a property the walks could have reached.
    const t = simulate(m, { seed: 1, runs: 200, depth: 40, swarm: false });
    expect(t.violation?.property).toBe('notBad');
    const after = simulatedProperties(withLiveness, 10, { property: 0, trace: t.properties[0]!.trace! });
    expect(after.find((p) => p.name === 'reachesSeven')).toMatchObject({ verdict: 'unknown', note: 'liveness: simulation gives no verdict' });
  });

  it('under declared stuttering, a walk still catches a dead end, and otherwise leaves deadlock unknown: being stuck among stuttering steps is decided on the state graph', () => {
    const g: GraphSpec = { ...chain, edges: chain.edges.slice(0, 3), bad: [], deadlock: true };
    // Every step stutters: exhaustive search would call any state stuck; a walk cannot tell.
    const stuttering = (m: CompiledModel): CompiledModel => ({ ...m, stutterFamilies: new Uint8Array(m.instances.length).fill(1) });
    const stuck = simulate(stuttering(compileModel(graphModel(g))), { seed: 5, runs: 10, depth: 10, swarm: false });
    expect(stuck.violation?.property).toBe('deadlock');
    const legal = simulate(stuttering(compileModel(graphModel({ ...g, legalEnds: [3] }))), { seed: 5, runs: 10, depth: 10, swarm: false });
    expect(legal.violation).toBeUndefined();
    expect(legal.properties.find((p) => p.name === 'deadlock')).toMatchObject({
      verdict: 'unknown',
      note: 'no dead end in 10 runs; stuck with only stuttering steps left is decided on the state graph',
    });
    expect(walkJudges(stuttering(compileModel(graphModel(g))), { kind: 'deadlock' })).toBe('dead ends');
    expect(walkJudges(compileModel(graphModel(g)), { kind: 'deadlock' })).toBe('all');
  });

  it('merged shards count their runs together in each note; a liveness note has no count', () => {
    expect(noteWithRuns('no violation in 10 runs', 30)).toBe('no violation in 30 runs');
    expect(noteWithRuns('no violation in 0 runs', 1)).toBe('no violation in 1 run');
    expect(noteWithRuns('no dead end in 1 run; stuck with only stuttering steps left is decided on the state graph', 3)).toBe(
      'no dead end in 3 runs; stuck with only stuttering steps left is decided on the state graph',
    );
    expect(noteWithRuns('liveness: simulation gives no verdict', 3)).toBe('liveness: simulation gives no verdict');
  });

  it('a step that throws is a model error, not a violation', () => {
    const throws = defineModel({
      name: 'throws',
      description: 'x may not reach 2',
      params: {},
      build() {
        return modelOf(defineLayout({ x: int(0, 5) }), {
          init: () => {},
          actions: [{ name: 'inc', step: (s) => void (s.x === 2 ? (() => { throw new Error('x is two'); })() : s.x++) }],
          properties: [invariant('small', () => true)],
          deadlock: false,
        });
      },
    });
    expect(() => simulate(compileModel(throws), { seed: 1, runs: 5, depth: 5, swarm: false })).toThrow(ModelError);
  });

  it('--max-seconds stops a search that finds nothing, with stop reason time', () => {
    const m = compileModel(twoFamilies);
    const r = simulate(m, { seed: 1, runs: 2 ** 30, depth: 50, swarm: false, maxSeconds: 0.2 });
    expect(r.stopReason).toBe('time');
    expect(r.violation).toBeUndefined();
    expect(r.runsDone).toBeGreaterThan(0);
    expect(r.runsDone).toBeLessThan(2 ** 30);
  });
});
