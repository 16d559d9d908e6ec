// An append-only typed array in fixed-size chunks: no growth copies while it
// fills (a growable array holds its old and new copy at once, half again
// more than it needs), and sealed into one exact-size array at the end, the
// chunks let go one by one as they are copied. For the liveness graph's
// edges, which are written once during the search and only read after it.

type Typed = Uint8Array | Uint16Array | Uint32Array;

const CHUNK = 1 << 20;

export class ChunkedArray<T extends Typed> {
  private chunks: (T | null)[] = [];
  private cur: T;
  private used = 0;
  length = 0;

  constructor(private readonly make: (n: number) => T) {
    this.cur = make(CHUNK);
  }

  push(v: number): void {
    if (this.used === CHUNK) {
      this.chunks.push(this.cur);
      this.cur = this.make(CHUNK);
      this.used = 0;
    }
    this.cur[this.used++] = v;
    this.length++;
  }

  /** Everything pushed so far, as views in order (for a checkpoint). */
  *parts(): Generator<T> {
    for (const c of this.chunks) yield c!;
    if (this.used > 0) yield this.cur.subarray(0, this.used) as T;
  }

  /** Append `n` values that `fill` reads straight into the chunks (from a checkpoint). */
  load(n: number, fill: (into: T) => void): void {
    while (n > 0) {
      if (this.used === CHUNK) {
        this.chunks.push(this.cur);
        this.cur = this.make(CHUNK);
        this.used = 0;
      }
      const k = Math.min(CHUNK - this.used, n);
      fill(this.cur.subarray(this.used, this.used + k) as T);
      this.used += k;
      this.length += k;
      n -= k;
    }
  }

  get bytesPerElement(): number {
    return this.cur.BYTES_PER_ELEMENT;
  }

  get bytes(): number {
    return (this.chunks.length + 1) * CHUNK * this.cur.BYTES_PER_ELEMENT;
  }

  /** Bytes the next push allocates (a new chunk), or 0. */
  get growthBytes(): number {
    return this.used === CHUNK ? CHUNK * this.cur.BYTES_PER_ELEMENT : 0;
  }

  /** Everything pushed, in one array of exactly `length` values; the array can take no more pushes. */
  seal(): T {
    const out = this.make(this.length);
    let at = 0;
    for (let i = 0; i < this.chunks.length; i++) {
      out.set(this.chunks[i]! as never, at);
      at += CHUNK;
      this.chunks[i] = null;
    }
    out.set(this.cur.subarray(0, this.used) as never, at);
    this.chunks = [];
    this.cur = this.make(0);
    this.used = 0;
    return out;
  }
}

export function chunkedU32(): ChunkedArray<Uint32Array> {
  return new ChunkedArray((n) => new Uint32Array(n));
}
export function chunkedU8(): ChunkedArray<Uint8Array> {
  return new ChunkedArray((n) => new Uint8Array(n));
}
/** 8-bit values when every value fits, else 16 or 32 bits. */
export function chunkedIndex(maxValue: number): ChunkedArray<Uint8Array> | ChunkedArray<Uint16Array> | ChunkedArray<Uint32Array> {
  if (maxValue <= 0xff) return chunkedU8();
  if (maxValue <= 0xffff) return new ChunkedArray((n) => new Uint16Array(n));
  return chunkedU32();
}
