// Reading and writing trace files. Writes go to a temporary file in the same
// folder and are renamed into place, so a crash never leaves half a trace.

import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { decodeTrace, encodeTrace, TraceFileError, type TraceFile } from './format.js';

/** Write `data` to `path` atomically (temporary file + rename). */
export function writeFileAtomic(path: string, data: Uint8Array | string): void {
  mkdirSync(dirname(path), { recursive: true });
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`);
  try {
    writeFileSync(tmp, data);
    renameSync(tmp, path);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw e;
  }
}

export function writeTraceFile(path: string, t: TraceFile): void {
  writeFileAtomic(path, encodeTrace(t));
}

export function readTraceFile(path: string): TraceFile {
  let bytes: Uint8Array;
  try {
    bytes = new Uint8Array(readFileSync(path));
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new TraceFileError(code === 'ENOENT' ? `no such file: ${path}` : `cannot read ${path}: ${(e as Error).message}`);
  }
  try {
    return decodeTrace(bytes);
  } catch (e) {
    if (e instanceof TraceFileError) throw new TraceFileError(`${path}: ${e.message}`);
    throw e;
  }
}

/** `kvm-suspend-time.v3.monoNoJump.cctrace`: model family, variant, property. */
export function traceFileName(t: Pick<TraceFile, 'model' | 'variant' | 'property'>): string {
  const safe = (s: string) => s.replace(/[^A-Za-z0-9_.-]+/g, '_');
  const parts = [...(t.model.family ? [t.model.family] : []), t.variant, t.property.name];
  return `${parts.map(safe).join('.')}.cctrace`;
}
