// 64-bit state fingerprints as two independent 32-bit MurmurHash3-style
// hashes over the packed words (no BigInt, no allocation).

function hash32(w: ArrayLike<number>, off: number, n: number, seed: number): number {
  let h = seed | 0;
  for (let i = 0; i < n; i++) {
    let k = Math.imul(w[off + i]! | 0, 0xcc9e2d51);
    k = (k << 15) | (k >>> 17);
    k = Math.imul(k, 0x1b873593);
    h ^= k;
    h = (h << 13) | (h >>> 19);
    h = (Math.imul(h, 5) + 0xe6546b64) | 0;
  }
  h ^= n << 2;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

export const SEED_HI = 0x9747b28c;
export const SEED_LO = 0x5bd1e995;

/** High half of the fingerprint; also picks the hash-table slot. */
export function fingerprintHi(w: ArrayLike<number>, off: number, n: number): number {
  return hash32(w, off, n, SEED_HI);
}

/**
 * The low half is never 0 (an empty slot of a visited set) nor 1 (a slot of
 * the shared set that a thread is filling in): those two map to 2 and 3.
 */
function lowHalf(h: number): number {
  return h > 1 ? h : h + 2;
}

/** Low half of the fingerprint; never 0 or 1. */
export function fingerprintLo(w: ArrayLike<number>, off: number, n: number): number {
  return lowHalf(hash32(w, off, n, SEED_LO));
}

function fmix(h: number, n: number): number {
  h ^= n << 2;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** Where `fingerprint` leaves its low half: no allocation per state. */
export const lastLo = new Uint32Array(1);

/**
 * Both halves in one pass over the words (the same values as fingerprintHi
 * and fingerprintLo): returns the high half, leaves the low half in lastLo[0].
 */
export function fingerprint(w: ArrayLike<number>, off: number, n: number): number {
  let h = SEED_HI | 0;
  let g = SEED_LO | 0;
  for (let i = 0; i < n; i++) {
    let k = Math.imul(w[off + i]! | 0, 0xcc9e2d51);
    k = (k << 15) | (k >>> 17);
    k = Math.imul(k, 0x1b873593);
    h ^= k;
    h = (h << 13) | (h >>> 19);
    h = (Math.imul(h, 5) + 0xe6546b64) | 0;
    g ^= k;
    g = (g << 13) | (g >>> 19);
    g = (Math.imul(g, 5) + 0xe6546b64) | 0;
  }
  lastLo[0] = lowHalf(fmix(g, n));
  return fmix(h, n);
}
