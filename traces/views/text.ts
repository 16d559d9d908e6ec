// A counterexample as plain text, for places that show only text: a JUnit
// failure, a GitHub annotation or job summary, a SARIF message, a failed
// vitest assertion. No colours, no terminal widths.

import { fieldValue, type Scalar } from '../format.js';
import { loopStartOf, type ShownTrace } from './chart.js';

export interface FieldChange {
  readonly path: string;
  /** Undefined for the initial state. */
  readonly before: Scalar | undefined;
  readonly after: Scalar;
}

/** The fields step `i` changed (every field for the initial state). */
export function changesAt(t: ShownTrace, i: number): FieldChange[] {
  const s = t.states[i]!;
  const prev = i > 0 ? t.states[i - 1]! : undefined;
  const out: FieldChange[] = [];
  for (const f of t.layout.fields) {
    const after = fieldValue(f, s);
    const before = prev ? fieldValue(f, prev) : undefined;
    if (prev === undefined || before !== after) out.push({ path: f.path, before, after });
  }
  return out;
}

/** `vcpuRun(0)`, or `initial` for step 0. */
export function actionAt(t: ShownTrace, i: number): string {
  return i === 0 ? 'initial' : t.actions[i - 1]!.label;
}

/** What the action of step `i` stands for (the family's doc), if the trace says. */
export function actionDocAt(t: ShownTrace, i: number): string | undefined {
  return i === 0 ? undefined : t.actionDocs?.[t.actions[i - 1]!.family];
}

/** What the last step does wrong, in words. */
export function violationText(t: ShownTrace): string {
  const loop = loopStartOf(t);
  if (loop !== undefined) return `violates ${t.property.name} forever: steps ${loop + 1}-${t.actions.length} repeat, back to step ${loop}`;
  if (t.property.kind === 'deadlock') return 'deadlock: no action is enabled and the model does not accept this state as an end';
  return `violates ${t.property.name}`;
}

/**
 * One line: who violates what, how long the counterexample is and how it
 * ends (`v3 violates monoNoRewind: 13 steps, ending in readClock(0,0): kernel
 * read on vCPU 0: MONO=…`).
 */
export function summaryLine(t: ShownTrace): string {
  const n = t.actions.length;
  const last = actionAt(t, n);
  const note = t.notes[n];
  return `${t.variant} violates ${t.property.name}: ${stepsShape(t)}, ending in ${last}${note ? `: ${note}` : ''}`;
}

/** `6 steps`, or for a lasso `5+4 steps (a loop of 4 back to step 5, forever)`. */
export function stepsShape(t: ShownTrace): string {
  const n = t.actions.length;
  const loop = loopStartOf(t);
  return loop !== undefined ? `${loop}+${n - loop} steps (a loop of ${n - loop} back to step ${loop}, forever)` : `${n} steps`;
}

/** The whole counterexample, a step a line: action, the model's note, fields changed. */
export function traceText(t: ShownTrace): string {
  const lines: string[] = [];
  lines.push(`${t.variant}: counterexample to ${t.property.kind} ${t.property.name}, ${stepsShape(t)}`);
  if (t.property.doc) lines.push(`  ${t.property.doc}`);
  const params = Object.entries(t.params).map(([k, v]) => `${k}=${v}`).join(' ');
  if (params) lines.push(`  ${params}`);
  const width = Math.max(...t.states.map((_, i) => actionAt(t, i).length));
  const loop = loopStartOf(t);
  const last = t.actions.length;
  t.states.forEach((_, i) => {
    const items: string[] = [];
    if (t.notes[i]) items.push(t.notes[i]!);
    if (i === 0) items.push('(initial state)');
    else {
      const changed = changesAt(t, i).map((c) => `${c.path}=${String(c.after)}`);
      items.push(...(changed.length ? changed : ['(no change)']));
    }
    if (i === last) items.push(`<- ${violationText(t)}`);
    const mark = loop !== undefined && i >= loop ? '|' : ' ';
    lines.push(`${mark}${String(i).padStart(4)}  ${actionAt(t, i).padEnd(width)}  ${items.join(' ')}`);
  });
  if (loop !== undefined) lines.push(`  (the steps marked | repeat forever: after step ${last} the run is back at step ${loop})`);
  return lines.join('\n');
}
