// Replaying a trace file against a model: the one it was written from, or
// another variant ("does v3 survive the interleaving that breaks baseline?").

import {
  compileModel,
  isStuck,
  judgeLasso,
  isFieldRangeError,
  ModelError,
  Stepper,
  UsageError,
  type CompiledModel,
  type ModelDefinition,
} from '../checker/index.js';
import { fieldValue, TraceFileError, type Scalar, type TraceFile } from './format.js';

export type ReplayOutcome =
  | { readonly kind: 'reproduced'; readonly step: number; readonly steps: number }
  | { readonly kind: 'holds'; readonly steps: number; readonly reason?: string }
  | {
      readonly kind: 'diverged';
      readonly step: number;
      readonly reason: string;
      readonly fields: readonly { readonly path: string; readonly recorded: Scalar; readonly replayed: Scalar }[];
    };

export interface ReplayResult {
  readonly outcome: ReplayOutcome;
  readonly model: CompiledModel;
  /** Variant replayed against. */
  readonly variant: string;
  readonly sameVariant: boolean;
}

/**
 * Replay every action. Against the trace's own variant every recorded state
 * must match; against another variant only enabledness matters, and the
 * property is judged on the states that variant produces.
 */
export function replayTrace(t: TraceFile, def: ModelDefinition, sameVariant: boolean): ReplayResult {
  let m: CompiledModel;
  try {
    m = compileModel(def, t.params);
  } catch (e) {
    if (e instanceof UsageError) throw new TraceFileError(`the trace's parameters do not fit model ${def.name}: ${e.message}`);
    throw e;
  }
  const variant = m.name;
  const diverged = (step: number, reason: string, fields: { path: string; recorded: Scalar; replayed: Scalar }[] = []): ReplayResult => ({
    outcome: { kind: 'diverged', step, reason, fields },
    model: m,
    variant,
    sameVariant,
  });
  const prop = m.properties.find((p) => p.name === t.property.name && p.kind === t.property.kind);
  if (!prop) {
    const msg = `model ${variant} has no ${t.property.kind} property named ${t.property.name}`;
    if (sameVariant) throw new TraceFileError(msg);
    return diverged(0, msg);
  }
  if (sameVariant) {
    const now = m.layout.fields.map((f) => f.path).join(',');
    const then = t.layout.fields.map((f) => f.path).join(',');
    if (now !== then || m.words !== t.layout.words) return diverged(0, `the state layout of ${variant} changed since the trace was written`);
  }
  const init = m.inits[t.initIndex];
  if (!init) {
    if (sameVariant) throw new TraceFileError(`model ${variant} has no initial state ${t.initIndex}`);
    return diverged(0, `variant ${variant} has no initial state ${t.initIndex}`);
  }
  const instances = t.actions.map((a) => m.instances.find((i) => i.family === a.family && i.args.join(',') === a.args.join(',')));
  const missing = instances.findIndex((i) => i === undefined);
  if (missing >= 0) {
    const msg = `action ${t.actions[missing]!.label} (step ${missing + 1}) does not exist in model ${variant}`;
    if (sameVariant) throw new TraceFileError(msg);
    return diverged(missing + 1, msg);
  }
  const st = new Stepper(m);
  const view = m.layout.view();
  const compare = (step: number, s: Uint32Array): ReplayResult | undefined => {
    if (!sameVariant) return undefined;
    const rec = t.states[step]!;
    const differ = t.layout.fields
      .map((f, k) => ({ f, now: m.layout.fields[k]! }))
      .filter(({ f, now }) => fieldValue(f, rec) !== m.layout.display(now, s))
      .map(({ f, now }) => ({ path: f.path, recorded: fieldValue(f, rec), replayed: m.layout.display(now, s) }));
    if (differ.length === 0) return undefined;
    return diverged(step, `state ${step} differs from the recorded one`, differ);
  };
  const violatedAt = (i: number, before: Uint32Array | undefined, s: Uint32Array): boolean => {
    if (prop.kind === 'invariant') {
      view.bind(s, 0);
      return !m.invariants.find((p) => p.name === prop.name)!.check(view);
    }
    if (prop.kind === 'step') {
      if (!before) return false;
      st.fire(before, 0, instances[i - 1]!.index);
      return !m.stepProperties.find((p) => p.name === prop.name)!.check(st.cur, instances[i - 1]!, st.next);
    }
    return false;
  };
  let s: Uint32Array = init.slice();
  const first = compare(0, s);
  if (first) return first;
  const states: Uint32Array[] = [s];
  let violation = violatedAt(0, undefined, s) ? 0 : -1;
  for (let i = 1; i <= instances.length; i++) {
    let next: Uint32Array | null;
    try {
      next = st.apply(s, instances[i - 1]!.index);
    } catch (e) {
      if (e instanceof ModelError || isFieldRangeError(e)) return diverged(i, `${instances[i - 1]!.label} fails: ${(e as Error).message}`);
      throw e;
    }
    if (!next) return diverged(i, `${instances[i - 1]!.label} is not enabled`);
    const bad = compare(i, next);
    if (bad) return bad;
    if (violation < 0 && violatedAt(i, s, next)) violation = i;
    s = next;
    states.push(s);
  }
  if (prop.kind === 'deadlock' && violation < 0 && isStuck(m, s) === true) violation = instances.length;
  if (t.loopStart !== null) {
    // A lasso: the run repeats the loop forever. It must close, be fair, and miss the goal.
    const live = m.liveness.find((p) => p.name === prop.name)!;
    const j = judgeLasso(m, live, states, instances.map((i) => i!.index), t.loopStart, t.fairness ?? 'model');
    const n = instances.length;
    if (!j.closes) {
      const why = n === t.loopStart ? `a step is enabled in state ${n}, so the run does not stay there` : `state ${n} is not state ${t.loopStart}, where the loop starts`;
      return diverged(n, `the loop does not close: ${why}`);
    }
    if (j.unfair) {
      return {
        outcome: { kind: 'holds', steps: n, reason: `the loop is not ${j.unfair.kind}ly fair to ${j.unfair.actor} (fairness '${t.fairness ?? 'model'}')` },
        model: m,
        variant,
        sameVariant,
      };
    }
    const outcome: ReplayOutcome = j.violatedFor.length ? { kind: 'reproduced', step: n, steps: n } : { kind: 'holds', steps: n, reason: `a goal state of ${prop.name} lies on the run` };
    return { outcome, model: m, variant, sameVariant };
  }
  const outcome: ReplayOutcome =
    violation >= 0 ? { kind: 'reproduced', step: violation, steps: instances.length } : { kind: 'holds', steps: instances.length };
  return { outcome, model: m, variant, sameVariant };
}
