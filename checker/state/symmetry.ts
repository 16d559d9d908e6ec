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
    if (rowBits <= 52 && this.width > 0) {
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
