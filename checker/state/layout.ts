// State layout: named, bounded integer fields bit-packed into 32-bit words.
//
// A state is `words` consecutive Uint32 values; every field has a fixed word,
// shift and mask, so reading and writing a field is a shift and a mask, and
// hashing, equality and storage work on the words alone (SPIN's flat state
// vector, Murphi's fixed record). Models never see the words: they read and
// write fields by name through a view whose accessors are built once per
// layout.

export class FieldRangeError extends Error {
  constructor(
    readonly field: string,
    readonly value: unknown,
    readonly min: number,
    readonly max: number,
  ) {
    super(`field ${field} = ${String(value)} is outside its declared range ${min}..${max}`);
    this.name = 'FieldRangeError';
  }
}

/**
 * By name, not class: a model file loaded by path may carry its own copy of
 * this module, whose FieldRangeError is a different class.
 */
export function isFieldRangeError(e: unknown): e is FieldRangeError {
  return e instanceof Error && e.name === 'FieldRangeError' && 'field' in e;
}

export interface IntSpec {
  readonly kind: 'int';
  readonly min: number;
  readonly max: number;
}
export interface BoolSpec {
  readonly kind: 'bool';
}
export interface EnumSpec<E extends Record<string, number> = Record<string, number>> {
  readonly kind: 'enum';
  readonly values: E;
}
export interface ArraySpec<T extends ElementSpec = ElementSpec> {
  readonly kind: 'array';
  readonly length: number;
  readonly of: T;
}
export type ScalarSpec = IntSpec | BoolSpec | EnumSpec;
export type BlockSpec = { readonly [name: string]: ScalarSpec | ArraySpec };
export type ElementSpec = ScalarSpec | BlockSpec;
export type AnySpec = ScalarSpec | ArraySpec;

/** An integer field with an inclusive range. */
export function int(min: number, max: number): IntSpec {
  if (!Number.isSafeInteger(min) || !Number.isSafeInteger(max) || max < min) {
    throw new Error(`int(${min}, ${max}): bounds must be integers with min <= max`);
  }
  if (max - min > 0x7fffffff) throw new Error(`int(${min}, ${max}): range wider than 31 bits`);
  return { kind: 'int', min, max };
}

export function bool(): BoolSpec {
  return { kind: 'bool' };
}

/**
 * A field holding one of a fixed set of named values. The model reads and
 * writes numbers (`s.phase === Phase.frozen`), traces show the names.
 */
export function enumOf<E extends Record<string, number>>(values: E): EnumSpec<E> {
  const nums = Object.values(values);
  const sorted = [...nums].sort((a, b) => a - b);
  if (sorted.length === 0 || sorted.some((v, i) => v !== i)) {
    throw new Error(`enumOf: values must be 0..n-1, got ${JSON.stringify(values)}`);
  }
  return { kind: 'enum', values };
}

export function array<T extends ElementSpec>(length: number, of: T): ArraySpec<T> {
  if (!Number.isInteger(length) || length < 1) throw new Error(`array(${length}): length must be >= 1`);
  return { kind: 'array', length, of };
}

// ---- view types -----------------------------------------------------------

type ScalarValue<S> = S extends BoolSpec ? boolean : number;
export type ElementView<T> = T extends ScalarSpec ? ScalarValue<T> : T extends BlockSpec ? BlockView<T> : never;
export type ArrayView<T extends ElementSpec> = T extends ScalarSpec
  ? { [index: number]: ScalarValue<T>; readonly length: number }
  : ReadonlyArray<ElementView<T>>;
export type BlockView<B extends BlockSpec> = {
  -readonly [K in keyof B]: B[K] extends ArraySpec<infer T> ? ArrayView<T> : ScalarValue<B[K]>;
};

/** A view over one packed state; rebinding it to another state is O(1). */
export interface ViewHandle {
  /** Point the view at the state that starts at `offset` in `words`. */
  bind(words: Uint32Array, offset: number): void;
}
export type StateView<B extends BlockSpec> = BlockView<B> & ViewHandle;

// ---- flattened fields -----------------------------------------------------

/** One leaf field after flattening, with its packed position. */
export interface Field {
  /** Display path, e.g. `vcpu[1].mode`. */
  readonly path: string;
  readonly spec: ScalarSpec;
  readonly min: number;
  readonly max: number;
  readonly word: number;
  readonly shift: number;
  readonly mask: number;
  /** For enum fields: value index -> name. */
  readonly names?: readonly string[];
}

function scalarRange(spec: ScalarSpec): [number, number] {
  switch (spec.kind) {
    case 'int':
      return [spec.min, spec.max];
    case 'bool':
      return [0, 1];
    case 'enum':
      return [0, Object.keys(spec.values).length - 1];
  }
}

function bitsFor(span: number): number {
  let bits = 0;
  while (2 ** bits < span) bits++;
  return bits;
}

// A block may itself have a field called `kind`, so look at the value's type.
function isScalar(spec: ElementSpec | ArraySpec): spec is ScalarSpec {
  const kind = (spec as { kind?: unknown }).kind;
  return kind === 'int' || kind === 'bool' || kind === 'enum';
}

/**
 * Source of a getter/setter pair for one field. `r` is the expression for the
 * root (which holds the bound buffer `b` and offset `o`). Constants are
 * inlined so that V8 sees a shift and a mask, nothing else.
 */
function accessorSource(key: string, f: Field, fi: number, r: string): string {
  const { word, shift, mask, min, max } = f;
  const at = `${r}.$o + ${word}`;
  const clear = ~(mask << shift) >>> 0;
  if (f.spec.kind === 'bool') {
    const bit = (1 << shift) >>> 0;
    return `get ${key}() { return (${r}.$b[${at}] & ${bit}) !== 0; }
  set ${key}(v) {
    const b = ${r}.$b, i = ${at};
    if (v === true) b[i] = b[i] | ${bit};
    else if (v === false) b[i] = b[i] & ${clear};
    else fail(${fi}, v);
  }`;
  }
  const read = `(${r}.$b[${at}] >>> ${shift}) & ${mask}`;
  const raw = min === 0 ? 'v' : `(v - ${min})`;
  return `get ${key}() { return ${min === 0 ? read : `(${read}) + ${min}`}; }
  set ${key}(v) {
    if (!(v >= ${min} && v <= ${max}) || Math.floor(v) !== v) fail(${fi}, v);
    const b = ${r}.$b, i = ${at};
    b[i] = (b[i] & ${clear}) | (${raw} << ${shift});
  }`;
}

/**
 * A compiled layout: field positions, the number of words per state, and a
 * factory for named views.
 */
export class Layout<B extends BlockSpec = BlockSpec> {
  readonly fields: readonly Field[];
  readonly words: number;
  readonly bits: number;
  private readonly fieldIndex = new Map<string, Field>();
  private makeView: (() => unknown) | undefined;

  constructor(readonly spec: B) {
    const fields: Field[] = [];
    let word = 0;
    let used = 0;
    let totalBits = 0;
    const place = (path: string, s: ScalarSpec): Field => {
      const [min, max] = scalarRange(s);
      const bits = bitsFor(max - min + 1);
      if (used + bits > 32) {
        word++;
        used = 0;
      }
      const f: Field = {
        path,
        spec: s,
        min,
        max,
        word,
        // A field of one value takes no bits; it may come right after a full
        // word, where `used` is 32, and a shift must stay in 0..31.
        shift: bits === 0 ? 0 : used,
        mask: bits === 32 ? 0xffffffff : (1 << bits) - 1,
        ...(s.kind === 'enum' ? { names: enumNames(s) } : {}),
      };
      used += bits;
      totalBits += bits;
      fields.push(f);
      return f;
    };
    const walk = (prefix: string, block: BlockSpec): void => {
      for (const [name, s] of Object.entries(block)) {
        if (!/^[A-Za-z_][A-Za-z0-9_$]*$/.test(name) || name === 'bind') {
          throw new Error(`layout: field name ${JSON.stringify(name)} is not allowed`);
        }
        const path = prefix ? `${prefix}.${name}` : name;
        if (s.kind === 'array') {
          for (let i = 0; i < s.length; i++) {
            const el = s.of;
            if (isScalar(el)) place(`${path}[${i}]`, el);
            else walk(`${path}[${i}]`, el);
          }
        } else if (isScalar(s)) {
          place(path, s);
        } else {
          throw new Error(`layout: field ${path} has an unknown spec`);
        }
      }
    };
    walk('', spec);
    this.fields = fields;
    this.words = word + 1;
    this.bits = totalBits;
    for (const f of fields) this.fieldIndex.set(f.path, f);
  }

  field(path: string): Field | undefined {
    return this.fieldIndex.get(path);
  }

  /** A fresh view; bind it to a state before use. */
  view(): StateView<B> {
    this.makeView ??= this.compileViews();
    return this.makeView() as StateView<B>;
  }

  /**
   * Generates one class per record (the root, each block of an array of
   * blocks, each array of scalars) with the field positions as literals.
   * Every view of this layout shares these classes, so property accesses in
   * a model's steps stay monomorphic.
   */
  private compileViews(): () => unknown {
    const src: string[] = [];
    const fieldNo = new Map(this.fields.map((f, i) => [f.path, i]));
    let classes = 0;
    // Returns the class name; `isRoot` classes hold b and o themselves.
    const record = (prefix: string, entries: [string, ScalarSpec | ArraySpec | ElementSpec][], isRoot: boolean): string => {
      const name = `V${classes++}`;
      const r = isRoot ? 'this' : 'this.$r';
      const members: string[] = [];
      const init: string[] = [];
      const rootArg = isRoot ? 'this' : 'r';
      for (const [key, spec] of entries) {
        const path = prefix === '' ? key : /^\d+$/.test(key) ? `${prefix}[${key}]` : `${prefix}.${key}`;
        if (isScalar(spec as AnySpec)) {
          members.push(accessorSource(key, this.fields[fieldNo.get(path)!]!, fieldNo.get(path)!, r));
        } else if ((spec as ArraySpec).kind === 'array') {
          const a = spec as ArraySpec;
          if (isScalar(a.of)) {
            const elems = Array.from({ length: a.length }, (_, i) => [String(i), a.of] as [string, ScalarSpec]);
            const cls = record(path, elems, false);
            src.push(`Object.defineProperty(${cls}.prototype, 'length', { value: ${a.length} });`);
            init.push(`this.${key} = Object.freeze(new ${cls}(${rootArg}));`);
          } else {
            const blocks = Array.from({ length: a.length }, (_, i) => `new ${record(`${path}[${i}]`, Object.entries(a.of as BlockSpec), false)}(${rootArg})`);
            // A plain array of frozen blocks: V8's optimising compiler leaves keyed
            // loads from a frozen array to the generic keyed-load stub, which cost
            // the KVM model a tenth of its time in s.vcpu[i]. The property itself
            // is read-only, so a model still cannot replace the array.
            init.push(`Object.defineProperty(this, '${key}', { value: [${blocks.map((b) => `Object.freeze(${b})`).join(', ')}], enumerable: true });`);
          }
        }
      }
      const ctor = isRoot
        ? `constructor() { this.$b = new Uint32Array(${this.words}); this.$o = 0; ${init.join(' ')} }
  bind(b, o) { this.$b = b; this.$o = o; }`
        : `constructor(r) { this.$r = r; ${init.join(' ')} }`;
      src.push(`class ${name} {\n  ${ctor}\n  ${members.join('\n  ')}\n}`);
      return name;
    };
    const root = record('', Object.entries(this.spec), true);
    const body = `${src.join('\n')}\nreturn () => Object.seal(new ${root}());`;
    const fields = this.fields;
    const fail = (fi: number, v: unknown): never => {
      const f = fields[fi]!;
      throw new FieldRangeError(f.path, v, f.min, f.max);
    };
    return new Function('fail', body)(fail) as () => unknown;
  }

  /** Decode one field of a packed state to its number (bools as 0/1). */
  read(words: ArrayLike<number>, offset: number, f: Field): number {
    return ((words[offset + f.word]! >>> f.shift) & f.mask) + f.min;
  }

  /** A plain nested object of the state, for display and export. */
  toObject(words: ArrayLike<number>, offset = 0): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    let k = 0;
    const walk = (target: Record<string, unknown>, block: BlockSpec): void => {
      for (const [name, s] of Object.entries(block)) {
        if (s.kind === 'array') {
          const arr: unknown[] = [];
          for (let i = 0; i < s.length; i++) {
            if (isScalar(s.of)) arr.push(this.display(this.fields[k++]!, words, offset));
            else {
              const o: Record<string, unknown> = {};
              walk(o, s.of);
              arr.push(o);
            }
          }
          target[name] = arr;
        } else target[name] = this.display(this.fields[k++]!, words, offset);
      }
    };
    walk(out, this.spec);
    return out;
  }

  /** A field's value as shown to people: enum names, booleans, numbers. */
  display(f: Field, words: ArrayLike<number>, offset = 0): number | boolean | string {
    const v = this.read(words, offset, f);
    if (f.spec.kind === 'bool') return v !== 0;
    if (f.names) return f.names[v] ?? v;
    return v;
  }

  /** Fields whose values differ between two states, in layout order. */
  diff(a: ArrayLike<number>, b: ArrayLike<number>): Field[] {
    return this.fields.filter((f) => this.read(a, 0, f) !== this.read(b, 0, f));
  }

  /** Check every field of a packed state is within range (for loaded traces). */
  validate(words: ArrayLike<number>): string | undefined {
    if (words.length !== this.words) return `state has ${words.length} words, layout has ${this.words}`;
    for (const f of this.fields) {
      const raw = (words[f.word]! >>> f.shift) & f.mask;
      if (raw + f.min > f.max) return `field ${f.path} holds ${raw + f.min}, outside ${f.min}..${f.max}`;
    }
    return undefined;
  }
}

function enumNames(s: EnumSpec): string[] {
  const names: string[] = [];
  for (const [name, v] of Object.entries(s.values)) names[v] = name;
  return names;
}

export function defineLayout<B extends BlockSpec>(spec: B): Layout<B> {
  return new Layout(spec);
}
