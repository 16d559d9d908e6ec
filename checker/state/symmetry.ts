// Symmetry reduction for interchangeable blocks (Murphi's scalarsets, TLC's
// SYMMETRY): when elements `from`..n-1 of an array are interchangeable, every
// state is stored in a canonical form with those elements sorted, so each
// orbit of states that differ only by a permutation of them is explored once.
//
// The model vouches that the elements are interchangeable: no action, guard,
// property or constraint may treat one of them differently from another, and
// no field may hold an element's index. The checker cannot prove that, but the
// sum of orbit sizes it reports must equal the count without reduction, and
// the tests compare the two on every KVM design.
//
// Each element is a row of raw field bits; rows are ordered lexicographically
// by those bits. Canonical forms are compared, hashed and stored like any
// state, so the visited set does not change.

import { ModelError } from '../errors.js';
import type { Layout } from './layout.js';

export interface SymmetrySpec {
  /** A top-level array field (of blocks or of scalars). */
  readonly array: string;
  /** Elements before this index are not interchangeable (vCPU 0 in the KVM model). */
  readonly from?: number;
}

const FACTORIAL = [1, 1, 2, 6, 24, 120, 720, 5040, 40320, 362880, 3628800, 39916800, 479001600];

export class Symmetry {
  /** Interchangeable elements. */
  readonly elements: number;
  /** Fields per element. */
  private readonly width: number;
  private readonly word: Int32Array;
  private readonly shift: Int32Array;
  private readonly mask: Uint32Array;
  private readonly rows: Uint32Array;
  private readonly order: Int32Array;
  /**
   * Fast path, when an element's fields fit in 52 bits: generated code reads
   * each element into one number (its fields concatenated, first field
   * highest), so the order is the same as `compare`'s, and writes one back.
   */
  private readonly keys: Float64Array;
  /**
   * Fastest path, when an element's fields fit in 31 bits (the KVM vCPU
   * block is 22): one generated function per operation with each element's
   * key an integer in a local (no scratch array), a sorting network of
   * compare-exchanges (no call to a sort builtin), and only the elements
   * that moved written back, word by word. Same order as the other paths,
   * so the same canonical forms.
   */
  private readonly canonInt: ((w: Uint32Array, off: number) => void) | undefined;
  private readonly orbitInt: ((w: Uint32Array, off: number) => number) | undefined;
  private readonly loadKeys: ((w: Uint32Array, off: number, keys: Float64Array) => void) | undefined;
  private readonly storeKey: ((w: Uint32Array, off: number, j: number, key: number) => void) | undefined;

  constructor(
    layout: Layout<any>,
    readonly spec: SymmetrySpec,
  ) {
    const from = spec.from ?? 0;
    const top = (layout.spec as Record<string, unknown>)[spec.array] as { kind?: string; length?: number } | undefined;
    if (!top || top.kind !== 'array' || top.length === undefined) {
      throw new ModelError(`symmetry: ${spec.array} is not an array field of the layout`);
    }
    const n = top.length;
    if (!Number.isInteger(from) || from < 0 || from > n) throw new ModelError(`symmetry: from=${from} is outside 0..${n} for ${spec.array}`);
    this.elements = n - from;
    if (this.elements >= FACTORIAL.length) throw new ModelError(`symmetry: ${this.elements} interchangeable elements is more than supported (${FACTORIAL.length - 1})`);
    const rows: (typeof layout.fields)[] = [];
    for (let j = from; j < n; j++) {
      const prefix = `${spec.array}[${j}]`;
      rows.push(layout.fields.filter((f) => f.path === prefix || f.path.startsWith(prefix + '.') || f.path.startsWith(prefix + '[')));
    }
    this.width = rows[0]?.length ?? 0;
    const cells = this.elements * this.width;
    this.word = new Int32Array(cells);
    this.shift = new Int32Array(cells);
    this.mask = new Uint32Array(cells);
    rows.forEach((fields, r) =>
      fields.forEach((f, k) => {
        this.word[r * this.width + k] = f.word;
        this.shift[r * this.width + k] = f.shift;
        this.mask[r * this.width + k] = f.mask;
      }),
    );
    this.rows = new Uint32Array(cells);
    this.order = new Int32Array(this.elements);
    this.keys = new Float64Array(this.elements);
    const bits = (m: number) => Math.round(Math.log2(m + 1));
    const rowBits = rows[0]?.reduce((t, f) => t + bits(f.mask), 0) ?? 0;
    if (rowBits <= 31 && this.width > 0 && this.elements >= 2) {
      [this.canonInt, this.orbitInt] = compileIntCanon(rows, bits, rowBits);
    } else if (rowBits <= 52 && this.width > 0) {
      const load: string[] = [];
      const store: string[] = ['switch (j) {'];
      rows.forEach((fields, j) => {
        let below = rowBits;
        const terms: string[] = [];
        store.push(`case ${j}: {`);
        for (const f of fields) {
          below -= bits(f.mask);
          const scale = 2 ** below;
          terms.push(`((w[off + ${f.word}] >>> ${f.shift}) & ${f.mask}) * ${scale}`);
          store.push(
            `{ const v = Math.floor(key / ${scale}) % ${f.mask + 1}; const i = off + ${f.word}; w[i] = ((w[i] & ${~(f.mask << f.shift) >>> 0}) | (v << ${f.shift})) >>> 0; }`,
          );
        }
        load.push(`keys[${j}] = ${terms.join(' + ')};`);
        store.push('return; }');
      });
      store.push('}');
      this.loadKeys = new Function('w', 'off', 'keys', load.join('\n')) as typeof this.loadKeys;
      this.storeKey = new Function('w', 'off', 'j', 'key', store.join('\n')) as typeof this.storeKey;
    }
  }

  private canonicalizeKeys(w: Uint32Array, off: number): void {
    const E = this.elements;
    const keys = this.keys;
    this.loadKeys!(w, off, keys);
    let sorted = true;
    for (let j = 1; j < E; j++) {
      if (keys[j - 1]! > keys[j]!) {
        sorted = false;
        break;
      }
    }
    if (sorted) return;
    keys.sort();
    for (let j = 0; j < E; j++) this.storeKey!(w, off, j, keys[j]!);
  }

  /** Read the rows of the state at `off` into the scratch buffer. */
  private load(w: Uint32Array, off: number): void {
    const cells = this.rows.length;
    for (let c = 0; c < cells; c++) this.rows[c] = (w[off + this.word[c]!]! >>> this.shift[c]!) & this.mask[c]!;
  }

  /** <0, 0, >0 as row a sorts before, with, after row b. */
  private compare(a: number, b: number): number {
    const W = this.width;
    const rows = this.rows;
    for (let k = 0; k < W; k++) {
      const d = rows[a * W + k]! - rows[b * W + k]!;
      if (d !== 0) return d;
    }
    return 0;
  }

  /** Rewrite the state at `off` in canonical form (its elements sorted). */
  canonicalize(w: Uint32Array, off: number): void {
    const E = this.elements;
    if (E < 2) return;
    if (this.canonInt) return this.canonInt(w, off);
    if (this.loadKeys) return this.canonicalizeKeys(w, off);
    this.load(w, off);
    const order = this.order;
    let sorted = true;
    for (let j = 0; j < E; j++) order[j] = j;
    // Insertion sort: a handful of elements.
    for (let j = 1; j < E; j++) {
      const r = order[j]!;
      let i = j - 1;
      while (i >= 0 && this.compare(order[i]!, r) > 0) {
        order[i + 1] = order[i]!;
        i--;
        sorted = false;
      }
      order[i + 1] = r;
    }
    if (sorted) return;
    const W = this.width;
    for (let j = 0; j < E; j++) {
      const src = order[j]!;
      if (src === j) continue;
      for (let k = 0; k < W; k++) {
        const c = j * W + k;
        const at = off + this.word[c]!;
        const sh = this.shift[c]!;
        const m = this.mask[c]!;
        w[at] = ((w[at]! & ~(m << sh)) | (this.rows[src * W + k]! << sh)) >>> 0;
      }
    }
  }

  /**
   * How many distinct states the orbit of this (canonical) state holds: E!
   * over the factorial of each run of equal elements. The two paths repeat
   * the loop on purpose: a shared comparison callback cost a third of the
   * reduced search's time.
   */
  orbit(w: Uint32Array, off: number): number {
    const E = this.elements;
    if (E < 2) return 1;
    if (this.orbitInt) return this.orbitInt(w, off);
    if (this.loadKeys) {
      const keys = this.keys;
      this.loadKeys(w, off, keys);
      let n = FACTORIAL[E]!;
      let run = 1;
      for (let j = 1; j < E; j++) {
        if (keys[j - 1] === keys[j]) run++;
        else {
          n /= FACTORIAL[run]!;
          run = 1;
        }
      }
      return n / FACTORIAL[run]!;
    }
    this.load(w, off);
    let n = FACTORIAL[E]!;
    let run = 1;
    for (let j = 1; j < E; j++) {
      if (this.compare(j - 1, j) === 0) run++;
      else {
        n /= FACTORIAL[run]!;
        run = 1;
      }
    }
    return n / FACTORIAL[run]!;
  }
}

type Field = { readonly word: number; readonly shift: number; readonly mask: number };

/**
 * The generated canonical form and orbit size for elements whose fields fit
 * in 31 bits: the key of element j is its fields concatenated, first field
 * highest, as a small integer.
 */
function compileIntCanon(
  rows: readonly (readonly Field[])[],
  bits: (mask: number) => number,
  rowBits: number,
): [(w: Uint32Array, off: number) => void, (w: Uint32Array, off: number) => number] {
  const E = rows.length;
  const load: string[] = [];
  const store: string[] = [];
  rows.forEach((fields, j) => {
    let below = rowBits;
    const terms: string[] = [];
    // Written back word by word: the bits of row j in each word it touches.
    const byWord = new Map<number, { clear: number; parts: string[] }>();
    for (const f of fields) {
      below -= bits(f.mask);
      terms.push(`(((w[off + ${f.word}] >>> ${f.shift}) & ${f.mask}) << ${below})`);
      const at = byWord.get(f.word) ?? { clear: 0, parts: [] };
      at.clear = (at.clear | (f.mask << f.shift)) >>> 0;
      at.parts.push(`(((k >>> ${below}) & ${f.mask}) << ${f.shift})`);
      byWord.set(f.word, at);
    }
    load.push(`let k${j} = ${terms.length ? terms.join(' | ') : '0'};`);
    const body = [...byWord].map(([word, { clear, parts }]) => `w[off + ${word}] = ((w[off + ${word}] & ${~clear >>> 0}) | ${parts.join(' | ')}) >>> 0;`);
    store.push(`function put${j}(w, off, k) {\n${body.join('\n')}\n}`);
  });
  // Odd-even transposition sort: E rounds of compare-exchanges; correct for any E.
  const sort: string[] = [];
  for (let r = 0; r < E; r++) {
    for (let j = r % 2; j + 1 < E; j += 2) sort.push(`if (k${j} > k${j + 1}) { const t = k${j}; k${j} = k${j + 1}; k${j + 1} = t; moved = true; }`);
  }
  const keep = rows.map((_, j) => `const o${j} = k${j};`);
  const put = rows.map((_, j) => `if (k${j} !== o${j}) put${j}(w, off, k${j});`);
  const canon = `${store.join('\n')}
return function canonicalize(w, off) {
${load.join('\n')}
${keep.join('\n')}
let moved = false;
${sort.join('\n')}
if (!moved) return;
${put.join('\n')}
};`;
  // The state is canonical: equal elements are adjacent. E! over the factorial of each run.
  const runs: string[] = [];
  for (let j = 1; j < E; j++) runs.push(`if (k${j - 1} === k${j}) run++; else { n /= F[run]; run = 1; }`);
  const orbit = `return function orbit(w, off) {
${load.join('\n')}
let n = ${FACTORIAL[E]};
let run = 1;
${runs.join('\n')}
return n / F[run];
};`;
  return [
    new Function(canon)() as (w: Uint32Array, off: number) => void,
    new Function('F', orbit)(Float64Array.from(FACTORIAL)) as (w: Uint32Array, off: number) => number,
  ];
}
