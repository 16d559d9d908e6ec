import { describe, expect, it } from 'vitest';
import lostUpdate from '../../examples/lostUpdate.js';
import { array, check, checkModel, compileModel, defineLayout, defineModel, int, invariant, ModelError, modelOf, stepProperty, UsageError } from '../index.js';

// n counters 0..max, each stepped on its own: fully symmetric from `from`.
const counters = defineModel({
  name: 'counters',
  description: 'independent counters',
  params: {
    n: { default: 3, min: 1, max: 5, doc: '' },
    max: { default: 2, min: 1, max: 5, doc: '' },
    from: { default: 0, min: 0, max: 5, doc: '' },
    // 1: the declared symmetry is a lie (counter 1 may jump by 2).
    lie: { default: 0, min: 0, max: 1, doc: '' },
    // 1: elements wider than 52 bits (the generic, non-generated path).
    wide: { default: 0, min: 0, max: 1, doc: '' },
  },
  build(p) {
    const pad = p.wide ? 2 ** 30 : 0; // int(0, 0) takes no bits
    const layout = defineLayout({ c: array(p.n, { hi: int(0, pad), lo: int(0, pad), v: int(0, p.max) }) });
    const over = [Array.from({ length: p.n }, (_, i) => i)];
    return modelOf(layout, {
      init: () => {},
      actions: [
        { name: 'inc', over, enabled: (s, i) => s.c[i]!.v < p.max, step: (s, i) => void s.c[i]!.v++ },
        ...(p.lie ? [{ name: 'jump', enabled: (s: any) => s.c[1]!.v === 0, step: (s: any) => void (s.c[1]!.v = p.max) }] : []),
      ],
      properties: [
        invariant('notAllMax', (s) => s.c.some((x) => x.v < p.max)),
        stepProperty('byOne', (b, _a, a) => a.c.reduce((t, x) => t + x.v, 0) === b.c.reduce((t, x) => t + x.v, 0) + 1),
      ],
      deadlock: false,
      symmetry: { array: 'c', from: p.from },
    });
  },
});

describe('symmetry reduction', () => {
  it('stores one state per multiset and sums orbits to the full count', () => {
    const full = checkModel(counters, { n: 3, max: 2 }, { continueAfterViolation: true });
    const red = checkModel(counters, { n: 3, max: 2 }, { continueAfterViolation: true, symmetry: true });
    expect(full.stats.distinct).toBe(27);
    expect(red.stats.distinct).toBe(10); // multisets of 3 values from {0,1,2}
    expect(red.stats.unreduced).toEqual({ distinct: 27, transitions: full.stats.transitions });
    expect(full.stats.unreduced).toBeUndefined();
  });

  it('elements wider than 52 bits take the generic path with the same counts', () => {
    for (const n of [3, 4]) {
      const narrow = checkModel(counters, { n, max: 2 }, { continueAfterViolation: true, symmetry: true });
      const wide = checkModel(counters, { n, max: 2, wide: 1 }, { continueAfterViolation: true, symmetry: true });
      expect(wide.stats.distinct).toBe(narrow.stats.distinct);
      expect(wide.stats.unreduced).toEqual(narrow.stats.unreduced);
      expect(wide.properties.map((q) => q.trace?.actions.length)).toEqual(narrow.properties.map((q) => q.trace?.actions.length));
    }
  });

  it('lost-update (the README example): 41 orbits stand for its 75 states; the same shortest violation', () => {
    const full = checkModel(lostUpdate, { limit: 2 }, { continueAfterViolation: true });
    const red = checkModel(lostUpdate, { limit: 2 }, { continueAfterViolation: true, symmetry: true });
    expect(red.stats.distinct).toBe(41);
    expect(red.stats.unreduced).toEqual({ distinct: 75, transitions: 96 });
    expect(red.properties.map((p) => [p.name, p.verdict, p.trace?.actions.length])).toEqual(full.properties.map((p) => [p.name, p.verdict, p.trace?.actions.length]));
  });

  it('keeps elements before `from` apart', () => {
    const red = checkModel(counters, { n: 3, max: 2, from: 1 }, { symmetry: true, continueAfterViolation: true });
    expect(red.stats.distinct).toBe(3 * 6); // c[0] alone, c[1..2] as a multiset
    expect(red.stats.unreduced!.distinct).toBe(27);
  });

  it('gives concrete counterexamples of the same shortest length', () => {
    const full = checkModel(counters, { n: 3, max: 2 }, { continueAfterViolation: true });
    const red = checkModel(counters, { n: 3, max: 2 }, { continueAfterViolation: true, symmetry: true });
    const notAllMax = red.properties.find((p) => p.name === 'notAllMax')!;
    expect(notAllMax.verdict).toBe('violated');
    expect(notAllMax.trace!.actions.length).toBe(full.properties.find((p) => p.name === 'notAllMax')!.trace!.actions.length);
    expect(notAllMax.trace!.actions.length).toBe(6);
    // Every step is a real step of the model: each counter is raised twice.
    const raised = notAllMax.trace!.actions.map((a) => a.args[0]);
    expect([0, 1, 2].map((i) => raised.filter((r) => r === i).length)).toEqual([2, 2, 2]);
  });

  it('the same counts with DFS and with exact storage', () => {
    const dfs = checkModel(counters, { n: 4, max: 2 }, { symmetry: true, strategy: 'dfs', continueAfterViolation: true });
    const exact = checkModel(counters, { n: 4, max: 2 }, { symmetry: true, exact: true, continueAfterViolation: true });
    expect(dfs.stats.distinct).toBe(15); // multisets of 4 from 3 values
    expect(exact.stats.distinct).toBe(15);
    expect(dfs.stats.unreduced!.distinct).toBe(81);
    expect(exact.stats.unreduced!.transitions).toBe(checkModel(counters, { n: 4, max: 2 }, { continueAfterViolation: true }).stats.transitions);
  });

  it('a model without a declared symmetry is a usage error', () => {
    const m = compileModel(counters, {});
    const bare = { ...m, symmetry: undefined };
    expect(() => check(bare, { symmetry: true })).toThrow(UsageError);
    expect(() => check(bare, { symmetry: true })).toThrow('model counters declares no symmetry');
  });

  it('a declared symmetry that is not one shows up as a model error on the trace', () => {
    // With the lie, only c[1] can jump to max; the reduced search takes the
    // jump from a canonical state whose c[1] is not the concrete c[1].
    const run = () => checkModel(counters, { n: 3, max: 2, lie: 1 }, { symmetry: true, continueAfterViolation: true });
    expect(run).toThrow(ModelError);
    expect(run).toThrow('symmetry: no step from the state before jump (step 2) reaches its orbit; c[0..] is not interchangeable as the model declares');
  });

  it('rejects a symmetry over a field that is not an array', () => {
    const bad = defineModel({
      name: 'bad',
      description: '',
      params: {},
      build: () => modelOf(defineLayout({ x: int(0, 1) }), { init: () => {}, actions: [], symmetry: { array: 'x' } }),
    });
    expect(() => compileModel(bad, {})).toThrow('symmetry: x is not an array field of the layout');
  });
});
