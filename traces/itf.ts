// Export to the Informal Trace Format (ITF) used by Apalache and Quint:
// `#meta`, `vars`, and one JSON object per state. Integers outside the safe
// JSON range are written as {"#bigint": "..."}, lists as arrays, records as
// objects.

import { stateObject, type TraceFile } from './format.js';

export type ItfValue = number | string | boolean | { '#bigint': string } | ItfValue[] | { [k: string]: ItfValue };

function itfValue(v: unknown): ItfValue {
  if (typeof v === 'number') return Number.isSafeInteger(v) ? v : { '#bigint': BigInt(Math.trunc(v)).toString() };
  if (typeof v === 'bigint') return { '#bigint': v.toString() };
  if (typeof v === 'string' || typeof v === 'boolean') return v;
  if (Array.isArray(v)) return v.map(itfValue);
  if (typeof v === 'object' && v !== null) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, itfValue(x)]));
  throw new Error(`ITF: cannot encode ${String(v)}`);
}

export function toItf(t: TraceFile): unknown {
  const objects = t.states.map((s) => stateObject(t.layout.fields, s));
  const vars = Object.keys(objects[0] ?? {});
  return {
    '#meta': {
      format: 'ITF',
      'format-description': 'https://apalache-mc.org/docs/adr/015adr-trace.html',
      source: `clockcheck ${t.writer}: ${t.model.source}`,
      description: `${t.variant} (${Object.entries(t.params).map(([k, v]) => `${k}=${v}`).join(' ')}): counterexample to ${t.property.kind} ${t.property.name}`,
      model: t.model.name,
      variant: t.variant,
      property: t.property.name,
    },
    vars,
    // ITF's lasso: the last state loops back to this one.
    ...(t.loopStart !== null ? { loop: t.loopStart } : {}),
    states: objects.map((o, i) => ({
      '#meta': { index: i, action: i === 0 ? 'init' : t.actions[i - 1]!.label },
      ...Object.fromEntries(Object.entries(o).map(([k, v]) => [k, itfValue(v)])),
    })),
  };
}
