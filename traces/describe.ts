// A trace as people read it: each step's action, the fields it changed, and
// the model's derived observations (clock readings) after it.

import type { CompiledModel, Layout, Trace } from '../checker/index.js';

export type Value = number | boolean | string;

export interface StepView {
  /** 0 for the initial state. */
  readonly index: number;
  /** Action label; `initial` for step 0. */
  readonly action: string;
  /** Fields that differ from the previous state (every field for step 0). */
  readonly changes: ReadonlyArray<readonly [string, Value]>;
  /** Derived values from the model's `observe`, if any. */
  readonly observed: Readonly<Record<string, Value>>;
  /** The model's note on this step (`explain`), if any. */
  readonly note?: string;
  /** The whole state. */
  readonly state: Readonly<Record<string, unknown>>;
}

export interface TraceView {
  readonly property: string;
  readonly kind: string;
  readonly length: number;
  readonly steps: readonly StepView[];
  /** Lassos: the step the loop goes back to (the loop is steps loopStart+1 .. length). */
  readonly loopStart?: number;
}

export function fieldValues(layout: Layout<any>, s: Uint32Array): [string, Value][] {
  return layout.fields.map((f) => [f.path, layout.display(f, s)]);
}

export function describeTrace(m: CompiledModel, t: Trace): TraceView {
  const layout = m.layout;
  const view = layout.view();
  const prev = layout.view();
  const explain = (i: number): string | undefined => {
    if (i === 0 || !m.explain) return undefined;
    prev.bind(t.states[i - 1]!, 0);
    view.bind(t.states[i]!, 0);
    return m.explain(prev, t.actions[i - 1]!, view);
  };
  const observe = (s: Uint32Array): Record<string, Value> => {
    if (!m.observe) return {};
    view.bind(s, 0);
    return m.observe(view);
  };
  const steps: StepView[] = t.states.map((s, i) => ({
    index: i,
    ...(explain(i) !== undefined ? { note: explain(i)! } : {}),
    action: i === 0 ? 'initial' : t.actions[i - 1]!.label,
    changes:
      i === 0
        ? fieldValues(layout, s)
        : layout.diff(t.states[i - 1]!, s).map((f) => [f.path, layout.display(f, s)] as const),
    observed: observe(s),
    state: layout.toObject(s),
  }));
  return { property: t.property, kind: t.kind, length: t.actions.length, steps, ...(t.loopStart !== undefined ? { loopStart: t.loopStart } : {}) };
}
