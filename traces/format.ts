// The trace file format (docs/trace-format.md): a msgpack map with a header
// (format, version, writer, model, parameters, property), the state layout,
// the actions, and every state, so a reader without the model can still show
// the trace. Decoding validates everything and fails with one line.

import { decode, encode } from '@msgpack/msgpack';
import { LIVENESS_KINDS, type CompiledModel, type FairnessMode, type Field, type PropertyKind, type Trace } from '../checker/index.js';
import { describeTrace } from './describe.js';

export const FORMAT = 'clockcheck-trace';
/** 2: liveness counterexamples (a loop start, the subject, the fairness). Version 1 files still read. */
export const FORMAT_VERSION = 2;

export class TraceFileError extends Error {
  override name = 'TraceFileError';
}

/** A layout field as stored in the file: its position and how to show it. */
export type FieldInfo = Pick<Field, 'path' | 'min' | 'max' | 'word' | 'shift' | 'mask' | 'names'> & { readonly kind: Field['spec']['kind'] };

export type Scalar = number | string | boolean;

export interface TraceFile {
  readonly format: typeof FORMAT;
  readonly version: number;
  /** clockcheck version that wrote it. */
  readonly writer: string;
  readonly createdAt: string;
  readonly model: {
    readonly name: string;
    /** A family of variants (e.g. `kvm-suspend-time`), if the model belongs to one. */
    readonly family: string | null;
    /** A built-in model's name, or the absolute path of a model file. */
    readonly source: string;
  };
  readonly variant: string;
  readonly params: Readonly<Record<string, number>>;
  readonly property: { readonly name: string; readonly kind: PropertyKind; readonly doc: string };
  readonly layout: { readonly words: number; readonly fields: readonly FieldInfo[] };
  readonly initIndex: number;
  readonly actions: readonly { readonly family: string; readonly args: readonly number[]; readonly label: string }[];
  /** states[0] is the initial state; states[i + 1] follows actions[i]. */
  readonly states: readonly Uint32Array[];
  /** The model's derived values (`observe`) for each state. */
  readonly observed: readonly Readonly<Record<string, Scalar>>[];
  /** The model's note on each step (`explain`); null for the initial state and plain steps. */
  readonly notes: readonly (string | null)[];
  /**
   * Version 2, liveness only (null otherwise): the run repeats actions
   * loopStart.. forever (states[loopStart] equals the last state; with no
   * action after it, no step is enabled there and the run stays).
   */
  readonly loopStart: number | null;
  /** The `over` value of the property the lasso is about (e.g. the vCPU), or null. */
  readonly subject: number | null;
  /** The same for people ("vCPU 1"), or null. */
  readonly subjectName: string | null;
  /** The fairness the lasso is fair under, or null. */
  readonly fairness: FairnessMode | null;
  /**
   * What each action family stands for (its `doc`: for KVM, the kernel
   * function), so that a reader without the model can say it. Absent in
   * files written before it was added, and for models with no action docs.
   */
  readonly actionDocs?: Readonly<Record<string, string>>;
}

export interface ModelRef {
  readonly name: string;
  readonly family?: string | undefined;
  readonly source: string;
}

/** The `doc` of every action family that has one. */
export function actionDocsOf(m: CompiledModel): Record<string, string> {
  return Object.fromEntries(m.families.filter((f) => f.doc).map((f) => [f.name, f.doc!]));
}

export function traceFileOf(m: CompiledModel, ref: ModelRef, t: Trace, writer: string, doc: string): TraceFile {
  const d = describeTrace(m, t);
  const actionDocs = actionDocsOf(m);
  return {
    format: FORMAT,
    version: FORMAT_VERSION,
    writer,
    createdAt: new Date().toISOString(),
    model: { name: ref.name, family: ref.family ?? null, source: ref.source },
    variant: m.name,
    params: { ...m.params },
    property: { name: t.property, kind: t.kind, doc },
    layout: {
      words: m.words,
      fields: m.layout.fields.map((f) => ({
        path: f.path,
        kind: f.spec.kind,
        min: f.min,
        max: f.max,
        word: f.word,
        shift: f.shift,
        mask: f.mask,
        ...(f.names ? { names: f.names } : {}),
      })),
    },
    initIndex: t.initIndex,
    actions: t.actions.map((a) => ({ family: a.family, args: [...a.args], label: a.label })),
    states: t.states.map((s) => s.slice()),
    observed: d.steps.map((s) => ({ ...s.observed })),
    notes: d.steps.map((s) => s.note ?? null),
    loopStart: t.loopStart ?? null,
    subject: t.subject ?? null,
    subjectName: t.subjectName ?? null,
    fairness: t.fairness ?? null,
    ...(Object.keys(actionDocs).length ? { actionDocs } : {}),
  };
}

// ---- encoding ------------------------------------------------------------------

function packStates(states: readonly Uint32Array[], words: number): Uint8Array {
  const out = new Uint8Array(states.length * words * 4);
  const dv = new DataView(out.buffer);
  states.forEach((s, i) => {
    for (let k = 0; k < words; k++) dv.setUint32((i * words + k) * 4, s[k]!, true);
  });
  return out;
}

export function encodeTrace(t: TraceFile): Uint8Array {
  return encode({ ...t, states: packStates(t.states, t.layout.words) });
}

// ---- decoding and validation ------------------------------------------------------

type Obj = Record<string, unknown>;

function fail(msg: string): never {
  throw new TraceFileError(msg);
}

function isObj(x: unknown): x is Obj {
  return typeof x === 'object' && x !== null && !Array.isArray(x) && !(x instanceof Uint8Array);
}

function str(o: Obj, k: string, where: string): string {
  const v = o[k];
  if (typeof v !== 'string') fail(`${where}.${k} is missing or not a string`);
  return v;
}

function int(o: Obj, k: string, where: string, min = -(2 ** 53), max = 2 ** 53): number {
  const v = o[k];
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) fail(`${where}.${k} is missing or not an integer in ${min}..${max}`);
  return v;
}

function arr(o: Obj, k: string, where: string): unknown[] {
  const v = o[k];
  if (!Array.isArray(v)) fail(`${where}.${k} is missing or not a list`);
  return v;
}

function obj(o: Obj, k: string, where: string): Obj {
  const v = o[k];
  if (!isObj(v)) fail(`${where}.${k} is missing or not a map`);
  return v;
}

const KINDS: readonly PropertyKind[] = ['invariant', 'step', 'deadlock', ...LIVENESS_KINDS];
const FAIRNESS: readonly FairnessMode[] = ['none', 'weak', 'strong', 'model'];
const FIELD_KINDS = ['int', 'bool', 'enum'] as const;

export function decodeTrace(bytes: Uint8Array): TraceFile {
  if (bytes.length === 0) fail('the file is empty');
  let raw: unknown;
  try {
    raw = decode(bytes);
  } catch (e) {
    fail(`not a clockcheck trace: the data is not valid msgpack (${(e as Error).message.split('\n')[0]})`);
  }
  if (!isObj(raw)) fail('not a clockcheck trace: the data is not a map');
  if (raw.format !== FORMAT) fail(`not a clockcheck trace: format is ${JSON.stringify(raw.format) ?? 'missing'}, expected "${FORMAT}"`);
  const version = int(raw, 'version', 'trace', 1);
  if (version > FORMAT_VERSION) {
    fail(`the trace has format version ${version}, written by a newer clockcheck (${String(raw.writer)}); this one reads version ${FORMAT_VERSION}`);
  }
  const model = obj(raw, 'model', 'trace');
  const family = model.family;
  if (family !== null && typeof family !== 'string') fail('trace.model.family is not a string or null');
  const params = obj(raw, 'params', 'trace');
  for (const [k, v] of Object.entries(params)) if (typeof v !== 'number' || !Number.isInteger(v)) fail(`trace.params.${k} is not an integer`);
  const property = obj(raw, 'property', 'trace');
  const kind = str(property, 'kind', 'trace.property');
  if (!(KINDS as readonly string[]).includes(kind)) fail(`trace.property.kind "${kind}" is not one of ${KINDS.join(', ')}`);
  const layout = obj(raw, 'layout', 'trace');
  const words = int(layout, 'words', 'trace.layout', 1, 1 << 16);
  const fields: FieldInfo[] = arr(layout, 'fields', 'trace.layout').map((f, i) => {
    const w = `trace.layout.fields[${i}]`;
    if (!isObj(f)) fail(`${w} is not a map`);
    const fk = str(f, 'kind', w);
    if (!(FIELD_KINDS as readonly string[]).includes(fk)) fail(`${w}.kind "${fk}" is not int, bool or enum`);
    const names = f.names;
    if (names !== undefined && (!Array.isArray(names) || names.some((n) => typeof n !== 'string'))) fail(`${w}.names is not a list of strings`);
    const info: FieldInfo = {
      path: str(f, 'path', w),
      kind: fk as FieldInfo['kind'],
      min: int(f, 'min', w),
      max: int(f, 'max', w),
      word: int(f, 'word', w, 0, words - 1),
      // A field of one value takes no bits; placed where a word is full, its shift is 32.
      shift: int(f, 'shift', w, 0, 32),
      mask: int(f, 'mask', w, 0, 0xffffffff),
      ...(names !== undefined ? { names: names as string[] } : {}),
    };
    if (info.max < info.min) fail(`${w} has max < min`);
    if (info.shift === 32 && info.mask !== 0) fail(`${w}.shift is 32 for a field that takes bits`);
    return info;
  });
  const actions = arr(raw, 'actions', 'trace').map((a, i) => {
    const w = `trace.actions[${i}]`;
    if (!isObj(a)) fail(`${w} is not a map`);
    const args = arr(a, 'args', w);
    if (args.some((x) => typeof x !== 'number' || !Number.isInteger(x))) fail(`${w}.args are not integers`);
    return { family: str(a, 'family', w), args: args as number[], label: str(a, 'label', w) };
  });
  const packed = raw.states;
  if (!(packed instanceof Uint8Array)) fail('trace.states is missing or not binary');
  const expected = (actions.length + 1) * words * 4;
  if (packed.length !== expected) fail(`trace.states holds ${packed.length} bytes, expected ${expected} for ${actions.length + 1} states of ${words} words`);
  const dv = new DataView(packed.buffer, packed.byteOffset, packed.byteLength);
  const states: Uint32Array[] = [];
  for (let i = 0; i <= actions.length; i++) {
    const s = new Uint32Array(words);
    for (let k = 0; k < words; k++) s[k] = dv.getUint32((i * words + k) * 4, true);
    for (const f of fields) {
      const v = ((s[f.word]! >>> f.shift) & f.mask) + f.min;
      if (v > f.max) fail(`state ${i}: field ${f.path} holds ${v}, outside ${f.min}..${f.max}`);
    }
    states.push(s);
  }
  const observed = arr(raw, 'observed', 'trace');
  if (observed.length !== states.length || observed.some((o) => !isObj(o))) fail('trace.observed must be one map per state');
  for (const o of observed as Obj[]) {
    for (const [k, v] of Object.entries(o)) if (!['number', 'string', 'boolean'].includes(typeof v)) fail(`trace.observed value ${k} is not a number, string or boolean`);
  }
  const notes = arr(raw, 'notes', 'trace');
  if (notes.length !== states.length || notes.some((n) => n !== null && typeof n !== 'string')) fail('trace.notes must be one string or null per state');
  const live = (LIVENESS_KINDS as readonly string[]).includes(kind);
  let loopStart: number | null = null;
  let subject: number | null = null;
  let subjectName: string | null = null;
  let fairness: FairnessMode | null = null;
  if (version >= 2) {
    if (raw.loopStart !== null) loopStart = int(raw, 'loopStart', 'trace', 0, actions.length);
    if (raw.subject !== null) subject = int(raw, 'subject', 'trace');
    if (raw.subjectName !== null) subjectName = str(raw, 'subjectName', 'trace');
    if (raw.fairness !== null) {
      const f = str(raw, 'fairness', 'trace');
      if (!(FAIRNESS as readonly string[]).includes(f)) fail(`trace.fairness "${f}" is not one of ${FAIRNESS.join(', ')}`);
      fairness = f as FairnessMode;
    }
  }
  if (live && loopStart === null) fail(`trace.loopStart is missing: a ${kind} counterexample is a lasso`);
  if (!live && loopStart !== null) fail(`trace.loopStart is set, but a ${kind} counterexample is not a lasso`);
  // Optional in every version: files from before it was added have none.
  const actionDocs = raw.actionDocs;
  if (actionDocs !== undefined && (!isObj(actionDocs) || Object.values(actionDocs).some((d) => typeof d !== 'string'))) {
    fail('trace.actionDocs is not a map of strings');
  }
  return {
    format: FORMAT,
    version,
    writer: str(raw, 'writer', 'trace'),
    createdAt: str(raw, 'createdAt', 'trace'),
    model: { name: str(model, 'name', 'trace.model'), family: (family as string | null) ?? null, source: str(model, 'source', 'trace.model') },
    variant: str(raw, 'variant', 'trace'),
    params: params as Record<string, number>,
    property: { name: str(property, 'name', 'trace.property'), kind: kind as PropertyKind, doc: str(property, 'doc', 'trace.property') },
    layout: { words, fields },
    initIndex: int(raw, 'initIndex', 'trace', 0),
    actions,
    states,
    observed: observed as Record<string, Scalar>[],
    notes: notes as (string | null)[],
    loopStart,
    subject,
    subjectName,
    fairness,
    ...(actionDocs !== undefined ? { actionDocs: actionDocs as Record<string, string> } : {}),
  };
}

/** A field's value in a packed state, as people read it. */
export function fieldValue(f: FieldInfo, s: Uint32Array): Scalar {
  const v = ((s[f.word]! >>> f.shift) & f.mask) + f.min;
  if (f.kind === 'bool') return v !== 0;
  if (f.names) return f.names[v] ?? v;
  return v;
}

/** Nested plain object of a state (as Layout.toObject, but from the file's field list). */
export function stateObject(fields: readonly FieldInfo[], s: Uint32Array): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const f of fields) {
    // Paths look like a, a[1], a[1].b: walk them.
    const parts = f.path.match(/[A-Za-z_$][A-Za-z0-9_$]*|\[\d+\]/g)!;
    let cur: any = out;
    for (let i = 0; i < parts.length; i++) {
      const p = parts[i]!;
      const key: string | number = p.startsWith('[') ? Number(p.slice(1, -1)) : p;
      const last = i === parts.length - 1;
      if (last) cur[key] = fieldValue(f, s);
      else {
        const nextIsIndex = parts[i + 1]!.startsWith('[');
        cur[key] ??= nextIsIndex ? [] : {};
        cur = cur[key];
      }
    }
  }
  return out;
}
