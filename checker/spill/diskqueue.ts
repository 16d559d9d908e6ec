// A FIFO of packed states on disk: states are appended through a write
// buffer to segment files and read back in order through a read buffer, a
// segment file removed once it is read. Memory: the two buffers.

import { closeSync, openSync, readSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';

/** Segment files are closed at this size and a new one begun. */
const SEGMENT_BYTES = 1 << 28;

interface Segment {
  readonly path: string;
  fd: number;
  /** Bytes written. */
  bytes: number;
  /** Bytes read. */
  read: number;
  open: boolean;
}

export class DiskQueue {
  private readonly wbuf: Uint32Array;
  private wused = 0; // words in wbuf
  private readonly rbuf: Uint32Array;
  private rat = 0; // word index of the next state in rbuf
  private rend = 0; // words in rbuf
  private readonly segments: Segment[] = [];
  private made = 0;
  size = 0;
  peak = 0;
  /** Bytes written to disk over the queue's life. */
  written = 0;

  constructor(
    private readonly dir: string,
    private readonly words: number,
    bufStates = 1 << 15,
  ) {
    this.wbuf = new Uint32Array(bufStates * words);
    this.rbuf = new Uint32Array(bufStates * words);
  }

  get bytes(): number {
    return this.wbuf.byteLength + this.rbuf.byteLength;
  }

  /** Bytes the queue holds on disk now. */
  get diskBytes(): number {
    return this.segments.reduce((a, s) => a + s.bytes - s.read, 0);
  }

  push(w: Uint32Array, off: number): void {
    const W = this.words;
    if (this.wused + W > this.wbuf.length) this.flush();
    const b = this.wbuf;
    const at = this.wused;
    for (let k = 0; k < W; k++) b[at + k] = w[off + k]!;
    this.wused += W;
    this.size++;
    if (this.size > this.peak) this.peak = this.size;
  }

  private flush(): void {
    if (this.wused === 0) return;
    let seg = this.segments[this.segments.length - 1];
    if (seg === undefined || !seg.open || seg.bytes >= SEGMENT_BYTES) {
      if (seg !== undefined) seg.open = false;
      const path = join(this.dir, `queue-${this.made++}.bin`);
      seg = { path, fd: openSync(path, 'w+'), bytes: 0, read: 0, open: true };
      this.segments.push(seg);
    }
    const bytes = new Uint8Array(this.wbuf.buffer, 0, this.wused * 4);
    for (let at = 0; at < bytes.length; ) at += writeSync(seg.fd, bytes, at, bytes.length - at, seg.bytes + at);
    seg.bytes += bytes.length;
    this.written += bytes.length;
    this.wused = 0;
  }

  /** The chunk holding the next state (read its offset with `shiftOffset`); the queue must not be empty. */
  shiftChunk(): Uint32Array {
    if (this.rat === this.rend) this.refill();
    return this.rbuf;
  }

  /** Consume the next state; call right after `shiftChunk`. */
  shiftOffset(): number {
    const at = this.rat;
    this.rat += this.words;
    this.size--;
    return at;
  }

  private refill(): void {
    let seg: Segment;
    for (;;) {
      const first = this.segments[0];
      if (first !== undefined && first.read < first.bytes) {
        seg = first;
        break;
      }
      if (first !== undefined && this.segments.length > 1) {
        // Read to its end and no longer written to: removed.
        closeSync(first.fd);
        rmSync(first.path, { force: true });
        this.segments.shift();
        continue;
      }
      // Nothing unread on disk: what is left is in the write buffer.
      if (this.wused === 0) throw new Error('internal: a state taken from an empty disk queue');
      this.flush();
    }
    const want = Math.min(this.rbuf.byteLength, seg.bytes - seg.read);
    const bytes = new Uint8Array(this.rbuf.buffer, 0, want);
    for (let got = 0; got < want; ) {
      const r = readSync(seg.fd, bytes, got, want - got, seg.read + got);
      if (r === 0) throw new Error('internal: a queue segment ended early');
      got += r;
    }
    seg.read += want;
    this.rat = 0;
    this.rend = want / 4;
  }

  /** Remove every segment file. */
  close(): void {
    for (const s of this.segments) {
      try {
        closeSync(s.fd);
      } catch {
        // closed
      }
      rmSync(s.path, { force: true });
    }
    this.segments.length = 0;
  }
}
