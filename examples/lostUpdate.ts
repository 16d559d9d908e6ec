// Two processes increment a shared counter with a separate load and store:
// the classic lost update. The README's "write your own model" example.
import { array, defineLayout, defineModel, int, invariant, modelOf, stepProperty } from '../checker/index.js';

export default defineModel({
  name: 'lost-update',
  description: 'two processes increment a shared counter non-atomically',
  params: { limit: { default: 3, min: 1, max: 10, doc: 'increments per process' } },
  build(p) {
    const layout = defineLayout({
      x: int(0, 2 * p.limit),
      proc: array(2, { pc: int(0, 1), tmp: int(0, 2 * p.limit), done: int(0, p.limit) }),
    });
    return modelOf(layout, {
      init: () => {}, // every field starts at its minimum
      actions: [
        {
          name: 'load',
          over: [[0, 1]], // instances load(0) and load(1)
          enabled: (s, i) => s.proc[i]!.pc === 0 && s.proc[i]!.done < p.limit,
          step: (s, i) => {
            s.proc[i]!.tmp = s.x;
            s.proc[i]!.pc = 1;
          },
        },
        {
          name: 'store',
          over: [[0, 1]],
          enabled: (s, i) => s.proc[i]!.pc === 1,
          step: (s, i) => {
            s.x = s.proc[i]!.tmp + 1;
            s.proc[i]!.pc = 0;
            s.proc[i]!.done++;
          },
        },
      ],
      properties: [
        invariant('xBounded', (s) => s.x <= 2 * p.limit),
        stepProperty('xNeverDecreases', (before, _action, after) => after.x >= before.x),
      ],
      deadlock: { legalEnd: (s) => s.proc.every((q) => q.done === p.limit) },
      symmetry: { array: 'proc' }, // the two processes are interchangeable (--symmetry)
    });
  },
});
