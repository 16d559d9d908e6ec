import { describe, expect, it } from 'vitest';
import lostUpdate from '../../examples/lostUpdate.js';
import { array, check, checkModel, compileModel, defineLayout, defineModel, int, invariant, ModelError, modelOf, stepProperty, UsageError } from '../index.js';
import { Symmetry } from './symmetry.js';

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
    // 1: elements wider than 52 bits (the generic, non-generated path);
    // 2: 32 to 52 bits (generated, keys as doubles). 0: under 32 bits
    // (generated, keys as integers).
    wide: { default: 0, min: 0, max: 2, doc: '' },
  },
  build(p) {
    const pad = p.wide === 1 ? 2 ** 30 : p.wide === 2 ? 2 ** 15 : 0; // int(0, 0) takes no bits
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

  it('elements of 32 to 52 bits and wider than 52 bits take the other paths with the same counts', () => {
    for (const n of [3, 4, 5]) {
      const narrow = checkModel(counters, { n, max: 2 }, { continueAfterViolation: true, symmetry: true });
      for (const wide of [1, 2]) {
        const other = checkModel(counters, { n, max: 2, wide }, { continueAfterViolation: true, symmetry: true });
        expect(other.stats.distinct).toBe(narrow.stats.distinct);
        expect(other.stats.unreduced).toEqual(narrow.stats.unreduced);
        expect(other.properties.map((q) => q.trace?.actions.length)).toEqual(narrow.properties.map((q) => q.trace?.actions.length));
      }
    }
  });

  it('the three canonical-form paths give the same form and orbit on random states', () => {
    // Arrays of 2 to 12 blocks whose rows are 15 and 22 bits (integer keys;
    // the KVM vCPU block is 22), 37 bits (double keys) and 67 bits
    // (generic), between two fields that must stay as they are.
    const paths = [
      { mid: 8, x: 0, path: 'canonInt' },
      { mid: 15, x: 0, path: 'canonInt' },
      { mid: 30, x: 0, path: 'loadKeys' },
      { mid: 30, x: 2 ** 30 - 1, path: 'generic' },
    ];
    const fact = (k: number): number => (k <= 1 ? 1 : k * fact(k - 1));
    const reference = (rows: number[][]) => {
      const sorted = rows.map((r) => r.slice()).sort((a, b) => {
        for (let k = 0; k < a.length; k++) if (a[k] !== b[k]) return a[k]! - b[k]!;
        return 0;
      });
      let orbit = fact(rows.length);
      let run = 1;
      for (let j = 1; j <= sorted.length; j++) {
        if (j < sorted.length && sorted[j]!.every((v, k) => v === sorted[j - 1]![k])) run++;
        else {
          orbit /= fact(run);
          run = 1;
        }
      }
      return { sorted, orbit };
    };
    let seed = 12345;
    const rand = (n: number) => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return (seed >>> 8) % n;
    };
    for (const { mid, x, path } of paths) {
      for (const n of [2, 3, 4, 5, 8, 12]) {
        const layout = defineLayout({ before: int(0, 7), c: array(n, { pc: int(0, 2), flag: int(0, 1), mid: int(0, 2 ** mid - 1), x: int(0, x), lo: int(0, 9) }), after: int(0, 7) });
        const sym = new Symmetry(layout, { array: 'c', from: 0 });
        const taken = (sym as any).canonInt ? 'canonInt' : (sym as any).loadKeys ? 'loadKeys' : 'generic';
        expect(taken).toBe(path);
        const v: any = layout.view();
        for (let t = 0; t < 200; t++) {
          const w = new Uint32Array(layout.words);
          v.bind(w, 0);
          v.before = 5;
          v.after = 3;
          // Few distinct values, so that equal elements (runs) are common.
          const rows = Array.from({ length: n }, () => [rand(3), rand(2), rand(3) * 77, x ? rand(3) * 99 : 0, rand(4)]);
          rows.forEach((r, j) => Object.assign(v.c[j], { pc: r[0], flag: r[1], mid: r[2], x: r[3], lo: r[4] }));
          sym.canonicalize(w, 0);
          const { sorted, orbit } = reference(rows);
          v.bind(w, 0);
          expect([v.before, v.after]).toEqual([5, 3]);
          expect(Array.from({ length: n }, (_, j) => [v.c[j].pc, v.c[j].flag, v.c[j].mid, v.c[j].x, v.c[j].lo])).toEqual(sorted);
          expect(sym.orbit(w, 0)).toBe(orbit);
        }
      }
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
