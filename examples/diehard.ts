// The Die Hard jugs puzzle (TLA+'s classic first example): with a 3-gallon
// and a 5-gallon jug, measure exactly 4 gallons. The "invariant" that the big
// jug never holds the goal is violated, and its shortest counterexample is
// the puzzle's solution.
import { defineLayout, defineModel, int, invariant, modelOf } from '../checker/index.js';

export default defineModel({
  name: 'diehard',
  description: 'Die Hard jugs: reach a goal volume in the 5-gallon jug',
  params: {
    goal: { default: 4, min: 0, max: 6, doc: 'gallons wanted in the big jug (6: unreachable, so the whole space is explored)' },
  },
  build(p) {
    const layout = defineLayout({ small: int(0, 3), big: int(0, 5) });
    return modelOf(layout, {
      init: () => {},
      actions: [
        { name: 'fillSmall', step: (s) => void (s.small = 3) },
        { name: 'fillBig', step: (s) => void (s.big = 5) },
        { name: 'emptySmall', step: (s) => void (s.small = 0) },
        { name: 'emptyBig', step: (s) => void (s.big = 0) },
        {
          name: 'smallToBig',
          step: (s) => {
            const moved = Math.min(s.small, 5 - s.big);
            s.big += moved;
            s.small -= moved;
          },
        },
        {
          name: 'bigToSmall',
          step: (s) => {
            const moved = Math.min(s.big, 3 - s.small);
            s.small += moved;
            s.big -= moved;
          },
        },
      ],
      properties: [invariant('bigNotGoal', (s) => s.big !== p.goal, `the big jug never holds ${p.goal} gallons`)],
      // Every action is always enabled, so there is no deadlock to look for.
      deadlock: false,
    });
  },
});
