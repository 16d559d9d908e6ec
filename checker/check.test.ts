import { describe, expect, it } from 'vitest';
import { checkModel, defineLayout, defineModel, int, invariant, modelOf, ModelError, stepProperty, UsageError } from './index.js';
import diehard from '../examples/diehard.js';
import peterson from '../examples/peterson.js';
import lostUpdate from '../examples/lostUpdate.js';

const counter = defineModel({
  name: 'counter',
  description: 'x counts up to n',
  params: { n: { default: 5, min: 1, max: 1000, doc: 'bound' }, legalEnd: { default: 0, min: 0, max: 1, doc: '' } },
  build(p) {
    const layout = defineLayout({ x: int(0, p.n) });
    return modelOf(layout, {
      init: () => {},
      actions: [{ name: 'inc', enabled: (s) => s.x < p.n, step: (s) => void s.x++ }],
      properties: [stepProperty('incByOne', (b, _a, a) => a.x === b.x + 1)],
      deadlock: p.legalEnd ? { legalEnd: (s) => s.x === p.n } : true,
    });
  },
});

const grid = defineModel({
  name: 'grid',
  description: 'two independent counters',
  params: { n: { default: 4, min: 1, max: 100, doc: 'bound' }, corner: { default: 1, min: 0, max: 1, doc: '' } },
  build(p) {
    const layout = defineLayout({ x: int(0, p.n), y: int(0, p.n) });
    return modelOf(layout, {
      init: () => {},
      actions: [
        { name: 'incX', enabled: (s) => s.x < p.n, step: (s) => void s.x++ },
        { name: 'incY', enabled: (s) => s.y < p.n, step: (s) => void s.y++ },
      ],
      properties: p.corner ? [invariant('notCorner', (s) => !(s.x === p.n && s.y === p.n))] : [],
      deadlock: false,
    });
  },
});

describe('hand-countable models', () => {
  it('counter: n+1 states, n transitions, deadlock at the top found with an n-step trace', () => {
    for (const strategy of ['bfs', 'dfs'] as const) {
      const r = checkModel(counter, { n: 7 }, { strategy, continueAfterViolation: true });
      expect(r.stats.distinct).toBe(8);
      expect(r.stats.transitions).toBe(7);
      expect(r.stats.depth).toBe(7);
      expect(r.complete).toBe(true);
      expect(r.properties.map((p) => [p.name, p.verdict])).toEqual([
        ['incByOne', 'holds'],
        ['deadlock', 'violated'],
      ]);
      const t = r.properties[1]!.trace!;
      expect(t.actions.map((a) => a.label)).toEqual(Array(7).fill('inc'));
      expect(t.states.length).toBe(8);
    }
  });

  it('counter with a legal end: no deadlock', () => {
    const r = checkModel(counter, { n: 7, legalEnd: 1 });
    expect(r.properties.every((p) => p.verdict === 'holds')).toBe(true);
  });

  it('grid: (n+1)^2 states, 2n(n+1) transitions, corner reached in 2n steps', () => {
    const n = 6;
    const all = checkModel(grid, { n, corner: 0 });
    expect(all.stats.distinct).toBe((n + 1) ** 2);
    expect(all.stats.transitions).toBe(2 * n * (n + 1));
    expect(all.stats.depth).toBe(2 * n);
    const r = checkModel(grid, { n });
    expect(r.properties[0]!.verdict).toBe('violated');
    expect(r.properties[0]!.trace!.actions.length).toBe(2 * n);
    expect(all.coverage).toEqual([
      { label: 'incX', family: 'incX', count: n * (n + 1) },
      { label: 'incY', family: 'incY', count: n * (n + 1) },
    ]);
  });
});

describe('examples', () => {
  it('die hard: 16 states, 96 transitions; the goal of 4 takes 6 steps', () => {
    const all = checkModel(diehard, { goal: 6 });
    expect([all.stats.distinct, all.stats.transitions, all.properties[0]!.verdict]).toEqual([16, 96, 'holds']);
    const r = checkModel(diehard, { goal: 4 });
    expect(r.properties[0]!.verdict).toBe('violated');
    expect(r.properties[0]!.trace!.actions.map((a) => a.label)).toEqual([
      'fillBig', 'bigToSmall', 'emptySmall', 'bigToSmall', 'fillBig', 'bigToSmall',
    ]);
    const last = r.properties[0]!.trace!.states.at(-1)!;
    expect(diehard.name).toBe('diehard');
    expect(last[0]! >>> 2).toBe(4); // big is packed after the 2-bit small jug
  });

  it("peterson: 20 states, 34 transitions, mutual exclusion, no starvation and no deadlock", () => {
    const r = checkModel(peterson, {});
    expect([r.stats.distinct, r.stats.transitions]).toEqual([20, 34]);
    expect(r.properties.map((p) => [p.name, p.kind, p.verdict])).toEqual([
      ['mutualExclusion', 'invariant', 'holds'],
      ['waitLeadsToCritical', 'leadsTo', 'holds'],
      ['deadlock', 'deadlock', 'holds'],
    ]);
    expect(r.neverFired).toEqual([]);
  });

  it('peterson with the writes swapped: both processes enter in 6 steps', () => {
    const r = checkModel(peterson, { swapped: 1 }, { continueAfterViolation: true });
    expect(r.stats.distinct).toBe(32);
    expect(r.properties[0]!.verdict).toBe('violated');
    expect(r.properties[0]!.trace!.actions.map((a) => a.label)).toEqual([
      'request(0)', 'request(1)', 'yieldTurn(1)', 'enter(1)', 'yieldTurn(0)', 'enter(0)',
    ]);
  });
});

describe('the README example', () => {
  it('lost update: 75 states, 96 transitions, the counter goes back in 6 steps', () => {
    const r = checkModel(lostUpdate, { limit: 2 }, { continueAfterViolation: true });
    expect([r.stats.distinct, r.stats.transitions]).toEqual([75, 96]);
    expect(r.properties.map((p) => [p.name, p.verdict])).toEqual([
      ['xBounded', 'holds'],
      ['xNeverDecreases', 'violated'],
      ['deadlock', 'holds'],
    ]);
    expect(r.properties[1]!.trace!.actions.map((a) => a.label)).toEqual(['load(0)', 'load(1)', 'store(0)', 'load(0)', 'store(0)', 'store(1)']);
  });
});

describe('bounds and budgets', () => {
  it('a depth bound leaves verdicts unknown, in both strategies', () => {
    for (const strategy of ['bfs', 'dfs'] as const) {
      const r = checkModel(counter, { n: 10 }, { strategy, maxDepth: 5 });
      expect(r.stats.distinct).toBe(6);
      expect(r.complete).toBe(false);
      expect(r.stopReason).toBe('depth');
      expect(r.properties.map((p) => p.verdict)).toEqual(['unknown', 'unknown']);
    }
  });

  it('a depth bound at or beyond the diameter still proves properties', () => {
    const r = checkModel(counter, { n: 10, legalEnd: 1 }, { strategy: 'dfs', maxDepth: 10 });
    expect(r.complete).toBe(true);
    expect(r.properties.map((p) => p.verdict)).toEqual(['holds', 'holds']);
  });

  it('bounded DFS re-expands a state reached again by a shorter path', () => {
    // DFS goes right first (incY... incX order reversed on the stack), so
    // (n,0)-ish states are met deep before they are met shallow.
    const r = checkModel(grid, { n: 4 }, { strategy: 'dfs', maxDepth: 4 });
    const b = checkModel(grid, { n: 4 }, { strategy: 'bfs', maxDepth: 4 });
    expect(r.stats.distinct).toBe(b.stats.distinct);
    expect(b.stats.distinct).toBe(15); // states with x + y <= 4
  });

  it('maxStates stops exactly there with unknown verdicts', () => {
    const r = checkModel(counter, { n: 1000, legalEnd: 1 }, { maxStates: 100 });
    expect(r.stats.distinct).toBe(100);
    expect(r.stopReason).toBe('states');
    expect(r.properties.map((p) => p.verdict)).toEqual(['unknown', 'unknown']);
  });

  it('a memory budget below what the process holds stops cleanly', () => {
    const r = checkModel(counter, { n: 1000, legalEnd: 1 }, { maxMemoryBytes: 1024 });
    expect(r.stopReason).toBe('memory');
    expect(r.complete).toBe(false);
    expect(r.properties.every((p) => p.verdict === 'unknown')).toBe(true);
  });

  it('stops at the first violation unless asked to continue', () => {
    // The deadlock is the last state: stopping there leaves nothing unexplored.
    const last = checkModel(counter, { n: 3 });
    expect([last.stopReason, last.complete]).toEqual(['violation', true]);
    expect(last.properties.map((p) => p.verdict)).toEqual(['holds', 'violated']);
    const g = checkModel(grid, { n: 50 });
    expect(g.stopReason).toBe('violation');
    expect(g.stats.distinct).toBe(51 * 51);
  });
});

describe('errors', () => {
  it('unknown and out-of-range parameters are usage errors', () => {
    expect(() => checkModel(counter, { m: 3 })).toThrow(new UsageError("model counter has no parameter 'm' (known: n, legalEnd)"));
    expect(() => checkModel(counter, { n: 0 })).toThrow('parameter n=0 is out of range for model counter (1..1000)');
    expect(() => checkModel(counter, { n: 0 })).toThrow(UsageError);
  });

  const broken = (mode: 'throw' | 'range' | 'guard') =>
    defineModel({
      name: 'broken',
      description: '',
      params: {},
      build() {
        const layout = defineLayout({ x: int(0, 3) });
        return modelOf(layout, {
          init: () => {},
          actions: [
            {
              name: 'bump',
              over: [[2]],
              enabled: (s) => {
                if (mode === 'guard' && s.x === 2) throw new Error('guard exploded');
                return true;
              },
              step: (s, k) => {
                if (mode === 'throw' && s.x === 2) throw new Error('boom');
                s.x += k;
              },
            },
          ],
        });
      },
    });

  it('a step that throws names the action', () => {
    expect(() => checkModel(broken('throw'))).toThrow(ModelError);
    expect(() => checkModel(broken('throw'))).toThrow('action bump(2) threw: boom');
  });
  it('a step that writes out of range names the action and the field', () => {
    expect(() => checkModel(broken('range'))).toThrow('action bump(2): field x = 4 is outside its declared range 0..3');
  });
  it('a guard that throws names the action', () => {
    expect(() => checkModel(broken('guard'))).toThrow('guard of bump(2) threw: guard exploded');
  });
});
