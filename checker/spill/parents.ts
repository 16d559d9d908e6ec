// Parent records on disk: for each state id, in id order, the parent's id
// and the action instance (or initial-state index) that reached it, 8 bytes,
// appended through a buffer and read back one record at a time when a
// counterexample is rebuilt.

import { closeSync, openSync, readSync, writeSync } from 'node:fs';
import { join } from 'node:path';

export class ParentFile {
  private readonly fd: number;
  private readonly buf: Uint32Array;
  private used = 0; // words in buf
  /** Records on disk. */
  private flushed = 0;
  private readonly one = new Uint32Array(2);

  constructor(dir: string, bufRecords = 1 << 16) {
    this.fd = openSync(join(dir, 'parents.bin'), 'w+');
    this.buf = new Uint32Array(bufRecords * 2);
  }

  get count(): number {
    return this.flushed + this.used / 2;
  }

  get bytes(): number {
    return this.buf.byteLength;
  }

  get diskBytes(): number {
    return this.flushed * 8;
  }

  push(parent: number, via: number): void {
    if (this.used === this.buf.length) this.flush();
    this.buf[this.used++] = parent;
    this.buf[this.used++] = via;
  }

  /** Append many: parents[i], via[i] for i < n. */
  pushAll(parents: ArrayLike<number>, via: ArrayLike<number>, n: number): void {
    for (let i = 0; i < n; i++) this.push(parents[i]!, via[i]!);
  }

  private flush(): void {
    const bytes = new Uint8Array(this.buf.buffer, 0, this.used * 4);
    for (let at = 0; at < bytes.length; ) at += writeSync(this.fd, bytes, at, bytes.length - at, this.flushed * 8 + at);
    this.flushed += this.used / 2;
    this.used = 0;
  }

  /** The record of state `id`: [parent, via] (the array is reused by the next call). */
  get(id: number): Uint32Array {
    if (id >= this.flushed) {
      const k = (id - this.flushed) * 2;
      this.one[0] = this.buf[k]!;
      this.one[1] = this.buf[k + 1]!;
      return this.one;
    }
    const bytes = new Uint8Array(this.one.buffer);
    for (let got = 0; got < 8; ) {
      const r = readSync(this.fd, bytes, got, 8 - got, id * 8 + got);
      if (r === 0) throw new Error('the spill folder\'s parent records ended early (removed or cut short under the run?)');
      got += r;
    }
    return this.one;
  }

  close(): void {
    closeSync(this.fd);
  }
}
