// Least-significant-digit radix sort of fingerprint records laid out in a
// Uint32Array, `stride` words each, the first two words the fingerprint's
// high and low halves. Four passes of 16 bits (low half first), each stable,
// so records with equal fingerprints keep their order: the candidates of a
// level stay in the order they were generated (their sequence numbers rise).

const DIGIT = 16;
const BUCKETS = 1 << DIGIT;

/**
 * Sort the first `n` records of `a` by (hi, lo), unsigned, using `tmp` (at
 * least as long) as scratch. Returns the array that holds the result (`a`:
 * an even number of passes).
 */
export function radixSort(a: Uint32Array, n: number, stride: number, tmp: Uint32Array): Uint32Array {
  if (tmp.length < n * stride) throw new Error('internal: radix sort scratch too small');
  const count = new Uint32Array(BUCKETS);
  let src = a;
  let dst = tmp;
  for (let pass = 0; pass < 4; pass++) {
    const word = pass < 2 ? 1 : 0; // lo, then hi
    const shift = (pass & 1) * DIGIT;
    count.fill(0);
    for (let i = 0, k = word; i < n; i++, k += stride) count[(src[k]! >>> shift) & 0xffff]!++;
    // All records in one bucket: this digit does not reorder anything.
    let skip = false;
    for (let b = 0, sum = 0; b < BUCKETS; b++) {
      const c = count[b]!;
      if (c === n) skip = true;
      count[b] = sum;
      sum += c;
    }
    if (skip) continue;
    if (stride === 2) {
      for (let i = 0, k = 0; i < n; i++, k += 2) {
        const at = count[(src[k + word]! >>> shift) & 0xffff]!++ * 2;
        dst[at] = src[k]!;
        dst[at + 1] = src[k + 1]!;
      }
    } else if (stride === 3) {
      for (let i = 0, k = 0; i < n; i++, k += 3) {
        const at = count[(src[k + word]! >>> shift) & 0xffff]!++ * 3;
        dst[at] = src[k]!;
        dst[at + 1] = src[k + 1]!;
        dst[at + 2] = src[k + 2]!;
      }
    } else {
      for (let i = 0, k = 0; i < n; i++, k += stride) {
        const at = count[(src[k + word]! >>> shift) & 0xffff]!++ * stride;
        for (let j = 0; j < stride; j++) dst[at + j] = src[k + j]!;
      }
    }
    const t = src;
    src = dst;
    dst = t;
  }
  if (src !== a) a.set(src.subarray(0, n * stride));
  return a;
}
