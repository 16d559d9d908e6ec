// Results files: what `compare`, `sweep` and `simulate` write with
// `--json FILE.json`, one per shard, and what `merge` reads back. A file
// names the run it belongs to (`spec`: command, variants, parameters, grid,
// options), which shard of it it is, and the rows of that shard. Merging
// refuses anything that would not add up to the unsharded run: files of
// different runs, two files for one shard, a shard missing, rows that are
// not the shard's.

import { readFileSync } from 'node:fs';
import { LIVENESS_KINDS, UsageError, type PropertyKind } from '../../checker/index.js';
import { writeFileAtomic } from '../../traces/io.js';
import { gridPoints, type Shard } from '../options.js';
import type { Cell, TableRow } from '../compare/compare.js';

export const RESULTS_FORMAT = 'clockcheck-results';
export const RESULTS_VERSION = 1;

export type ResultsCommand = 'compare' | 'sweep' | 'simulate';

export interface RowsFile {
  readonly format: typeof RESULTS_FORMAT;
  readonly version: number;
  readonly command: 'compare' | 'sweep';
  /** Everything that decides the rows: shards of one run have equal specs. */
  readonly spec: {
    readonly variants: readonly string[];
    /** Fixed parameters, resolved (defaults filled in), without the swept ones. */
    readonly params: Readonly<Record<string, number>>;
    /** Swept parameters and their values; empty for compare. */
    readonly grid: readonly { readonly name: string; readonly values: readonly number[] }[];
    /** Search options that change verdicts (strategy, bounds, storage, symmetry). */
    readonly options: Readonly<Record<string, string | number | boolean>>;
    /** Cells of the whole run (variants x grid points); cell k is shard (k mod n) + 1's. */
    readonly cells: number;
  };
  readonly shard: Shard;
  readonly rows: readonly (TableRow & { readonly cell: number; readonly mismatches: readonly string[] })[];
}

export interface SimulationFile {
  readonly format: typeof RESULTS_FORMAT;
  readonly version: number;
  readonly command: 'simulate';
  readonly spec: {
    readonly model: string;
    readonly params: Readonly<Record<string, number>>;
    readonly properties: readonly string[];
    readonly seed: number;
    readonly runs: number;
    readonly depth: number;
    readonly swarm: boolean;
    readonly maxSeconds: number | null;
  };
  readonly shard: Shard;
  /** This shard's runs: from..to-1. */
  readonly from: number;
  readonly to: number;
  readonly runsDone: number;
  readonly steps: number;
  readonly seconds: number;
  readonly stopReason: string | null;
  /** The shard's first violation, by run index. */
  readonly violation: {
    readonly property: string;
    readonly run: number;
    readonly path: string;
    readonly steps: number;
    readonly foundSteps: number;
    readonly shrunkSteps: number;
    readonly shrinks: number;
    readonly shrinkInterrupted: boolean;
    readonly foundSeconds: number;
    readonly shrinkSeconds: number;
  } | null;
  readonly properties: readonly { readonly name: string; readonly kind: string; readonly verdict: string; readonly note: string | null; readonly trace: unknown }[];
  readonly replay: string | null;
}

export type ResultsFile = RowsFile | SimulationFile;

/** Write a results file whole or not at all (a temporary file renamed into place). */
export function writeResults(path: string, data: unknown): void {
  try {
    writeFileAtomic(path, JSON.stringify(data, null, 2) + '\n');
  } catch (e) {
    throw new UsageError(`cannot write results ${path}: ${(e as Error).message}`);
  }
}

/** The cells of a comparison or sweep, in order: each variant at each grid point (the first parameter varying slowest). */
export function specCells(spec: RowsFile['spec']): Cell[] {
  const points = gridPoints(spec.grid);
  return spec.variants.flatMap((variant) => points.map((p) => ({ variant, params: { ...spec.params, ...p } })));
}

/** Runs `from..to-1` of shard i/n of `runs` runs: contiguous ranges, the first shards one shorter when runs do not divide. */
export function shardRuns(shard: Shard | undefined, runs: number): { from: number; to: number } {
  if (!shard) return { from: 0, to: runs };
  return { from: Math.floor((runs * (shard.index - 1)) / shard.count), to: Math.floor((runs * shard.index) / shard.count) };
}

// ---- reading ---------------------------------------------------------------

type Obj = Record<string, unknown>;

class Bad extends Error {}

function isObj(x: unknown): x is Obj {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}
function need<T>(ok: boolean, what: string, v: unknown): T {
  if (!ok) throw new Bad(what);
  return v as T;
}
function obj(o: Obj, k: string, at: string): Obj {
  return need(isObj(o[k]), `${at}${k} is missing or not an object`, o[k]);
}
function arr(o: Obj, k: string, at: string): unknown[] {
  return need(Array.isArray(o[k]), `${at}${k} is missing or not a list`, o[k]);
}
function num(o: Obj, k: string, at: string): number {
  return need(typeof o[k] === 'number' && Number.isFinite(o[k]), `${at}${k} is missing or not a number`, o[k]);
}
function int(o: Obj, k: string, at: string, min = 0): number {
  return need(Number.isInteger(o[k]) && (o[k] as number) >= min, `${at}${k} is missing or not a whole number >= ${min}`, o[k]);
}
function str(o: Obj, k: string, at: string): string {
  return need(typeof o[k] === 'string', `${at}${k} is missing or not a string`, o[k]);
}
function intMap(o: Obj, k: string, at: string): Record<string, number> {
  const m = obj(o, k, at);
  for (const [name, v] of Object.entries(m)) need(Number.isInteger(v), `${at}${k}.${name} is not an integer`, v);
  return m as Record<string, number>;
}

const VERDICTS = ['holds', 'violated', 'unknown'];

function checkRow(r: unknown, i: number): void {
  const at = `rows[${i}].`;
  if (!isObj(r)) throw new Bad(`rows[${i}] is not an object`);
  int(r, 'cell', at);
  str(r, 'variant', at);
  intMap(r, 'params', at);
  arr(r, 'properties', at).forEach((p, k) => {
    const pat = `${at}properties[${k}].`;
    if (!isObj(p)) throw new Bad(`${at}properties[${k}] is not an object`);
    str(p, 'name', pat);
    str(p, 'kind', pat);
    need(VERDICTS.includes(p.verdict as string), `${pat}verdict is not holds, violated or unknown`, p.verdict);
    need(p.steps === null || Number.isInteger(p.steps), `${pat}steps is not a whole number or null`, p.steps);
    // A lasso's loop length (liveness); absent in files from before lassos, which had no liveness properties.
    const loop = p.loop ?? null;
    need(loop === null || (Number.isInteger(loop) && (loop as number) >= 1 && (loop as number) <= ((p.steps as number | null) ?? 0)), `${pat}loop is not a whole number from 1 to steps, or null`, loop);
    const lasso = LIVENESS_KINDS.includes(p.kind as PropertyKind) && p.verdict === 'violated' && p.steps !== null;
    // Without its loop a lasso would show, and be judged against specs/, as a finite counterexample.
    need(lasso === (loop !== null), lasso ? `${pat}loop is missing: a ${p.kind as string} counterexample is a lasso` : `${pat}loop is given, but the counterexample is no lasso`, loop);
  });
  int(r, 'distinct', at);
  int(r, 'transitions', at);
  num(r, 'seconds', at);
  need(typeof r.complete === 'boolean' && typeof r.symmetry === 'boolean', `${at}complete or symmetry is not true or false`, r);
  need(r.expected === null || isObj(r.expected), `${at}expected is not an object or null`, r.expected);
  if (isObj(r.expected)) {
    for (const [name, e] of Object.entries(r.expected)) {
      need(isObj(e) && VERDICTS.includes(e.verdict as string), `${at}expected.${name} has no verdict`, e);
    }
  }
}

function checkFile(raw: unknown): ResultsFile {
  if (!isObj(raw)) throw new Bad('not a clockcheck results file: the JSON is not an object');
  if (raw.format !== RESULTS_FORMAT) throw new Bad(`not a clockcheck results file: format is ${JSON.stringify(raw.format) ?? 'missing'}, expected "${RESULTS_FORMAT}"`);
  const version = int(raw, 'version', '', 1);
  if (version > RESULTS_VERSION) throw new Bad(`results format version ${version} is newer than this clockcheck reads (${RESULTS_VERSION})`);
  const command = str(raw, 'command', '');
  const shard = obj(raw, 'shard', '');
  const count = int(shard, 'count', 'shard.', 1);
  need(Number.isInteger(shard.index) && (shard.index as number) >= 1 && (shard.index as number) <= count, `shard.index is not from 1 to ${count}`, shard.index);
  const spec = obj(raw, 'spec', '');
  if (command === 'compare' || command === 'sweep') {
    need(Array.isArray(spec.variants) && spec.variants.every((v) => typeof v === 'string'), 'spec.variants is not a list of names', spec.variants);
    intMap(spec, 'params', 'spec.');
    arr(spec, 'grid', 'spec.');
    obj(spec, 'options', 'spec.');
    int(spec, 'cells', 'spec.');
    arr(raw, 'rows', '').forEach(checkRow);
  } else if (command === 'simulate') {
    str(spec, 'model', 'spec.');
    intMap(spec, 'params', 'spec.');
    int(spec, 'runs', 'spec.', 1);
    int(spec, 'depth', 'spec.', 1);
    need(Number.isInteger(spec.seed), 'spec.seed is not an integer', spec.seed);
    int(raw, 'from', '');
    int(raw, 'to', '');
    int(raw, 'runsDone', '');
    int(raw, 'steps', '');
    num(raw, 'seconds', '');
    arr(raw, 'properties', '').forEach((p, k) => {
      if (!isObj(p)) throw new Bad(`properties[${k}] is not an object`);
      str(p, 'name', `properties[${k}].`);
      need(VERDICTS.includes(p.verdict as string), `properties[${k}].verdict is not holds, violated or unknown`, p.verdict);
    });
    const v = raw.violation;
    need(v === null || isObj(v), 'violation is not an object or null', v);
    if (isObj(v)) {
      str(v, 'property', 'violation.');
      int(v, 'run', 'violation.');
      str(v, 'path', 'violation.');
      int(v, 'steps', 'violation.');
    }
  } else throw new Bad(`command ${JSON.stringify(command)} is not compare, sweep or simulate`);
  return raw as unknown as ResultsFile;
}

/** Read and check a results file; anything wrong is one line naming the file (exit 2). */
export function readResults(path: string): ResultsFile {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new UsageError(code === 'ENOENT' ? `no such results file: ${path}` : `cannot read results ${path}: ${(e as Error).message}`);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new UsageError(`bad results file ${path}: not valid JSON (${(e as Error).message.split('\n')[0]})`);
  }
  try {
    return checkFile(raw);
  } catch (e) {
    if (e instanceof Bad) throw new UsageError(`bad results file ${path}: ${e.message}`);
    throw e;
  }
}

/** JSON with object keys in a fixed order, so that equal specs compare equal as text. */
function canonical(x: unknown): string {
  if (Array.isArray(x)) return `[${x.map(canonical).join(',')}]`;
  if (isObj(x)) return `{${Object.keys(x).sort().map((k) => `${JSON.stringify(k)}:${canonical(x[k])}`).join(',')}}`;
  return JSON.stringify(x);
}

/** The first place two specs differ, as `key: a vs b`. */
function firstDifference(a: unknown, b: unknown, at = ''): string {
  if (isObj(a) && isObj(b)) {
    // Counts last: what made them differ is more telling.
    const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])].sort((x, y) => Number(x === 'cells') - Number(y === 'cells') || x.localeCompare(y));
    for (const k of keys) {
      if (canonical(a[k]) !== canonical(b[k])) return firstDifference(a[k], b[k], at ? `${at}.${k}` : k);
    }
  }
  const show = (x: unknown) => (x === undefined ? 'nothing' : JSON.stringify(x));
  return `${at || 'the spec'}: ${show(a)} vs ${show(b)}`;
}

export interface Merged<F extends ResultsFile> {
  readonly files: readonly { readonly path: string; readonly data: F }[];
  readonly command: F['command'];
  readonly spec: F['spec'];
  readonly count: number;
}

/**
 * Check that `paths` are every shard of one run, each once; returns them in
 * shard order.
 */
export function gatherShards(paths: readonly string[]): Merged<ResultsFile> {
  if (paths.length === 0) throw new UsageError('merge needs results files (e.g. results/*.json)');
  const seen = new Map<string, string>();
  const files = paths.map((path) => {
    const real = path;
    if (seen.has(real)) throw new UsageError(`${path} is given twice`);
    seen.set(real, path);
    return { path, data: readResults(path) };
  });
  const first = files[0]!;
  const byIndex = new Map<number, string>();
  for (const f of files) {
    if (f.data.command !== first.data.command) {
      throw new UsageError(`${first.path} holds ${first.data.command} results, ${f.path} ${f.data.command} results: they do not merge`);
    }
    if (canonical(f.data.spec) !== canonical(first.data.spec)) {
      throw new UsageError(`${first.path} and ${f.path} are results of different runs (${firstDifference(first.data.spec, f.data.spec)})`);
    }
    if (f.data.shard.count !== first.data.shard.count) {
      throw new UsageError(`${first.path} is shard ${first.data.shard.index}/${first.data.shard.count} but ${f.path} is shard ${f.data.shard.index}/${f.data.shard.count}: shards of different splits`);
    }
    const twin = byIndex.get(f.data.shard.index);
    if (twin !== undefined) throw new UsageError(`shards overlap: ${twin} and ${f.path} are both shard ${f.data.shard.index}/${f.data.shard.count}`);
    byIndex.set(f.data.shard.index, f.path);
  }
  const n = first.data.shard.count;
  const missing = Array.from({ length: n }, (_, k) => k + 1).filter((i) => !byIndex.has(i));
  if (missing.length) {
    throw new UsageError(`missing shard${missing.length > 1 ? 's' : ''} ${missing.map((i) => `${i}/${n}`).join(', ')} (given: ${[...byIndex.keys()].sort((a, b) => a - b).map((i) => `${i}/${n}`).join(', ')})`);
  }
  for (const f of files) checkShardContents(f.path, f.data);
  files.sort((a, b) => a.data.shard.index - b.data.shard.index);
  return { files, command: first.data.command, spec: first.data.spec, count: n };
}

/** A file's rows (or runs) must be exactly its shard's: anything else means it was edited or cut. */
function checkShardContents(path: string, f: ResultsFile): void {
  const s = f.shard;
  if (f.command === 'simulate') {
    const { from, to } = shardRuns(s, f.spec.runs);
    if (f.from !== from || f.to !== to) throw new UsageError(`bad results file ${path}: runs ${f.from}..${f.to - 1} are not those of shard ${s.index}/${s.count} (${from}..${to - 1})`);
    return;
  }
  const cells = specCells(f.spec);
  const want: number[] = [];
  for (let k = s.index - 1; k < cells.length; k += s.count) want.push(k);
  const got = f.rows.map((r) => r.cell);
  const differs = f.spec.cells !== cells.length || got.length !== want.length || got.some((c, i) => c !== want[i]);
  if (differs || f.rows.some((r) => r.variant !== cells[r.cell]!.variant || canonical(r.params) !== canonical(cells[r.cell]!.params))) {
    throw new UsageError(`bad results file ${path}: its rows are not the cells of shard ${s.index}/${s.count}`);
  }
}
