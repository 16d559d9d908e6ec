// Visited-state sets on typed arrays with open addressing and linear probing.
//
// FingerprintSet keeps 64-bit fingerprints only (TLC's FPSet): 8 bytes a slot
// (the low half is never 0, so 0 marks an empty slot),
// plus 4 for the state id when the search needs to find a state again (DFS
// with a depth bound). ExactSet keeps whole packed states and never confuses
// two states: the reference for tests and for users who want certainty.

import { fingerprintHi } from '../state/hash.js';

export interface StateSet {
  /** Distinct states stored. */
  readonly size: number;
  /** Bytes held by the table. */
  readonly bytes: number;
  /** Bytes the table will hold after its next growth. */
  readonly nextGrowthBytes: number;
  /** True if the set is exact (no fingerprint collisions possible). */
  readonly exact: boolean;
  /**
   * Insert the state (hash halves already computed). Returns -1 when it was
   * new, otherwise the id stored with the existing entry (0 if ids are not kept).
   */
  insert(words: Uint32Array, off: number, hi: number, lo: number, id: number): number;
  /** The id stored for the state, or -1 if absent. */
  get(words: Uint32Array, off: number, hi: number, lo: number): number;
  /** Overwrite the id kept for a present state (no-op when ids are not kept). */
  setId(words: Uint32Array, off: number, hi: number, lo: number, id: number): void;
}

const MAX_LOAD = 0.75;
/**
 * The fingerprint table grows by half again, so its load stays between 0.5
 * and 0.75: 10.7 to 16 bytes a state. Doubling would let it fall to 0.375
 * (21 bytes a state) right after a growth.
 */
const GROWTH = 1.5;

// Most successors in a breadth-first search are states met a moment ago. A
// direct-mapped cache of the last fingerprints inserted or found (32 Ki
// entries, 256 KiB: it stays in L2) answers "seen" for about three in four
// duplicates on the KVM model without touching the big table. A hit is exact
// for fingerprints, so it never changes a count. Only without ids: a hit has
// no id to give back.
const RECENT = 1 << 15;

export class FingerprintSet implements StateSet {
  readonly exact = false;
  size = 0;
  private cap: number;
  // Home slot = floor(hi * cap / 2^32): any capacity, no modulo.
  private scale: number;
  private limit: number;
  private fps: Uint32Array;
  private ids: Uint32Array | null;
  private readonly recent: Uint32Array;

  constructor(capacity = 1 << 16, private readonly keepIds = false) {
    this.recent = new Uint32Array(keepIds ? 2 : 2 * RECENT);
    this.cap = capacity;
    this.scale = capacity / 4294967296;
    this.limit = Math.floor(capacity * MAX_LOAD);
    this.fps = new Uint32Array(capacity * 2);
    this.ids = keepIds ? new Uint32Array(capacity) : null;
  }

  get bytes(): number {
    return this.fps.byteLength + (this.ids?.byteLength ?? 0);
  }
  get nextGrowthBytes(): number {
    return this.size + 1 > this.limit ? Math.ceil(this.cap * GROWTH) * (this.keepIds ? 12 : 8) : this.bytes;
  }

  insert(_w: Uint32Array, _off: number, hi: number, lo: number, id: number): number {
    if (!this.keepIds) {
      const recent = this.recent;
      const r = 2 * (lo & (RECENT - 1));
      if (recent[r + 1] === lo && recent[r] === hi) return 0;
      recent[r] = hi;
      recent[r + 1] = lo;
    }
    if (this.size >= this.limit) this.grow();
    const fps = this.fps;
    const cap = this.cap;
    let i = Math.floor(hi * this.scale);
    for (;;) {
      const l = fps[2 * i + 1]!;
      if (l === 0) {
        fps[2 * i] = hi;
        fps[2 * i + 1] = lo;
        if (this.ids) this.ids[i] = id;
        this.size++;
        return -1;
      }
      if (l === lo && fps[2 * i] === hi) return this.ids ? this.ids[i]! : 0;
      if (++i === cap) i = 0;
    }
  }

  get(_w: Uint32Array, _off: number, hi: number, lo: number): number {
    const fps = this.fps;
    const cap = this.cap;
    let i = Math.floor(hi * this.scale);
    for (;;) {
      const l = fps[2 * i + 1]!;
      if (l === 0) return -1;
      if (l === lo && fps[2 * i] === hi) return this.ids ? this.ids[i]! : 0;
      if (++i === cap) i = 0;
    }
  }

  /** Words per entry that `entries` gives and `load` takes: hi, lo, and the id when ids are kept. */
  get entryWords(): number {
    return this.keepIds ? 3 : 2;
  }

  /**
   * Every stored fingerprint (and id), `entryWords` words each, in chunks of
   * at most `chunk` entries; each chunk is overwritten by the next (for a
   * checkpoint, written out as it comes).
   */
  *entries(chunk = 1 << 16): Generator<Uint32Array> {
    const E = this.entryWords;
    const buf = new Uint32Array(chunk * E);
    const fps = this.fps;
    let n = 0;
    for (let i = 0; i < this.cap; i++) {
      const lo = fps[2 * i + 1]!;
      if (lo === 0) continue;
      buf[n * E] = fps[2 * i]!;
      buf[n * E + 1] = lo;
      if (this.ids) buf[n * E + 2] = this.ids[i]!;
      if (++n === chunk) {
        yield buf;
        n = 0;
      }
    }
    if (n > 0) yield buf.subarray(0, n * E);
  }

  /** Entries the table holds before it grows (or, for a table that must not grow, before it is full). */
  get growthPoint(): number {
    return this.limit;
  }

  /** Forget every entry (the table keeps its size). */
  clear(): void {
    this.fps.fill(0);
    this.ids?.fill(0);
    this.recent.fill(0);
    this.size = 0;
  }

  /** Make an empty set ready for `n` entries without growing (before `load`). */
  reserve(n: number): void {
    if (this.size !== 0) throw new Error('internal: reserve on a set that holds states');
    let cap = this.cap;
    while (Math.floor(cap * MAX_LOAD) <= n) cap = Math.ceil(cap * GROWTH);
    if (cap === this.cap) return;
    this.cap = cap;
    this.scale = cap / 4294967296;
    this.limit = Math.floor(cap * MAX_LOAD);
    this.fps = new Uint32Array(cap * 2);
    this.ids = this.keepIds ? new Uint32Array(cap) : null;
  }

  /** Insert entries as `entries` gives them (a checkpoint's); returns how many were new. */
  load(entries: Uint32Array): number {
    const E = this.entryWords;
    let added = 0;
    for (let k = 0; k + E <= entries.length; k += E) {
      if (entries[k + 1] === 0) throw new Error('internal: a fingerprint entry with a zero low half');
      // The search's own insert (its probe loop): -1 when the entry is new.
      if (this.insert(entries, k, entries[k]!, entries[k + 1]!, E === 3 ? entries[k + 2]! : 0) === -1) added++;
    }
    return added;
  }

  setId(_w: Uint32Array, _off: number, hi: number, lo: number, id: number): void {
    if (!this.ids) return;
    const fps = this.fps;
    let i = Math.floor(hi * this.scale);
    while (!(fps[2 * i + 1] === lo && fps[2 * i] === hi)) if (++i === this.cap) i = 0;
    this.ids[i] = id;
  }

  private grow(): void {
    const old = this.fps;
    const oldIds = this.ids;
    const cap = Math.ceil(this.cap * GROWTH);
    this.cap = cap;
    this.scale = cap / 4294967296;
    this.limit = Math.floor(cap * MAX_LOAD);
    const fps = (this.fps = new Uint32Array(cap * 2));
    this.ids = oldIds ? new Uint32Array(cap) : null;
    for (let j = 0; j < old.length / 2; j++) {
      const hi = old[2 * j]!;
      const lo = old[2 * j + 1]!;
      if (lo === 0) continue;
      let i = Math.floor(hi * this.scale);
      while (fps[2 * i + 1] !== 0) if (++i === cap) i = 0;
      fps[2 * i] = hi;
      fps[2 * i + 1] = lo;
      if (this.ids) this.ids[i] = oldIds![j]!;
    }
  }
}

export class ExactSet implements StateSet {
  readonly exact = true;
  size = 0;
  private mask: number;
  private keys: Uint32Array;
  private used: Uint8Array;
  private ids: Uint32Array;

  constructor(
    private readonly words: number,
    capacityLog2 = 12,
  ) {
    const cap = 1 << capacityLog2;
    this.mask = cap - 1;
    this.keys = new Uint32Array(cap * words);
    this.used = new Uint8Array(cap);
    this.ids = new Uint32Array(cap);
  }

  get bytes(): number {
    return this.keys.byteLength + this.used.byteLength + this.ids.byteLength;
  }
  get nextGrowthBytes(): number {
    return this.size + 1 > (this.mask + 1) * MAX_LOAD ? this.bytes * 2 : this.bytes;
  }

  private find(w: Uint32Array, off: number, hi: number): number {
    const n = this.words;
    let i = hi & this.mask;
    for (;;) {
      if (!this.used[i]) return ~i;
      const base = i * n;
      let same = true;
      for (let k = 0; k < n; k++) {
        if (this.keys[base + k] !== w[off + k]) {
          same = false;
          break;
        }
      }
      if (same) return i;
      i = (i + 1) & this.mask;
    }
  }

  insert(w: Uint32Array, off: number, hi: number, _lo: number, id: number): number {
    if (this.size + 1 > (this.mask + 1) * MAX_LOAD) this.grow();
    const at = this.find(w, off, hi);
    if (at >= 0) return this.ids[at]!;
    const i = ~at;
    this.keys.set(w.subarray(off, off + this.words), i * this.words);
    this.used[i] = 1;
    this.ids[i] = id;
    this.size++;
    return -1;
  }

  get(w: Uint32Array, off: number, hi: number, _lo: number): number {
    const at = this.find(w, off, hi);
    return at >= 0 ? this.ids[at]! : -1;
  }

  setId(w: Uint32Array, off: number, hi: number, _lo: number, id: number): void {
    const at = this.find(w, off, hi);
    if (at >= 0) this.ids[at] = id;
  }

  /** Words per entry that `entries` gives and `load` takes: the state, then its id. */
  get entryWords(): number {
    return this.words + 1;
  }

  /** Every stored state and its id, in chunks of at most `chunk` entries (each overwritten by the next). */
  *entries(chunk = 1 << 14): Generator<Uint32Array> {
    const n = this.words;
    const E = n + 1;
    const buf = new Uint32Array(chunk * E);
    let k = 0;
    for (let i = 0; i <= this.mask; i++) {
      if (!this.used[i]) continue;
      buf.set(this.keys.subarray(i * n, (i + 1) * n), k * E);
      buf[k * E + n] = this.ids[i]!;
      if (++k === chunk) {
        yield buf;
        k = 0;
      }
    }
    if (k > 0) yield buf.subarray(0, k * E);
  }

  /** Make an empty set ready for `n` entries without growing (before `load`). */
  reserve(n: number): void {
    if (this.size !== 0) throw new Error('internal: reserve on a set that holds states');
    let cap = this.mask + 1;
    while (n + 1 > cap * MAX_LOAD) cap *= 2;
    if (cap === this.mask + 1) return;
    this.mask = cap - 1;
    this.keys = new Uint32Array(cap * this.words);
    this.used = new Uint8Array(cap);
    this.ids = new Uint32Array(cap);
  }

  /** Insert entries as `entries` gives them; returns how many were new. */
  load(entries: Uint32Array): number {
    const n = this.words;
    const E = n + 1;
    let added = 0;
    for (let k = 0; k + E <= entries.length; k += E) {
      if (this.insert(entries, k, rehash(entries.subarray(k, k + n)), 0, entries[k + n]!) === -1) added++;
    }
    return added;
  }

  /** Every stored state, for tests that compare reachable sets. */
  *states(): Generator<Uint32Array> {
    for (let i = 0; i <= this.mask; i++) if (this.used[i]) yield this.keys.slice(i * this.words, (i + 1) * this.words);
  }

  private grow(): void {
    const n = this.words;
    const { keys, used, ids } = this;
    const cap = (this.mask + 1) * 2;
    this.mask = cap - 1;
    this.keys = new Uint32Array(cap * n);
    this.used = new Uint8Array(cap);
    this.ids = new Uint32Array(cap);
    this.size = 0;
    for (let j = 0; j < used.length; j++) {
      if (!used[j]) continue;
      const key = keys.subarray(j * n, (j + 1) * n);
      // The slot is chosen by the same hash the caller uses.
      const at = ~this.find(key, 0, rehash(key));
      this.keys.set(key, at * n);
      this.used[at] = 1;
      this.ids[at] = ids[j]!;
      this.size++;
    }
  }
}

function rehash(key: Uint32Array): number {
  return fingerprintHi(key, 0, key.length);
}

/**
 * What is left of a visited set once a search is over and its table has been
 * let go (for the liveness analysis that follows): its counts, no states.
 */
export class SpentSet implements StateSet {
  readonly size: number;
  readonly bytes: number;
  readonly nextGrowthBytes = 0;
  readonly exact: boolean;
  constructor(from: StateSet) {
    this.size = from.size;
    this.bytes = from.bytes;
    this.exact = from.exact;
  }
  insert(): number {
    throw new Error('internal: the visited set was released');
  }
  get(): number {
    throw new Error('internal: the visited set was released');
  }
  setId(): void {
    throw new Error('internal: the visited set was released');
  }
}
