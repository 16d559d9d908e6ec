// A checkpoint's data file: a magic header, then named sections of raw
// typed-array values one after another, in native byte order. The sections'
// names, offsets and lengths, the file's length and its SHA-256 are kept in
// the manifest (checkpoint.ts), which is written after the data file is
// whole: so a data file that was cut short, changed or swapped is caught
// before anything of it is used.
//
// Values are written from views of the search's own arrays (no copy of the
// visited set or the graph in memory) and read straight into the arrays of
// the resumed search.

import { createHash, type Hash } from 'node:crypto';
import { closeSync, fstatSync, fsyncSync, openSync, readSync, writeSync } from 'node:fs';
import { basename } from 'node:path';
import { UsageError } from '../errors.js';

/** The first bytes of every data file. */
export const DATA_MAGIC = 'clockcheck ckpt\n';
const MAGIC_BYTES = new Uint8Array(Buffer.from(DATA_MAGIC, 'latin1'));

/** Where a section lies in the data file, and the width of its values in bytes. */
export interface SectionEntry {
  readonly name: string;
  readonly offset: number;
  readonly bytes: number;
  readonly width: number;
}

type View = Uint8Array | Uint16Array | Uint32Array | Float64Array;

/** Bytes per write() call at most (large views are written in slices). */
const SLICE = 1 << 26;

export class SectionWriter {
  private readonly fd: number;
  private readonly hash: Hash = createHash('sha256');
  private offset = 0;
  private current: { name: string; offset: number; width: number } | undefined;
  readonly sections: SectionEntry[] = [];

  /** `slice`: bytes per write() at most (smaller only in tests). */
  constructor(
    readonly path: string,
    private readonly slice = SLICE,
  ) {
    this.fd = openSync(path, 'w');
    this.raw(MAGIC_BYTES);
  }

  private raw(b: Uint8Array): void {
    for (let at = 0; at < b.byteLength; ) {
      const n = writeSync(this.fd, b, at, Math.min(this.slice, b.byteLength - at));
      // Hashed slice by slice: hash.update refuses a view of 2 GiB or more,
      // and one array (the parent records) passes that at ~540 M states.
      this.hash.update(b.subarray(at, at + n));
      at += n;
    }
    this.offset += b.byteLength;
  }

  /** Write a whole section: its values, from views in order. */
  section(name: string, width: number, parts: Iterable<View>): void {
    this.current = { name, offset: this.offset, width };
    for (const p of parts) this.raw(new Uint8Array(p.buffer, p.byteOffset, p.byteLength));
    this.sections.push({ ...this.current, bytes: this.offset - this.current.offset });
    this.current = undefined;
  }

  /** Flush to the disk and close; the file's length and digest. */
  close(): { bytes: number; sha256: string } {
    fsyncSync(this.fd);
    closeSync(this.fd);
    return { bytes: this.offset, sha256: this.hash.digest('hex') };
  }

  /** Close without flushing (the file is being abandoned). */
  abandon(): void {
    try {
      closeSync(this.fd);
    } catch {
      // already closed
    }
  }
}

/**
 * Reads a data file section by section, in the order they were written.
 * The whole file is checked against the manifest's length and digest before
 * anything of it is read, so a corrupt file is refused with a message, not
 * half loaded.
 */
export class SectionReader {
  private readonly fd: number;
  private offset = 0;
  private next = 0;
  private current: SectionEntry | undefined;
  private left = 0;

  constructor(
    readonly path: string,
    private readonly sections: readonly SectionEntry[],
    expected: { readonly bytes: number; readonly sha256: string },
    /** How errors name the checkpoint. */
    private readonly where: string,
  ) {
    let fd: number;
    try {
      fd = openSync(path, 'r');
    } catch {
      throw new UsageError(`corrupt checkpoint in ${where}: its data file ${basename(path)} is missing`);
    }
    this.fd = fd;
    const size = fstatSync(fd).size;
    if (size !== expected.bytes) {
      this.close();
      throw new UsageError(
        `corrupt checkpoint in ${where}: ${basename(path)} is ${size} bytes, the manifest says ${expected.bytes} (${size < expected.bytes ? 'truncated' : 'overwritten'})`,
      );
    }
    const head = new Uint8Array(MAGIC_BYTES.length);
    this.rawRead(head);
    if (!head.every((b, i) => b === MAGIC_BYTES[i])) {
      this.close();
      throw new UsageError(`corrupt checkpoint in ${where}: ${basename(path)} does not begin with a checkpoint's magic bytes`);
    }
    const hash = createHash('sha256').update(head);
    const buf = new Uint8Array(1 << 22);
    for (let at = head.length; at < size; ) {
      const n = readSync(fd, buf, 0, Math.min(buf.length, size - at), at);
      if (n === 0) break;
      hash.update(buf.subarray(0, n));
      at += n;
    }
    if (hash.digest('hex') !== expected.sha256) {
      this.close();
      throw new UsageError(`corrupt checkpoint in ${where}: ${basename(path)} does not match the checksum in its manifest`);
    }
  }

  private rawRead(into: Uint8Array): void {
    for (let at = 0; at < into.byteLength; ) {
      const n = readSync(this.fd, into, at, Math.min(SLICE, into.byteLength - at), this.offset);
      if (n === 0) throw new UsageError(`corrupt checkpoint in ${this.where}: ${basename(this.path)} ends early`);
      at += n;
      this.offset += n;
    }
  }

  /** Bytes of the named section (which must come next, or be the one being read). */
  size(name: string): number {
    return this.enter(name).bytes;
  }

  private enter(name: string): SectionEntry {
    if (this.current?.name === name) return this.current;
    if (this.current && this.left !== 0) this.bad(`section ${this.current.name} has ${this.left} bytes more than the search needs`);
    // A section with no values is never asked for (nothing is read into it): pass over it.
    while (this.sections[this.next]?.bytes === 0 && this.sections[this.next]!.name !== name) this.next++;
    const s = this.sections[this.next];
    if (s?.name !== name) this.bad(`section ${name} expected, found ${s?.name ?? 'the end'}`);
    if (s.offset !== this.offset) this.bad(`section ${name} is not where the manifest says`);
    this.next++;
    this.current = s;
    this.left = s.bytes;
    return s;
  }

  /** Fill `into` with the next values of the named section. */
  read(name: string, into: View): void {
    const s = this.enter(name);
    if (into.BYTES_PER_ELEMENT !== s.width) this.bad(`section ${name} has values of ${s.width} bytes, ${into.BYTES_PER_ELEMENT} expected`);
    if (into.byteLength > this.left) this.bad(`section ${name} is shorter than the search it belongs to`);
    this.rawRead(new Uint8Array(into.buffer, into.byteOffset, into.byteLength));
    this.left -= into.byteLength;
  }

  /** Read the whole named section in chunks of at most `chunkValues` values of `width` bytes. */
  chunks(name: string, chunkValues: number, each: (values: Uint32Array) => void): void {
    const s = this.enter(name);
    if (s.width !== 4) this.bad(`section ${name} has values of ${s.width} bytes, 4 expected`);
    const buf = new Uint32Array(chunkValues);
    while (this.left > 0) {
      const n = Math.min(chunkValues, this.left / 4);
      const view = buf.subarray(0, n);
      this.read(name, view);
      each(view);
    }
  }

  /** Every section was read whole; then close. */
  finish(): void {
    if (this.current && this.left !== 0) this.bad(`section ${this.current.name} has ${this.left} bytes more than the search needs`);
    while (this.sections[this.next]?.bytes === 0) this.next++;
    if (this.next !== this.sections.length) this.bad(`section ${this.sections[this.next]!.name} was not read`);
    this.close();
  }

  close(): void {
    try {
      closeSync(this.fd);
    } catch {
      // already closed
    }
  }

  private bad(what: string): never {
    this.close();
    throw new UsageError(`corrupt checkpoint in ${this.where}: ${what}`);
  }
}
