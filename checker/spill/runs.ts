// Sorted runs of fingerprint records on disk (and in memory), read back in
// order and merged: the sorted runs of external sorting, which the spilled
// search uses both for its visited set on disk and for the candidates of a
// level (spill.ts).
//
// A record is `stride` 32-bit words: the fingerprint's high and low halves,
// then (candidates) the sequence number of the candidate in its level.

import { closeSync, openSync, readSync, rmSync, writeSync } from 'node:fs';

/** A sorted sequence of records, read one at a time. */
export interface Cursor {
  /** No record left (then hi, lo, seq mean nothing). */
  done: boolean;
  hi: number;
  lo: number;
  seq: number;
  advance(): void;
  close(): void;
}

/** A run written to a file: where, and how many records. */
export interface RunFile {
  readonly path: string;
  readonly records: number;
  readonly stride: number;
}

/** Write the first `n` records of a sorted array as a run file. */
export function writeRun(path: string, a: Uint32Array, n: number, stride: number): RunFile {
  const fd = openSync(path, 'w');
  try {
    const bytes = new Uint8Array(a.buffer, a.byteOffset, n * stride * 4);
    for (let at = 0; at < bytes.length; ) at += writeSync(fd, bytes, at, Math.min(1 << 26, bytes.length - at));
  } finally {
    closeSync(fd);
  }
  return { path, records: n, stride };
}

/** Appends records to a file through a buffer (for runs written as they are merged). */
export class RunAppender {
  private readonly fd: number;
  private readonly buf: Uint32Array;
  private used = 0;
  records = 0;

  constructor(
    readonly path: string,
    readonly stride: number,
    bufRecords = 1 << 15,
  ) {
    this.fd = openSync(path, 'w');
    this.buf = new Uint32Array(bufRecords * stride);
  }

  push2(hi: number, lo: number): void {
    if (this.used === this.buf.length) this.flush();
    this.buf[this.used++] = hi;
    this.buf[this.used++] = lo;
    this.records++;
  }

  push3(hi: number, lo: number, seq: number): void {
    if (this.used === this.buf.length) this.flush();
    this.buf[this.used++] = hi;
    this.buf[this.used++] = lo;
    this.buf[this.used++] = seq;
    this.records++;
  }

  private flush(): void {
    const bytes = new Uint8Array(this.buf.buffer, 0, this.used * 4);
    for (let at = 0; at < bytes.length; ) at += writeSync(this.fd, bytes, at, bytes.length - at);
    this.used = 0;
  }

  close(): RunFile {
    this.flush();
    closeSync(this.fd);
    return { path: this.path, records: this.records, stride: this.stride };
  }
}

/** Reads a run file in order, a buffer at a time. */
export class FileCursor implements Cursor {
  done = false;
  hi = 0;
  lo = 0;
  seq = 0;
  private readonly fd: number;
  private readonly buf: Uint32Array;
  private readonly stride: number;
  private left: number;
  private pos = 0; // byte position in the file
  private at = 0; // word index of the current record in buf
  private end = 0; // words in buf

  constructor(run: RunFile, bufRecords = 1 << 14) {
    this.stride = run.stride;
    this.left = run.records;
    this.fd = openSync(run.path, 'r');
    this.buf = new Uint32Array(bufRecords * run.stride);
    this.at = 0;
    this.end = 0;
    this.load();
  }

  private load(): void {
    if (this.left === 0) {
      this.done = true;
      return;
    }
    const n = Math.min(this.left, this.buf.length / this.stride);
    const bytes = new Uint8Array(this.buf.buffer, 0, n * this.stride * 4);
    for (let got = 0; got < bytes.length; ) {
      const r = readSync(this.fd, bytes, got, bytes.length - got, this.pos + got);
      if (r === 0) throw new Error('internal: a run file ended early');
      got += r;
    }
    this.pos += bytes.length;
    this.left -= n;
    this.at = 0;
    this.end = n * this.stride;
    this.read();
  }

  private read(): void {
    const b = this.buf;
    this.hi = b[this.at]!;
    this.lo = b[this.at + 1]!;
    if (this.stride > 2) this.seq = b[this.at + 2]!;
  }

  advance(): void {
    this.at += this.stride;
    if (this.at < this.end) this.read();
    else this.load();
  }

  close(): void {
    closeSync(this.fd);
  }
}

/** The same over records in memory. */
export class ArrayCursor implements Cursor {
  done: boolean;
  hi = 0;
  lo = 0;
  seq = 0;
  private at = 0;
  private readonly end: number;

  constructor(
    private readonly a: Uint32Array,
    n: number,
    private readonly stride: number,
  ) {
    this.end = n * stride;
    this.done = n === 0;
    if (!this.done) this.read();
  }

  private read(): void {
    this.hi = this.a[this.at]!;
    this.lo = this.a[this.at + 1]!;
    if (this.stride > 2) this.seq = this.a[this.at + 2]!;
  }

  advance(): void {
    this.at += this.stride;
    if (this.at < this.end) this.read();
    else this.done = true;
  }

  close(): void {}
}

/** Record order: fingerprint (unsigned), then sequence number. */
function less(a: Cursor, b: Cursor): boolean {
  return a.hi !== b.hi ? a.hi < b.hi : a.lo !== b.lo ? a.lo < b.lo : a.seq < b.seq;
}

/** Several sorted cursors as one (a binary heap of them). */
export class MergeCursor implements Cursor {
  done = false;
  hi = 0;
  lo = 0;
  seq = 0;
  private readonly heap: Cursor[];

  constructor(parts: readonly Cursor[]) {
    this.heap = parts.filter((c) => {
      if (c.done) c.close();
      return !c.done;
    });
    for (let i = (this.heap.length >> 1) - 1; i >= 0; i--) this.down(i);
    this.read();
  }

  private read(): void {
    const top = this.heap[0];
    if (top === undefined) {
      this.done = true;
      return;
    }
    this.hi = top.hi;
    this.lo = top.lo;
    this.seq = top.seq;
  }

  private down(i: number): void {
    const h = this.heap;
    const n = h.length;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) return;
      const r = l + 1;
      const m = r < n && less(h[r]!, h[l]!) ? r : l;
      if (!less(h[m]!, h[i]!)) return;
      const t = h[i]!;
      h[i] = h[m]!;
      h[m] = t;
      i = m;
    }
  }

  advance(): void {
    const h = this.heap;
    const top = h[0]!;
    top.advance();
    if (top.done) {
      top.close();
      const last = h.pop()!;
      if (h.length > 0 && last !== top) h[0] = last;
    }
    if (h.length > 1) this.down(0);
    this.read();
  }

  close(): void {
    for (const c of this.heap) c.close();
    this.heap.length = 0;
  }
}

/** Open cursors over runs (one, or merged). */
export function openRuns(runs: readonly RunFile[], bufRecords?: number): Cursor {
  const cs = runs.map((r) => new FileCursor(r, bufRecords));
  return cs.length === 1 ? cs[0]! : new MergeCursor(cs);
}

/**
 * Most runs one merge reads at once: each open run costs a file descriptor
 * and a read buffer (196 KiB for keys), and neither may grow with the level.
 */
export const FAN_IN = 16;

/** Merge runs of one stride into one (ties kept in sequence order), the inputs removed. */
export function mergeRuns(runs: readonly RunFile[], path: string): RunFile {
  const stride = runs[0]!.stride;
  const out = new RunAppender(path, stride);
  const c = openRuns(runs);
  try {
    if (stride === 2) for (; !c.done; c.advance()) out.push2(c.hi, c.lo);
    else for (; !c.done; c.advance()) out.push3(c.hi, c.lo, c.seq);
  } finally {
    c.close();
  }
  const run = out.close();
  for (const r of runs) removeRun(r);
  return run;
}

/**
 * Merge runs down to at most FAN_IN, FAN_IN at a time (oldest first, so
 * that equal fingerprints keep their order); `pathFor` names each new run.
 * The bytes written, for the statistics.
 */
export function reduceRuns(runs: RunFile[], pathFor: () => string): number {
  let written = 0;
  while (runs.length > FAN_IN) {
    const merged = mergeRuns(runs.slice(0, FAN_IN), pathFor());
    written += merged.records * merged.stride * 4;
    runs.splice(0, FAN_IN, merged);
  }
  return written;
}

export function removeRun(run: RunFile): void {
  rmSync(run.path, { force: true });
}
