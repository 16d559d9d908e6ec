// A FIFO of packed states in fixed-size typed-array chunks: no per-state
// allocation, and memory is handed back as chunks drain.

export class StateQueue {
  private chunks: Uint32Array[] = [];
  private headChunk = 0;
  private head = 0; // states consumed from the head chunk
  private tail = 0; // states written into the last chunk
  size = 0;
  peak = 0;
  private readonly perChunk: number;

  constructor(
    private readonly words: number,
    chunkStates = 8192,
  ) {
    this.perChunk = chunkStates;
  }

  push(w: Uint32Array, off: number): void {
    let last = this.chunks[this.chunks.length - 1];
    if (last === undefined || this.tail === this.perChunk) {
      last = new Uint32Array(this.perChunk * this.words);
      this.chunks.push(last);
      this.tail = 0;
    }
    const base = this.tail * this.words;
    for (let k = 0; k < this.words; k++) last[base + k] = w[off + k]!;
    this.tail++;
    this.size++;
    if (this.size > this.peak) this.peak = this.size;
  }

  /** The chunk holding the next state; read its offset from `shiftOffset`. */
  shiftChunk(): Uint32Array {
    if (this.head === this.perChunk) {
      this.chunks[this.headChunk] = undefined as unknown as Uint32Array;
      this.headChunk++;
      this.head = 0;
    }
    return this.chunks[this.headChunk]!;
  }

  /** Consume the next state; call right after `shiftChunk`. */
  shiftOffset(): number {
    this.size--;
    return this.head++ * this.words;
  }

  /** The queued states, oldest first, as views of whole states (for a checkpoint). */
  *parts(): Generator<Uint32Array> {
    const W = this.words;
    for (let c = this.headChunk; c < this.chunks.length; c++) {
      const from = c === this.headChunk ? this.head : 0;
      const to = c === this.chunks.length - 1 ? this.tail : this.perChunk;
      if (to > from) yield this.chunks[c]!.subarray(from * W, to * W);
    }
  }

  /** Append `n` states that `fill` reads straight into the chunks (from a checkpoint). */
  load(n: number, fill: (into: Uint32Array) => void): void {
    const W = this.words;
    while (n > 0) {
      let last = this.chunks[this.chunks.length - 1];
      if (last === undefined || this.tail === this.perChunk) {
        last = new Uint32Array(this.perChunk * W);
        this.chunks.push(last);
        this.tail = 0;
      }
      const k = Math.min(this.perChunk - this.tail, n);
      fill(last.subarray(this.tail * W, (this.tail + k) * W));
      this.tail += k;
      this.size += k;
      n -= k;
    }
    if (this.size > this.peak) this.peak = this.size;
  }

  get bytes(): number {
    return (this.chunks.length - this.headChunk) * this.perChunk * this.words * 4;
  }
}
