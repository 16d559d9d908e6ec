// Growable typed arrays for per-state records (parents, actions, depths).
// They grow by half again, not double, so at most a third of the memory they
// hold is slack.

type Typed = Uint32Array | Uint16Array | Uint8Array;

class Growable<T extends Typed> {
  data: T;
  length = 0;
  constructor(
    private readonly make: (n: number) => T,
    initial = 1024,
  ) {
    this.data = make(initial);
  }
  push(v: number): void {
    if (this.length === this.data.length) this.grow(this.length + 1);
    this.data[this.length++] = v;
  }
  /** Make room for `n` values in total. */
  grow(n: number): void {
    if (n <= this.data.length) return;
    let cap = this.data.length;
    while (cap < n) cap = Math.ceil(cap * 1.5);
    const d = this.make(cap);
    d.set(this.data.subarray(0, this.length) as never);
    this.data = d;
  }
  /** Replace the contents by `n` values that `fill` reads straight into the array (from a checkpoint). */
  load(n: number, fill: (into: T) => void): void {
    this.length = 0;
    this.grow(n);
    fill(this.data.subarray(0, n) as T);
    this.length = n;
  }
  /** Let the values go (they were moved elsewhere): an empty, small array. */
  release(): void {
    this.data = this.make(16);
    this.length = 0;
  }
  get bytes(): number {
    return this.data.byteLength;
  }
  /** Bytes the next push allocates (the new array; the old one is live until it is copied), or 0. */
  get growthBytes(): number {
    return this.length === this.data.length ? Math.ceil(this.data.length * 1.5) * this.data.BYTES_PER_ELEMENT : 0;
  }
}

export class GrowableU32 extends Growable<Uint32Array> {
  constructor(initial = 1024) {
    super((n) => new Uint32Array(n), initial);
  }
}

export class GrowableU8 extends Growable<Uint8Array> {
  constructor(initial = 1024) {
    super((n) => new Uint8Array(n), initial);
  }
}

/** 8-bit records when every value fits (the action instances of small models), else 16 or 32. */
export function growableSmallIndex(maxValue: number): Growable<Uint8Array> | Growable<Uint16Array> | Growable<Uint32Array> {
  return maxValue <= 0xff ? new GrowableU8() : growableIndex(maxValue);
}

/** 16-bit records when every value fits (action instances of most models), else 32-bit. */
export function growableIndex(maxValue: number): Growable<Uint16Array> | Growable<Uint32Array> {
  return maxValue <= 0xffff ? new Growable((n) => new Uint16Array(n)) : new GrowableU32();
}
