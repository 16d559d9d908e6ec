// The fast-check arbitrary of a run: an initial state, a choice per step
// (walk.ts reads them) and, in swarm mode, the run's weights of the action
// families. fast-check's runner draws one per run from its seed, so a seed
// and a run index (fast-check's path) name a walk, and its shrinker makes a
// failing walk shorter.

import fc from 'fast-check';
import { CHOICE_MAX, type Walk } from './walk.js';

/**
 * Swarm weights drawn per family: half of the time 0 (the family is left
 * out, as swarm verification leaves out features), else 1, 2, 4 or 8.
 */
const WEIGHT_DRAW_MAX = 7;
function swarmWeight(draw: number): number {
  return draw < 4 ? 0 : 1 << (draw - 4);
}

export class WalkArbitrary extends fc.Arbitrary<Walk> {
  // Steps are only ever dropped, never changed: a changed choice would send
  // every later step elsewhere, and the priorities (walk.ts) make dropping
  // keep the other steps. So shrinking is fast-check's array shrinker on
  // unshrinkable items.
  private readonly steps: fc.Arbitrary<number[]>;

  constructor(
    readonly depth: number,
    readonly inits: number,
    /** Action families to draw swarm weights for; 0 for uniform walks. */
    readonly swarmFamilies: number,
  ) {
    super();
    this.steps = fc.array(fc.noShrink(fc.nat({ max: CHOICE_MAX })), { maxLength: depth });
  }

  generate(mrng: fc.Random): fc.Value<Walk> {
    const init = this.inits > 1 ? mrng.nextInt(0, this.inits - 1) : 0;
    let weights: number[] | undefined;
    if (this.swarmFamilies > 0) {
      const draws = Array.from({ length: this.swarmFamilies }, () => mrng.nextInt(0, WEIGHT_DRAW_MAX));
      weights = draws.map(swarmWeight);
      // Never leave every family out: keep one, picked by the draws themselves.
      if (!weights.some((x) => x > 0)) weights[draws.reduce((a, b) => a + b, 0) % weights.length] = 1;
    }
    // Every walk is drawn at full depth: it stops at its first violation
    // anyway, and shrinking then cuts what follows.
    const choices = Array.from({ length: this.depth }, () => mrng.nextInt(0, CHOICE_MAX));
    return new fc.Value({ init, choices, ...(weights ? { weights } : {}) }, undefined);
  }

  canShrinkWithoutContext(_value: unknown): _value is Walk {
    return false;
  }

  shrink(w: Walk, context: unknown): fc.Stream<fc.Value<Walk>> {
    // fast-check's shorter arrays keep an array's end; reversed, they keep
    // the start of the walk, which is what a walk that fails at step k needs.
    return this.steps
      .shrink([...w.choices].reverse(), context)
      .map((v) => new fc.Value({ ...w, choices: [...v.value].reverse() }, v.context));
  }
}
