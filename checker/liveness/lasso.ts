// What makes a lasso a counterexample, judged on the lasso alone (for replay
// and for tests): its loop closes, the run that repeats the loop forever is
// fair, and on that run the property fails.

import { fairnessActors, type CompiledModel, type FairnessMode, type LivenessProperty } from '../model.js';
import { Stepper } from '../search/stepper.js';

export interface LassoJudgement {
  /** The last state equals the state at the loop start (an empty loop: no step is enabled there). */
  readonly closes: boolean;
  /** The first actor the repeated loop treats unfairly, if any. */
  readonly unfair?: { readonly actor: string; readonly kind: 'weak' | 'strong' };
  /** The `over` values for which the run violates the property. */
  readonly violatedFor: readonly number[];
}

function equal(a: Uint32Array, b: Uint32Array): boolean {
  return a.length === b.length && a.every((w, k) => w === b[k]);
}

/**
 * Judge `states[0..]` with the steps `actions` (instance indices) that join
 * them and the loop from `loopStart` to the end, for property `p` under
 * `mode`. The caller has checked that the steps replay.
 */
export function judgeLasso(
  m: CompiledModel,
  p: LivenessProperty<any>,
  states: readonly Uint32Array[],
  actions: readonly number[],
  loopStart: number,
  mode: FairnessMode,
): LassoJudgement {
  const st = new Stepper(m);
  const enabledAt = (s: Uint32Array): number[] => {
    const out: number[] = [];
    for (const i of m.instances) {
      if (!st.fire(s, 0, i.index)) continue;
      if (m.constraint && !m.constraint(st.next)) continue;
      out.push(i.index);
    }
    return out;
  };
  const last = states.length - 1;
  const loopSteps = actions.slice(loopStart);
  const loopStates = states.slice(loopStart, loopSteps.length ? last : last + 1);
  const closes = loopSteps.length ? equal(states[loopStart]!, states[last]!) : enabledAt(states[last]!).length === 0;

  let unfair: LassoJudgement['unfair'];
  const en = loopStates.map(enabledAt);
  for (const a of fairnessActors(m, mode)) {
    const mine = new Set(a.instances);
    if (loopSteps.some((i) => mine.has(i))) continue;
    const enabled = en.map((list) => list.some((i) => mine.has(i)));
    if (a.kind === 'weak' ? enabled.every(Boolean) : enabled.some(Boolean)) {
      unfair = { actor: a.name, kind: a.kind };
      break;
    }
  }

  const v = m.layout.view();
  const holds = (s: Uint32Array, f: (s: any, k: number) => boolean, k: number) => {
    v.bind(s, 0);
    return f(v, k);
  };
  const violatedFor: number[] = [];
  for (const k of p.over ?? [0]) {
    // Every state the run visits from index `from` on (the loop repeats forever) misses the goal.
    const missesFrom = (from: number) => states.slice(Math.min(from, loopStart)).every((s) => !holds(s, p.q, k));
    let bad: boolean;
    if (p.kind === 'eventually') bad = missesFrom(0);
    else if (p.kind === 'alwaysEventually') bad = missesFrom(loopStart);
    else bad = states.some((s, i) => holds(s, p.p!, k) && missesFrom(i));
    if (bad) violatedFor.push(k);
  }
  return { closes, ...(unfair ? { unfair } : {}), violatedFor };
}
