// The generated guard and step dispatch against the model's own functions.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { check, compileModel, defineLayout, defineModel, int, modelOf, ModelError, Stepper, type CompiledModel } from '../index.js';

// 3 families, 45 + 1 + 12 = 58 instances: two generated functions of 32, a
// family with no guard, and one with three arguments.
const many = (throwAt = -1) =>
  defineModel({
    name: 'many',
    description: '',
    params: {},
    build() {
      const layout = defineLayout({ a: int(0, 7), b: int(0, 7), c: int(0, 3) });
      return modelOf(layout, {
        init: () => {},
        actions: [
          {
            name: 'set',
            over: [[0, 1, 2, 3, 4, 5, 6, 7, 8], [0, 1, 2, 3, 4]],
            enabled: (s, x, y) => {
              if (x * 5 + y === throwAt && s.a === 3) throw new Error('guard exploded');
              return (s.a + x) % 3 === y % 3 && s.b !== x % 8;
            },
            step: (s, x, y) => {
              s.a = (s.a + x + y) % 8;
              s.b = x % 8;
            },
          },
          { name: 'spin', step: (s) => void (s.c = (s.c + 1) % 4) },
          {
            name: 'mix',
            over: [[0, 1], [1, 2, 3], [0, 1]],
            enabled: (s, x, y, z) => s.c === y && s.a % 2 === x,
            // Vetoes some steps after the guard said yes.
            step: (s, x, y, z) => (z === 1 && s.b === 7 ? false : void (s.b = (s.b + y + z) % 8)),
          },
        ],
      });
    },
  });

/** Instance i on state s through the family's own guard and step: the successor, or null. */
function direct(m: CompiledModel, s: Uint32Array, i: number): Uint32Array | null {
  const fam = m.families[m.instanceFamily[i]!]!;
  const [x = 0, y = 0, z = 0] = m.instances[i]!.args;
  const v = m.layout.view();
  v.bind(s, 0);
  if (fam.enabled !== undefined && !fam.enabled(v, x, y, z)) return null;
  const after = s.slice();
  v.bind(after, 0);
  return fam.step(v, x, y, z) === false ? null : after;
}

describe('generated dispatch', () => {
  const m = compileModel(many());
  it('has instances in more than one generated function', () => {
    expect(m.instances.length).toBe(58);
  });

  it('agrees with each family guard and step on every state', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 7 }), fc.integer({ min: 0, max: 7 }), fc.integer({ min: 0, max: 3 }), (a, b, c) => {
        const st = new Stepper(m);
        const s = new Uint32Array(m.words);
        const v = m.layout.view();
        v.bind(s, 0);
        v.a = a;
        v.b = b;
        v.c = c;
        const flags = st.guards(s, 0);
        for (let i = 0; i < m.instances.length; i++) {
          const fam = m.families[m.instanceFamily[i]!]!;
          const [x = 0, y = 0, z = 0] = m.instances[i]!.args;
          v.bind(s, 0);
          const guard = fam.enabled === undefined || fam.enabled(v, x, y, z);
          expect(flags[i]).toBe(guard ? 1 : 0);
          if (!guard) continue;
          const after = direct(m, s, i);
          expect(st.stepEnabled(s, 0, i)).toBe(after !== null);
          if (after) expect([...st.succ]).toEqual([...after]);
        }
      }),
    );
  });

  it('gives the search the counts of a plain search over the families', () => {
    const r = check(m, { exact: true });
    // Reference count by a plain BFS over the families' own functions.
    const seen = new Set<string>([m.inits[0]!.join()]);
    const queue = [m.inits[0]!];
    let transitions = 0;
    while (queue.length) {
      const s = queue.shift()!;
      for (let i = 0; i < m.instances.length; i++) {
        const next = direct(m, s, i);
        if (!next) continue;
        transitions++;
        const k = next.join();
        if (!seen.has(k)) {
          seen.add(k);
          queue.push(next);
        }
      }
    }
    expect(r.stats.distinct).toBe(seen.size);
    expect(r.stats.transitions).toBe(transitions);
    expect(r.stats.distinct).toBeGreaterThan(50);
  });

  it('a guard that throws in the second generated function names its instance', () => {
    // set(7,3) is instance 38, in the second function.
    const bad = compileModel(many(38));
    expect(bad.instances[38]!.label).toBe('set(7,3)');
    expect(() => check(bad)).toThrow(ModelError);
    expect(() => check(bad)).toThrow('guard of set(7,3) threw: guard exploded');
  });
});
