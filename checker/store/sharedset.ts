// The visited set of a parallel search: one open-addressing table of 64-bit
// fingerprints on a SharedArrayBuffer that every worker probes and fills.
//
// A slot is two words, hi then lo; lo is never 0 (empty) or 1 (being
// filled: see hash.ts). A thread claims an empty slot by compare-exchanging
// its lo word from 0 to 1, writes hi, then publishes lo with an atomic
// store; a thread that reads 1 waits for the lo to appear. So two threads
// that insert one state at once agree on which of them stored it, and a
// probe never compares against half a slot.
//
// The table does not grow while workers use it: the main thread sizes it
// between BFS levels (`rehash`), and gives each worker a quota of new states
// per level that keeps the load under MAX_LOAD. A worker past its quota
// keeps new states aside and inserts them after the level, once the table
// has grown.

import type { StateSet } from './stateset.js';

const FILLING = 1;
/** Highest load the quotas allow; linear probing stays short below it. */
export const SHARED_MAX_LOAD = 0.85;

export class SharedFingerprintSet implements StateSet {
  readonly exact = false;
  /** States this thread stored: its local ids. */
  size = 0;
  /** States this thread stored since the quota was last set. */
  levelInserts = 0;
  quota = 0;
  private tab: Uint32Array;
  private cap: number;
  private scale: number;
  // A cache of fingerprints lately inserted or found by this thread, as in
  // FingerprintSet: it answers "seen" for most duplicates without touching
  // the shared table.
  private readonly recent = new Uint32Array(2 << 15);

  constructor(buf: SharedArrayBuffer) {
    this.tab = new Uint32Array(buf);
    this.cap = this.tab.length / 2;
    this.scale = this.cap / 4294967296;
  }

  /** Use a new (grown) table. */
  attach(buf: SharedArrayBuffer): void {
    this.tab = new Uint32Array(buf);
    this.cap = this.tab.length / 2;
    this.scale = this.cap / 4294967296;
  }

  /** Start a level (or a settle phase) on `buf` with room for `quota` new states from this thread. */
  beginLevel(buf: SharedArrayBuffer, quota: number): void {
    if (buf !== this.tab.buffer) this.attach(buf);
    this.levelInserts = 0;
    this.quota = quota;
  }

  get bytes(): number {
    return this.tab.byteLength;
  }
  get nextGrowthBytes(): number {
    return this.tab.byteLength;
  }
  /** True when this thread may store no more states before the table grows. */
  get full(): boolean {
    return this.levelInserts >= this.quota;
  }

  insert(_w: Uint32Array, _off: number, hi: number, lo: number, _id: number): number {
    const recent = this.recent;
    const r = 2 * (lo & 0x7fff);
    if (recent[r + 1] === lo && recent[r] === hi) return 0;
    recent[r] = hi;
    recent[r + 1] = lo;
    const tab = this.tab;
    const cap = this.cap;
    let i = Math.floor(hi * this.scale);
    for (;;) {
      const l = Atomics.load(tab, 2 * i + 1);
      if (l === 0) {
        if (Atomics.compareExchange(tab, 2 * i + 1, 0, FILLING) !== 0) continue;
        tab[2 * i] = hi;
        Atomics.store(tab, 2 * i + 1, lo);
        this.size++;
        this.levelInserts++;
        return -1;
      }
      if (l === FILLING) continue;
      if (l === lo && tab[2 * i] === hi) return 0;
      if (++i === cap) i = 0;
    }
  }

  get(_w: Uint32Array, _off: number, hi: number, lo: number): number {
    const tab = this.tab;
    const cap = this.cap;
    let i = Math.floor(hi * this.scale);
    for (;;) {
      const l = Atomics.load(tab, 2 * i + 1);
      if (l === 0) return -1;
      if (l === FILLING) continue;
      if (l === lo && tab[2 * i] === hi) return 0;
      if (++i === cap) i = 0;
    }
  }

  setId(): void {}
}

/** A new empty table of `capacity` slots. */
export function sharedTable(capacity: number): SharedArrayBuffer {
  return new SharedArrayBuffer(capacity * 8);
}

/**
 * A table of `capacity` slots holding every fingerprint of `old` (no thread
 * may be writing to `old`). The new capacity is rounded to a whole slot count.
 */
export function rehash(old: SharedArrayBuffer, capacity: number): SharedArrayBuffer {
  const from = new Uint32Array(old);
  const buf = sharedTable(capacity);
  const to = new Uint32Array(buf);
  const scale = capacity / 4294967296;
  for (let j = 0; j < from.length; j += 2) {
    const lo = from[j + 1]!;
    if (lo === 0) continue;
    const hi = from[j]!;
    let i = Math.floor(hi * scale);
    while (to[2 * i + 1] !== 0) if (++i === capacity) i = 0;
    to[2 * i] = hi;
    to[2 * i + 1] = lo;
  }
  return buf;
}
