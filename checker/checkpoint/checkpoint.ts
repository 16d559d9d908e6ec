// Checkpoints of a breadth-first search, and resuming from one.
//
// A checkpoint is a folder:
//
//   manifest.json     what was checked (model, parameters, a digest of the
//                     model's shape, properties, the options that change
//                     counts), the format version, where the search stands
//                     (counts, position in the queue, violations found), and
//                     the data file's name, length, sections and SHA-256
//   data-N.bin        the search's arrays (sections.ts): the visited set's
//                     entries, the parent records, coverage, the queue, and
//                     the recorded liveness graph when there is one
//
// It is written between two expansions, so the queue holds exactly the
// stored states not yet expanded and a resumed search assigns the same ids
// in the same order as the uninterrupted one: the same counts, verdicts and
// counterexamples. The data file is written under a temporary name, flushed
// and renamed; the manifest is written the same way after it, and only then
// is the previous data file removed. Whatever moment a run is killed at, the
// folder holds the previous whole checkpoint or the new one, never a
// manifest that names a partial file.

import { createHash } from 'node:crypto';
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync, writeSync } from 'node:fs';
import { endianness } from 'node:os';
import { join } from 'node:path';
import { CheckSession } from '../check.js';
import { UsageError } from '../errors.js';
import type { CompiledModel } from '../model.js';
import type { CheckOptions } from '../result.js';
import type { BfsPosition } from '../search/bfs.js';
import type { Violation } from '../search/explore.js';
import type { GraphCheckpointMeta } from '../liveness/graph.js';
import { ExactSet, FingerprintSet } from '../store/stateset.js';
import { SectionReader, SectionWriter, type SectionEntry } from './sections.js';

/** The version of the layout below; a checkpoint of another version is refused. */
export const CHECKPOINT_FORMAT = 1;
const MANIFEST = 'manifest.json';
const MANIFEST_MAGIC = 'clockcheck checkpoint';

/** What a checkpoint was taken of: a resume must match it exactly. */
export interface CheckpointIdentity {
  readonly model: string;
  readonly params: Readonly<Record<string, number>>;
  /** Digest of the model's fields, action instances, initial states, stuttering and fairness declarations. */
  readonly shape: string;
  /** Digest of the model's code: its functions' texts, and the caller's digest of its sources. */
  readonly code: string;
  readonly properties: readonly string[];
  /** The options that change what is explored or decided (budgets do not: they bound a session). */
  readonly options: {
    readonly exact: boolean;
    readonly symmetry: boolean;
    readonly maxDepth: number | null;
    readonly continue: boolean;
    readonly fairness: string | null;
  };
}

/** Where the search stands, in the manifest. */
interface SearchMeta {
  readonly distinct: number;
  readonly transitions: number;
  readonly maxDepth: number;
  readonly unreducedDistinct: number;
  readonly unreducedTransitions: number;
  readonly truncated: boolean;
  readonly seconds: number;
  readonly violations: readonly (Violation | null)[];
  readonly position: BfsPosition;
  readonly queued: number;
  readonly graph: GraphCheckpointMeta | null;
}

interface Manifest {
  readonly magic: string;
  readonly format: number;
  readonly endianness: string;
  readonly identity: CheckpointIdentity;
  readonly written: string;
  readonly data: string;
  readonly bytes: number;
  readonly sha256: string;
  readonly sections: readonly SectionEntry[];
  readonly search: SearchMeta;
}

/**
 * `source`: a digest of the model's code that the caller can see and the
 * checker cannot (the CLI's: the model file, or the built-in models'
 * sources), so that a model fixed since the checkpoint is refused even when
 * the fix is in a function the model's own functions call.
 */
export function checkpointIdentity(m: CompiledModel, opts: CheckOptions, source?: string): CheckpointIdentity {
  const shape = createHash('sha256')
    .update(
      JSON.stringify({
        words: m.words,
        fields: m.layout.fields.map((f) => [f.path, f.min, f.max, f.word, f.shift]),
        instances: m.instances.map((i) => i.label),
        inits: m.inits.map((s) => Array.from(s)),
        stuttering: m.stutterFamilies !== undefined ? Array.from(m.stutterFamilies) : null,
        constraint: m.constraint !== undefined,
        fairness: m.fairness,
      }),
    )
    .digest('hex')
    .slice(0, 32);
  const code = createHash('sha256');
  code.update(source ?? '');
  // The texts of the model's own functions: guards, steps, properties, and
  // the rest a search calls. A fix in a helper they call is caught only by `source`.
  for (const part of [m.families, m.invariants, m.stepProperties, m.liveness, m.legalEnd, m.constraint, m.stutterStep, m.symmetry]) {
    functionTexts(part, (t) => code.update(t), new Set());
  }
  return {
    model: m.name,
    params: { ...m.params },
    shape,
    code: code.digest('hex').slice(0, 32),
    properties: m.properties.map((p) => p.name),
    options: {
      exact: opts.exact === true,
      symmetry: opts.symmetry === true,
      maxDepth: opts.maxDepth ?? null,
      continue: opts.continueAfterViolation === true,
      fairness: m.liveness.length ? (opts.fairness ?? 'model') : null,
    },
  };
}

/** Every function's source text reachable in plain objects and arrays, in a fixed order. */
function functionTexts(x: unknown, out: (text: string) => void, seen: Set<unknown>): void {
  if (typeof x === 'function') {
    out(Function.prototype.toString.call(x));
    return;
  }
  if (x === null || typeof x !== 'object' || seen.has(x) || ArrayBuffer.isView(x)) return;
  seen.add(x);
  if (Array.isArray(x)) for (const e of x) functionTexts(e, out, seen);
  else for (const k of Object.keys(x).sort()) functionTexts((x as Record<string, unknown>)[k], out, seen);
}

/** How the identity of a checkpoint differs from the run that would resume it, in words; undefined if it does not. */
export function identityMismatch(saved: CheckpointIdentity, now: CheckpointIdentity): string | undefined {
  if (saved.model !== now.model) return `it is a checkpoint of model ${saved.model}, not ${now.model}`;
  const keys = [...new Set([...Object.keys(saved.params), ...Object.keys(now.params)])];
  for (const k of keys) {
    if (saved.params[k] !== now.params[k]) {
      return `it was taken with --param ${k}=${saved.params[k] ?? '(none)'}, this run has ${k}=${now.params[k] ?? '(none)'}`;
    }
  }
  if (saved.shape !== now.shape) return `model ${now.model} has changed since the checkpoint (its fields, actions or initial states differ)`;
  if (saved.properties.join(',') !== now.properties.join(',')) {
    const list = (p: readonly string[]) => (p.length ? p.join(',') : 'none');
    return `it checks --property ${list(saved.properties)}, this run checks ${list(now.properties)}`;
  }
  const a = saved.options;
  const b = now.options;
  const flag = (name: string, was: boolean) => `it was taken ${was ? 'with' : 'without'} ${name}, this run is ${was ? 'without' : 'with'} it`;
  if (a.exact !== b.exact) return flag('--exact', a.exact);
  if (a.symmetry !== b.symmetry) return flag('--symmetry', a.symmetry);
  if (a.continue !== b.continue) return flag('--continue', a.continue);
  if (a.maxDepth !== b.maxDepth) return `it was taken with --max-depth ${a.maxDepth ?? '(none)'}, this run has ${b.maxDepth ?? '(none)'}`;
  if (a.fairness !== b.fairness) return `it was taken with --fairness ${a.fairness}, this run has ${b.fairness}`;
  // Last: the properties selected are part of the code digest.
  if (saved.code !== now.code) return `model ${now.model} has changed since the checkpoint (its code differs)`;
  return undefined;
}

/** True if `dir` holds a checkpoint's manifest (whole or not). */
export function holdsCheckpoint(dir: string): boolean {
  return existsSync(join(dir, MANIFEST));
}

/** What writing one checkpoint took. */
export interface CheckpointWritten {
  readonly dir: string;
  readonly states: number;
  /** Data file and manifest. */
  readonly bytes: number;
  readonly seconds: number;
}

const TEMP = /^(data-\d+\.bin|manifest\.json)\.\d+\.tmp$/;
const LOCK = 'checkpoint.lock';

/**
 * Writes the checkpoints of one run into a folder, each replacing the one
 * before it only once it is whole.
 */
export class Checkpointer {
  private previous: string | undefined;
  private gen: number;
  private readonly lock: string;

  /**
   * `resumed`: the folder holds the checkpoint this run was resumed from (it
   * stays until a newer one is whole). Takes the folder's lock: two runs
   * writing into one folder would delete each other's files.
   */
  constructor(
    readonly dir: string,
    resumed = false,
  ) {
    const flag = resumed ? '--resume' : '--checkpoint';
    if (existsSync(dir) && !statSync(dir).isDirectory()) throw new UsageError(`${flag}: ${dir} is a file, not a folder`);
    try {
      mkdirSync(dir, { recursive: true });
    } catch (e) {
      throw new UsageError(`${flag}: cannot make the folder ${dir} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
    }
    this.lock = join(dir, LOCK);
    takeLock(this.lock, flag, dir);
    try {
      const named = resumed ? readManifest(dir).data : undefined;
      let gen = 0;
      for (const f of readdirSync(dir)) {
        const d = /^data-(\d+)\.bin$/.exec(f);
        if (d) gen = Math.max(gen, Number(d[1]));
        // Left by a run killed while writing, or between the data file's
        // rename and the manifest's: no manifest names them.
        if (TEMP.test(f) || (d && f !== named)) rmSync(join(dir, f), { force: true });
      }
      this.gen = gen;
      this.previous = named;
    } catch (e) {
      this.close();
      if (e instanceof UsageError) throw e;
      throw new UsageError(`${flag}: cannot use the folder ${dir} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
    }
  }

  /** Give the folder's lock back (the checkpoint stays). */
  close(): void {
    try {
      if (readFileSync(this.lock, 'utf8').trim() === String(process.pid)) rmSync(this.lock, { force: true });
    } catch {
      // Gone with its folder.
    }
  }

  /** Write the session's state; the session must be `checkpointable`. */
  write(s: CheckSession, identity: CheckpointIdentity): CheckpointWritten {
    const t0 = performance.now();
    if (!s.checkpointable || !s.bfs) throw new Error('internal: checkpoint of a search that is not between two expansions');
    const { x, rec, bfs } = s;
    const distinct = x.distinct;
    const name = `data-${String(++this.gen).padStart(6, '0')}.bin`;
    const tmp = join(this.dir, `${name}.${process.pid}.tmp`);
    const w = new SectionWriter(tmp);
    let digest: { bytes: number; sha256: string };
    try {
      const set = x.set;
      if (!(set instanceof FingerprintSet || set instanceof ExactSet)) throw new Error('internal: checkpoint of a released visited set');
      w.section('visited', 4, set.entries());
      w.section('parents', 4, [x.parents.data.subarray(0, x.parents.length)]);
      w.section('via', x.via.data.BYTES_PER_ELEMENT, [x.via.data.subarray(0, x.via.length)]);
      w.section('coverage', 8, [x.coverage]);
      w.section('queue', 4, bfs.q.parts());
      if (rec) for (const a of rec.checkpointArrays(distinct)) w.section(a.name, a.width, a.parts);
      digest = w.close();
    } catch (e) {
      w.abandon();
      rmSync(tmp, { force: true });
      throw e;
    }
    try {
      renameSync(tmp, join(this.dir, name));
    } catch (e) {
      rmSync(tmp, { force: true });
      throw e;
    }
    // The data file's name is durable before a manifest names it.
    syncDir(this.dir);
    const manifest: Manifest = {
      magic: MANIFEST_MAGIC,
      format: CHECKPOINT_FORMAT,
      endianness: endianness(),
      identity,
      written: new Date().toISOString(),
      data: name,
      bytes: digest.bytes,
      sha256: digest.sha256,
      sections: w.sections,
      search: {
        distinct,
        transitions: x.transitions,
        maxDepth: x.maxDepth,
        unreducedDistinct: x.unreducedDistinct,
        unreducedTransitions: x.unreducedTransitions,
        truncated: x.stopReason !== undefined ? x.truncatedBeforeStop : x.truncated,
        seconds: x.seconds(),
        violations: x.violations.map((v) => v ?? null),
        position: bfs.position,
        queued: bfs.q.size,
        graph: rec ? rec.checkpointMeta : null,
      },
    };
    const text = JSON.stringify(manifest, null, 1) + '\n';
    const mtmp = join(this.dir, `${MANIFEST}.${process.pid}.tmp`);
    try {
      const bytes = new Uint8Array(Buffer.from(text, 'utf8'));
      const fd = openSync(mtmp, 'w');
      try {
        // write(2) may write less than asked on a nearly full disk.
        for (let at = 0; at < bytes.length; ) at += writeSync(fd, bytes, at, bytes.length - at);
        fsyncSync(fd);
      } finally {
        closeSync(fd);
      }
      renameSync(mtmp, join(this.dir, MANIFEST));
    } catch (e) {
      // The previous manifest still names the previous data file: keep both, drop the new one.
      rmSync(mtmp, { force: true });
      rmSync(join(this.dir, name), { force: true });
      throw e;
    }
    syncDir(this.dir);
    if (this.previous !== undefined && this.previous !== name) rmSync(join(this.dir, this.previous), { force: true });
    this.previous = name;
    return { dir: this.dir, states: distinct, bytes: digest.bytes + Buffer.byteLength(text), seconds: (performance.now() - t0) / 1000 };
  }
}

/**
 * Remove a checkpoint: its manifest first (from then on the folder holds no
 * checkpoint), then its data files. The folder itself stays.
 */
export function removeCheckpoint(dir: string): void {
  if (!existsSync(dir)) return;
  rmSync(join(dir, MANIFEST), { force: true });
  for (const f of readdirSync(dir)) if (/^data-\d+\.bin$/.test(f) || TEMP.test(f)) rmSync(join(dir, f), { force: true });
}

/**
 * Take a folder's lock (a file holding the owner's pid, made with O_EXCL).
 * A lock whose process is gone (a run killed with SIGKILL) is taken over.
 */
function takeLock(file: string, flag: string, dir: string): void {
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      writeFileSync(file, `${process.pid}\n`, { flag: 'wx' });
      return;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') {
        throw new UsageError(`${flag}: cannot write into ${dir} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
      }
    }
    let owner = NaN;
    try {
      owner = Number.parseInt(readFileSync(file, 'utf8'), 10);
    } catch {
      // Removed meanwhile: try again.
    }
    if (Number.isSafeInteger(owner) && owner > 0 && owner !== process.pid && processAlive(owner)) {
      throw new UsageError(`${flag}: ${dir} is in use by another clockcheck run (pid ${owner}); wait for it, or give another folder`);
    }
    rmSync(file, { force: true });
  }
  throw new UsageError(`${flag}: cannot lock ${dir} (another run takes it at the same moment)`);
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    // EPERM: it exists, under another user.
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Make the renames in a folder durable (where the platform lets a folder be opened). */
function syncDir(dir: string): void {
  let fd: number | undefined;
  try {
    fd = openSync(dir, 'r');
    fsyncSync(fd);
  } catch {
    // Not supported here (Windows): the renames are still atomic.
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

const isCount = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;

/** Read and check a checkpoint's manifest; a refusal is a UsageError naming the folder and what is wrong. */
export function readManifest(dir: string): Manifest {
  if (!existsSync(dir)) throw new UsageError(`cannot resume: ${dir} does not exist`);
  const file = join(dir, MANIFEST);
  if (!existsSync(file)) throw new UsageError(`cannot resume: ${dir} holds no checkpoint (no ${MANIFEST})`);
  let j: any;
  try {
    j = JSON.parse(readFileSync(file, 'utf8'));
  } catch {
    throw new UsageError(`corrupt checkpoint in ${dir}: ${MANIFEST} is not valid JSON (cut short?)`);
  }
  if (j === null || typeof j !== 'object' || j.magic !== MANIFEST_MAGIC) {
    throw new UsageError(`corrupt checkpoint in ${dir}: ${MANIFEST} is not a clockcheck checkpoint manifest (bad magic)`);
  }
  if (j.format !== CHECKPOINT_FORMAT) {
    throw new UsageError(`cannot resume from ${dir}: it is a checkpoint in format ${JSON.stringify(j.format)}, this clockcheck reads format ${CHECKPOINT_FORMAT}`);
  }
  if (j.endianness !== endianness()) {
    throw new UsageError(`cannot resume from ${dir}: it was written on a ${j.endianness} machine, this one is ${endianness()}`);
  }
  const s = j.search;
  const ok =
    typeof j.data === 'string' &&
    /^data-\d+\.bin$/.test(j.data) &&
    isCount(j.bytes) &&
    typeof j.sha256 === 'string' &&
    Array.isArray(j.sections) &&
    j.sections.every((e: any) => typeof e?.name === 'string' && isCount(e.offset) && isCount(e.bytes) && [1, 2, 4, 8].includes(e.width)) &&
    j.identity !== null &&
    typeof j.identity === 'object' &&
    typeof j.identity.model === 'string' &&
    typeof j.identity.params === 'object' &&
    j.identity.params !== null &&
    typeof j.identity.options === 'object' &&
    j.identity.options !== null &&
    typeof j.identity.shape === 'string' &&
    typeof j.identity.code === 'string' &&
    Array.isArray(j.identity.properties) &&
    j.identity.properties.every((p: unknown) => typeof p === 'string') &&
    s !== null &&
    typeof s === 'object' &&
    [s.distinct, s.transitions, s.maxDepth, s.unreducedDistinct, s.unreducedTransitions, s.queued].every(isCount) &&
    typeof s.seconds === 'number' &&
    typeof s.truncated === 'boolean' &&
    Array.isArray(s.violations) &&
    s.position !== null &&
    typeof s.position === 'object' &&
    [s.position.cur, s.position.depth, s.position.levelEnd, s.position.peak].every(isCount) &&
    s.position.cur + s.queued === s.distinct &&
    s.position.levelEnd <= s.distinct &&
    (s.graph === null ||
      (typeof s.graph === 'object' &&
        isCount(s.graph.expanded) &&
        isCount(s.graph.edges) &&
        Array.isArray(s.graph.levelStart) &&
        s.graph.levelStart.every(isCount) &&
        Array.isArray(s.graph.initIds) &&
        s.graph.initIds.every((i: unknown) => isCount(i) && i < s.distinct)));
  if (!ok) throw new UsageError(`corrupt checkpoint in ${dir}: ${MANIFEST} lacks fields a checkpoint has, or they do not add up`);
  return j as Manifest;
}

/**
 * A session that takes up the search where the checkpoint in `dir` left it,
 * for the model and options given (the ones the checkpoint was taken with,
 * or it is refused).
 */
/** Read a checkpoint's manifest and refuse it if it is not of this model, parameters, properties and options; before anything is loaded. */
export function assertResumable(dir: string, m: CompiledModel, opts: CheckOptions, source?: string): Manifest {
  const manifest = readManifest(dir);
  const why = identityMismatch(manifest.identity, checkpointIdentity(m, opts, source));
  if (why) throw new UsageError(`cannot resume from ${dir}: ${why}`);
  return manifest;
}

export function resumeSession(dir: string, m: CompiledModel, opts: CheckOptions, source?: string): { session: CheckSession; manifest: Manifest; seconds: number } {
  const t0 = performance.now();
  const manifest = assertResumable(dir, m, opts, source);
  const meta = manifest.search;
  const bad = (what: string) => new UsageError(`corrupt checkpoint in ${dir}: ${what}`);
  if (meta.violations.length !== m.properties.length) throw bad('its violations do not match the properties');
  meta.violations.forEach((v, p) => {
    if (v !== null && !(v.property === p && isCount(v.stateId) && v.stateId < meta.distinct && Number.isInteger(v.instance) && v.instance < m.instances.length)) {
      throw bad(`its violation of ${m.properties[p]!.name} is not a violation record`);
    }
  });
  const r = new SectionReader(join(dir, manifest.data), manifest.sections, manifest, dir);
  try {
    const session = new CheckSession(m, opts, (s) => {
      const { x, rec, bfs } = s;
      const set = x.set;
      if (!(set instanceof FingerprintSet || set instanceof ExactSet)) throw new Error('internal: resume into a set that cannot be loaded');
      const E = set.entryWords;
      if (r.size('visited') !== meta.distinct * E * 4) throw bad('its visited set does not hold as many states as the manifest says');
      set.reserve(meta.distinct);
      r.chunks('visited', E * 65536, (v) => set.load(v));
      if (set.size !== meta.distinct) throw bad('its visited set holds the same state twice');
      x.parents.load(meta.distinct, (into) => r.read('parents', into));
      x.via.load(meta.distinct, (into) => r.read('via', into));
      r.read('coverage', x.coverage);
      bfs!.q.load(meta.queued, (into) => r.read('queue', into));
      if ((rec !== undefined) !== (meta.graph !== null)) throw bad('it has a liveness graph where this run has none, or none where it needs one');
      if (rec && meta.graph) rec.restore(meta.graph, meta.distinct, (name, into) => r.read(name, into));
      r.finish();
      x.transitions = meta.transitions;
      x.maxDepth = meta.maxDepth;
      x.unreducedDistinct = meta.unreducedDistinct;
      x.unreducedTransitions = meta.unreducedTransitions;
      x.truncated = meta.truncated;
      x.priorSeconds = meta.seconds;
      meta.violations.forEach((v, p) => (x.violations[p] = v ?? undefined));
      x.reopen();
      bfs!.restore(meta.position);
    });
    return { session, manifest, seconds: (performance.now() - t0) / 1000 };
  } finally {
    r.close();
  }
}
