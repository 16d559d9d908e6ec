// A breadth-first search that goes on past its memory budget by moving its
// visited set, frontier and parent records to disk (--spill DIR).
//
// It runs as the one-thread BFS (bfs.ts), with the same expansion loop,
// until the next growth of an array would take the process past
// --max-memory. Then, between two expansions, it moves to disk:
//   - the parent records (ids, in id order) to a file, read back only to
//     rebuild counterexamples;
//   - the visited set's fingerprints to sorted runs (the table cut into
//     pieces, each sorted by radix sort and written; together: D, every
//     fingerprint of a state that has an id);
//   - the queue to a FIFO of segment files.
// From then on, delayed duplicate detection, as in disk-based Murphi
// (Stern and Dill): a successor found in neither of two bounded tables in
// memory (fingerprints of recently confirmed states, and of this level's
// candidates) is a candidate: its record (fingerprint, parent, action,
// packed state) is appended to a file, and its fingerprint and sequence
// number to a buffer that is sorted and written as a run when full. At the
// end of the level the candidate runs are merged with D in one pass: the
// first candidate of each fingerprint that D lacks is new, and its
// fingerprint goes to a new sorted run of D on the way. Then the candidate
// records are read in the order they were generated and each new one gets
// its id, its parent record, a place in the queue and in the table of
// recent states. Runs of D are merged when there are more than a few.
//
// Ids are given in the order the candidates were generated, which is the
// order the in-memory search would have stored them in, so every state has
// the id it has there: the same counts, the same verdicts, the same
// counterexamples. Invariants are checked on each candidate as it is made (a
// candidate that violates a property still open cannot have been visited:
// the property would have been closed then), so a violation stops the search
// at the same step as in memory; the candidates made before it are
// confirmed before the search ends, so the counts at the stop agree too.
// Memory in the disk phase: the two tables, the candidate buffer and its
// sort scratch, sized from what the budget leaves, and a few buffers.

import { closeSync, mkdirSync, mkdtempSync, openSync, readSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import type { Exploration } from '../search/explore.js';
import { NO_PARENT } from '../search/explore.js';
import { Expander, type Successors } from '../search/expand.js';
import { StateQueue } from '../store/queue.js';
import { FingerprintSet, type StateSet } from '../store/stateset.js';
import { DiskQueue } from './diskqueue.js';
import { ParentFile } from './parents.js';
import { radixSort } from './radix.js';
import { ArrayCursor, FileCursor, MergeCursor, RunAppender, mergeRuns, openRuns, reduceRuns, removeRun, writeRun, type Cursor, type RunFile } from './runs.js';
import { UsageError } from '../errors.js';

/** What the disk cost, for the statistics. */
export interface SpillStats {
  /** Distinct states when the search moved to disk (undefined: it never had to). */
  readonly atStates: number | undefined;
  /** Most bytes the search held on disk at once. */
  readonly diskPeakBytes: number;
  /** Bytes written to disk in all. */
  readonly diskWrittenBytes: number;
  /** Levels whose candidates were merged with the visited runs. */
  readonly merges: number;
  /** The budget the disk phase's tables were sized from. */
  readonly tableBytes: number;
  /** The budget left no room for those tables after the move (the search stopped): what it would need at least. */
  readonly neededBytes?: number;
}

/** Stands in the exploration for the visited set once it is on disk: the count of states with ids. */
class SpilledSet implements StateSet {
  readonly exact = false;
  readonly nextGrowthBytes = 0;
  constructor(
    public size: number,
    private readonly memory: () => number,
  ) {}
  get bytes(): number {
    return this.memory();
  }
  insert(): number {
    throw new Error('internal: the visited set is on disk');
  }
  get(): number {
    throw new Error('internal: the visited set is on disk');
  }
  setId(): void {
    throw new Error('internal: the visited set is on disk');
  }
}

let gcFunction: (() => void) | undefined | null = null;
/**
 * Collect garbage now, so that the arrays let go at the move to disk leave
 * the process (where V8 lets us) before the process's size is read. Array
 * buffers are otherwise freed by a background thread after the collection:
 * the size read right after it would still count them.
 */
function collectGarbage(twice = true): void {
  if (gcFunction === null) {
    try {
      setFlagsFromString('--expose-gc');
      setFlagsFromString('--no-concurrent-array-buffer-sweeping');
      gcFunction = runInNewContext('gc') as () => void;
    } catch {
      gcFunction = undefined;
    }
  }
  gcFunction?.();
  if (twice) gcFunction?.();
}

/** Records of the candidates of one level, in the order they were made, through a buffer to a file. */
class CandidateFile {
  private readonly fd: number;
  private readonly buf: Uint32Array;
  private used = 0;
  private flushed = 0; // words on disk
  written = 0;

  constructor(
    readonly path: string,
    readonly stride: number,
    bufRecords: number,
  ) {
    this.fd = openSync(path, 'w+');
    this.buf = new Uint32Array(bufRecords * stride);
  }

  get bytes(): number {
    return this.buf.byteLength;
  }

  get diskBytes(): number {
    return this.flushed * 4;
  }

  append(hi: number, lo: number, parent: number, via: number, w: Uint32Array, off: number): void {
    const S = this.stride;
    if (this.used + S > this.buf.length) this.flush();
    const b = this.buf;
    let at = this.used;
    b[at++] = hi;
    b[at++] = lo;
    b[at++] = parent;
    b[at++] = via;
    for (let k = 0; k < S - 4; k++) b[at++] = w[off + k]!;
    this.used = at;
  }

  private flush(): void {
    const bytes = new Uint8Array(this.buf.buffer, 0, this.used * 4);
    for (let at = 0; at < bytes.length; ) at += writeSync(this.fd, bytes, at, bytes.length - at, this.flushed * 4 + at);
    this.flushed += this.used;
    this.written += bytes.length;
    this.used = 0;
  }

  /** Each record in order, in chunks (`each(chunk, records)`); then the file is emptied for the next level. */
  drain(each: (chunk: Uint32Array, records: number) => void): void {
    const S = this.stride;
    if (this.flushed > 0) {
      // What is on disk first, read through the same buffer once the tail is written out.
      this.flush();
      const total = this.flushed;
      const per = Math.floor(this.buf.length / S) * S;
      for (let pos = 0; pos < total; pos += per) {
        const words = Math.min(per, total - pos);
        const bytes = new Uint8Array(this.buf.buffer, 0, words * 4);
        for (let got = 0; got < bytes.length; ) {
          const r = readSync(this.fd, bytes, got, bytes.length - got, pos * 4 + got);
          if (r === 0) throw new Error(`the spill file ${this.path} ended early (removed or cut short under the run?)`);
          got += r;
        }
        each(this.buf, words / S);
      }
    } else if (this.used > 0) each(this.buf, this.used / S);
    this.used = 0;
    this.flushed = 0;
  }

  close(): void {
    closeSync(this.fd);
    rmSync(this.path, { force: true });
  }
}

/** The one-thread BFS's successors before the move to disk; candidates after it. */
class SpillSuccessors implements Successors {
  disk: DiskPhase | undefined;
  constructor(
    private readonly x: Exploration,
    public q: StateQueue | undefined,
  ) {}
  store(words: Uint32Array, off: number, hi: number, lo: number, parent: number, via: number, depth: number): number {
    const d = this.disk;
    if (d !== undefined) return d.candidate(words, off, hi, lo, parent, via);
    const id = this.x.addHashed(words, off, hi, lo, parent, via, depth);
    if (id >= 0) this.q!.push(words, off);
    return id;
  }
  probe(): void {
    throw new Error('internal: a depth bound with --spill');
  }
}

/** Sizes of the disk phase's tables (entries) and buffers (states), from the bytes the budget leaves. */
function plan(bytes: number, words: number): { recent: number; level: number; keys: number; queueStates: number } {
  // Two tables of fingerprints (8 bytes a slot, at most 3/4 full), the
  // candidate keys (12 bytes) with their sort scratch (12 more).
  const recent = Math.max(1 << 12, Math.floor(((bytes * 0.45) / 8) * 0.74));
  const level = Math.max(1 << 12, Math.floor(((bytes * 0.2) / 8) * 0.74));
  const keys = Math.max(1 << 12, Math.floor((bytes * 0.3) / 24));
  return { recent, level, keys, queueStates: queueStates(words) };
}

/** States in each of the disk queue's two buffers: about 1 MiB. */
function queueStates(words: number): number {
  return Math.max(1024, Math.min(1 << 15, Math.floor((1 << 20) / (4 * words))));
}

/** Bytes of the disk phase's fixed buffers (queue, candidate records, parent records, the readers of a merge). */
const FIXED_BYTES = 6 << 20;
/** Room left in the budget for the JavaScript heap and the C library: 3 % of it, at least 8 MiB. */
const HEADROOM_SHARE = 0.03;
function headroom(budget: number): number {
  return Math.max(1 << 23, budget * HEADROOM_SHARE);
}
/** Below this for its tables the disk phase would crawl: the search stops instead. */
const MIN_TABLE_BYTES = 1 << 22;

/** What the search keeps while its states are on disk. */
class DiskPhase {
  /** Fingerprints of recently confirmed states (cleared when full). */
  readonly recent: FingerprintSet;
  /** Fingerprints of this level's candidates (cleared when full, and at each level's end). */
  readonly level: FingerprintSet;
  private readonly recentLimit: number;
  private readonly levelLimit: number;
  /** Candidate keys: fingerprint and sequence number, 3 words each; sorted runs when full. */
  private keys: Uint32Array;
  private scratch: Uint32Array;
  private keyCount = 0;
  private readonly keyRuns: RunFile[] = [];
  private readonly cands: CandidateFile;
  /** Candidates made in this level. */
  seqs = 0;
  /** Sorted runs of the fingerprints of every state with an id. */
  readonly visited: RunFile[];
  private runNo = 0;
  /** Invariant violations found on candidates, to be given the state's id when it has one. */
  private pending: { property: number; seq: number }[] = [];
  merges = 0;
  written = 0;
  peakDisk = 0;

  constructor(
    private readonly x: Exploration,
    private readonly dir: string,
    readonly queue: DiskQueue,
    readonly parents: ParentFile,
    visited: RunFile[],
    sizes: ReturnType<typeof plan>,
    private readonly count: SpilledSet,
  ) {
    this.visited = visited;
    // Tables that never grow: each is cleared when it is full.
    this.recent = new FingerprintSet(Math.ceil(sizes.recent / 0.74) + 2);
    this.recentLimit = Math.min(sizes.recent, this.recent.growthPoint - 1);
    this.level = new FingerprintSet(Math.ceil(sizes.level / 0.74) + 2);
    this.levelLimit = Math.min(sizes.level, this.level.growthPoint - 1);
    this.keys = new Uint32Array(sizes.keys * 3);
    this.scratch = new Uint32Array(sizes.keys * 3);
    const small = x.opts.spillForTests !== undefined;
    this.cands = new CandidateFile(join(dir, 'candidates.bin'), 4 + x.m.words, small ? 16 : Math.max(1024, Math.floor((1 << 20) / (4 * (4 + x.m.words)))));
  }

  get bytes(): number {
    return this.recent.bytes + this.level.bytes + this.keys.byteLength + this.scratch.byteLength + this.cands.bytes + this.queue.bytes + this.parents.bytes;
  }

  get diskBytes(): number {
    const runs = (rs: readonly RunFile[]) => rs.reduce((a, r) => a + r.records * r.stride * 4, 0);
    return runs(this.visited) + runs(this.keyRuns) + this.cands.diskBytes + this.queue.diskBytes + this.parents.diskBytes;
  }

  private noteDisk(): void {
    const d = this.diskBytes;
    if (d > this.peakDisk) this.peakDisk = d;
  }

  /** A successor, fingerprinted: a candidate unless memory knows it. Returns -1 (no id yet). */
  candidate(words: Uint32Array, off: number, hi: number, lo: number, parent: number, via: number): number {
    if (this.recent.get(words, off, hi, lo) >= 0) return -1;
    if (this.level.size >= this.levelLimit) this.level.clear();
    if (this.level.insert(words, off, hi, lo, 0) !== -1) return -1;
    const seq = this.seqs++;
    this.cands.append(hi, lo, parent, via, words, off);
    if (this.keyCount * 3 === this.keys.length) this.spillKeys();
    const k = this.keyCount++ * 3;
    this.keys[k] = hi;
    this.keys[k + 1] = lo;
    this.keys[k + 2] = seq;
    const x = this.x;
    const n = x.checkCandidate(words, off, -1 - seq);
    for (let j = 0; j < n; j++) this.pending.push({ property: x.checks.found[j]!, seq });
    return -1;
  }

  /** The key buffer is full: sort it and write it as a run. */
  private spillKeys(): void {
    radixSort(this.keys, this.keyCount, 3, this.scratch);
    const run = writeRun(join(this.dir, `keys-${this.runNo++}.bin`), this.keys, this.keyCount, 3);
    this.written += run.records * 12;
    this.keyRuns.push(run);
    this.keyCount = 0;
    // A level's merge opens every key run at once: keep their number bounded.
    this.written += reduceRuns(this.keyRuns, () => join(this.dir, `keys-${this.runNo++}.bin`));
    this.noteDisk();
  }

  /**
   * The end of a level (or of a search stopped inside one): find which
   * candidates are new, give them ids in the order they were made, queue
   * them. `depth`: the depth of the candidates.
   */
  confirm(depth: number): void {
    const x = this.x;
    if (this.seqs === 0) return;
    this.merges++;
    // 1. Candidate keys in order of fingerprint, then sequence number.
    radixSort(this.keys, this.keyCount, 3, this.scratch);
    const parts: Cursor[] = this.keyRuns.map((r) => new FileCursor(r));
    if (this.keyCount > 0) parts.push(new ArrayCursor(this.keys, this.keyCount, 3));
    const c: Cursor = parts.length === 1 ? parts[0]! : new MergeCursor(parts);
    // 2. Merged with the visited runs: the first candidate of each fingerprint not among them is new.
    const d = this.visited.length ? openRuns(this.visited) : undefined;
    const fresh = new RunAppender(join(this.dir, `visited-${this.runNo++}.bin`), 2);
    const isNew = new Uint8Array((this.seqs + 7) >>> 3);
    while (!c.done) {
      const hi = c.hi;
      const lo = c.lo;
      const first = c.seq;
      do c.advance();
      while (!c.done && c.hi === hi && c.lo === lo);
      if (d !== undefined) {
        while (!d.done && (d.hi < hi || (d.hi === hi && d.lo < lo))) d.advance();
        if (!d.done && d.hi === hi && d.lo === lo) continue;
      }
      isNew[first >>> 3]! |= 1 << (first & 7);
      fresh.push2(hi, lo);
    }
    c.close();
    d?.close();
    for (const r of this.keyRuns) removeRun(r);
    this.keyRuns.length = 0;
    this.keyCount = 0;
    const run = fresh.close();
    this.written += run.records * 8;
    if (run.records > 0) this.visited.push(run);
    else removeRun(run);
    // 3. The candidates in the order they were made: the new ones get ids.
    const pending = new Set(this.pending.map((p) => p.seq));
    const W = x.m.words;
    const S = 4 + W;
    const onState = x.opts.onState;
    const sym = x.sym;
    let seq = 0;
    let confirmed = 0;
    this.cands.drain((chunk, records) => {
      for (let r = 0, at = 0; r < records; r++, at += S, seq++) {
        if ((isNew[seq >>> 3]! & (1 << (seq & 7))) === 0) continue;
        const id = this.count.size++;
        confirmed++;
        this.parents.push(chunk[at + 2]!, chunk[at + 3]!);
        this.queue.push(chunk, at + 4);
        if (this.recent.size >= this.recentLimit) this.recent.clear();
        this.recent.insert(chunk, at + 4, chunk[at]!, chunk[at + 1]!, 0);
        if (sym) x.unreducedDistinct += sym.orbit(chunk, at + 4);
        if (onState) onState(chunk.slice(at + 4, at + 4 + W), depth);
        if (pending.has(seq)) {
          for (const q of this.pending) if (q.seq === seq) x.violations[q.property] = { property: q.property, stateId: id, instance: -1 };
        }
      }
    });
    // A candidate that violated an invariant but whose fingerprint was already
    // known (a fingerprint collision, as rare as the collision estimate says)
    // is treated as the search in memory treats it: as the state it collides
    // with, known, so its violation was never seen; the property is open again.
    for (const p of this.pending) {
      if ((isNew[p.seq >>> 3]! & (1 << (p.seq & 7))) !== 0) continue;
      const name = x.m.properties[p.property]!.name;
      // Undoing a stop would need the rest of the expansion it cut short.
      if (x.stopReason === 'violation') {
        throw new UsageError(
          `a fingerprint collision on disk: a state that violates ${name} has the 64-bit fingerprint of a state already visited, so --spill cannot decide ${name}; check it without --spill, with --exact`,
        );
      }
      x.retract(p.property);
    }
    if (confirmed > 0 && depth > x.maxDepth) x.maxDepth = depth;
    this.pending = [];
    this.seqs = 0;
    this.level.clear();
    this.noteDisk();
    this.compact();    // The merge's read and write buffers are garbage now: let them go before the next level
    // allocates its own (V8 would collect them only once many had piled up, past the budget).
    collectGarbage(false);
  }

  /** More than a few visited runs: merge them into one, so that each level's merge reads few. */
  private compact(): void {
    if (this.visited.length <= 6) return;
    this.written += reduceRuns(this.visited, () => join(this.dir, `visited-${this.runNo++}.bin`));
    const run = mergeRuns(this.visited, join(this.dir, `visited-${this.runNo++}.bin`));
    this.written += run.records * 8;
    this.noteDisk();
    this.visited.length = 0;
    this.visited.push(run);
  }

  /** Files written by the queue and the candidates too. */
  get totalWritten(): number {
    return this.written + this.queue.written + this.cands.written + this.parents.diskBytes;
  }

  close(): void {
    this.cands.close();
    this.queue.close();
    for (const r of [...this.visited, ...this.keyRuns]) removeRun(r);
  }
}

export class SpillBfs {
  private closed = false;
  private readonly sink: SpillSuccessors;
  private readonly ex: Expander;
  private q: StateQueue | undefined;
  private disk: DiskPhase | undefined;
  private readonly dir: string;
  cur = 0;
  depth = 0;
  levelEnd = 0;
  finished = false;
  private memPeak = 0;
  private atStates: number | undefined;
  private tableBytes = 0;
  private neededBytes: number | undefined;
  private readonly nInst: number;
  /** Check memory again once this many states are stored (the next growth of an array is near). */
  private checkAt = 0;
  private expansions = 0;

  constructor(
    private readonly x: Exploration,
    parentDir: string,
    private readonly budget: number,
  ) {
    try {
      mkdirSync(parentDir, { recursive: true });
      this.dir = mkdtempSync(join(parentDir, 'clockcheck-spill-'));
    } catch (e) {
      throw new UsageError(`--spill: cannot make a folder in ${parentDir} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
    }
    this.q = new StateQueue(x.m.words);
    this.sink = new SpillSuccessors(x, this.q);
    this.ex = new Expander(x, this.sink);
    this.nInst = x.m.instances.length;
  }

  seed(): void {
    const { x } = this;
    const m = x.m;
    for (let i = 0; i < m.inits.length && !x.done; i++) {
      const s0 = m.inits[i]!.slice();
      x.canon(s0, 0);
      const id = x.add(s0, 0, NO_PARENT, i, 0);
      if (id >= 0) this.q!.push(s0, 0);
    }
    this.levelEnd = x.distinct;
  }

  private get queueSize(): number {
    return this.disk ? this.disk.queue.size : this.q!.size;
  }

  get peak(): number {
    return Math.max(this.memPeak, this.q?.peak ?? 0, this.disk?.queue.peak ?? 0);
  }

  get stats(): SpillStats {
    return {
      atStates: this.atStates,
      diskPeakBytes: this.disk?.peakDisk ?? 0,
      diskWrittenBytes: this.disk?.totalWritten ?? 0,
      merges: this.disk?.merges ?? 0,
      tableBytes: this.tableBytes,
      ...(this.neededBytes !== undefined ? { neededBytes: this.neededBytes } : {}),
    };
  }

  /** Expand states until the search is over or paused (as `Bfs.run`). */
  run(maxExpansions = Infinity, deadline = Infinity): void {
    const x = this.x;
    const ex = this.ex;
    let n = 0;
    for (;;) {
      if (this.disk !== undefined && this.cur === this.levelEnd) this.disk.confirm(this.depth + 1);
      if (this.queueSize === 0 || x.done) break;
      if (n >= maxExpansions || ((n & 1023) === 0 && deadline !== Infinity && performance.now() >= deadline)) return;
      if (this.disk === undefined && (x.distinct >= this.checkAt || (this.expansions & 4095) === 0) && this.mustMove()) {
        this.toDisk();
        continue;
      }
      if (this.cur === this.levelEnd) {
        this.depth++;
        this.levelEnd = x.distinct;
      }
      const queue = this.disk ? this.disk.queue : this.q!;
      const chunk = queue.shiftChunk();
      const off = queue.shiftOffset();
      const id = this.cur++;
      n++;
      this.expansions++;
      ex.expand(chunk, off, id, this.depth);
      if (this.disk === undefined) x.tick(queue.size, this.depth);
      else if ((this.expansions & 1023) === 0) x.budgets(queue.size, this.depth);
    }
    this.settle();
  }

  /** Stop here: candidates made so far get their ids (the counts then agree with the search in memory). */
  settle(): void {
    if (this.finished) return;
    if (this.disk !== undefined && this.disk.seqs > 0) this.disk.confirm(this.depth + 1);
    this.finished = true;
    if (this.queueSize > 0) this.x.truncated = true;
  }

  private mustMove(): boolean {
    const t = this.x.opts.spillForTests;
    if (t !== undefined) return this.x.distinct >= t.atStates;
    return this.pressure();
  }

  /**
   * Would the next growth of the visited set or the parent records take the
   * process past the budget? (Checked when one is near, and every 4096
   * states expanded for the rest: the queue, the heap.)
   */
  private pressure(): boolean {
    const x = this.x;
    const set = x.set as FingerprintSet;
    const ahead = x.distinct + this.nInst + 1;
    let growth = 0;
    if (ahead >= set.growthPoint) growth += set.nextGrowthBytes;
    if (ahead >= x.parents.data.length) growth += Math.ceil(x.parents.data.length * 1.5) * 4;
    if (ahead >= x.via.data.length) growth += Math.ceil(x.via.data.length * 1.5) * x.via.data.BYTES_PER_ELEMENT;
    this.checkAt = Math.min(set.growthPoint, x.parents.data.length, x.via.data.length) - this.nInst - 1;
    if (growth > 0) this.checkAt = x.distinct + 1;
    return process.memoryUsage.rss() + growth + (1 << 22) > this.budget;
  }

  /** Move the visited set, the parent records and the queue to disk, between two expansions. */
  private toDisk(): void {
    const x = this.x;
    this.atStates = x.distinct;
    const moved = this.moveOut();
    // The arrays just written out are garbage now: let them go before the tables are made.
    collectGarbage();
    // What the budget leaves, past the fixed buffers and some room for the heap, is for the tables.
    const rss = process.memoryUsage.rss();
    const left = this.budget - rss - FIXED_BYTES - headroom(this.budget);
    if (left < MIN_TABLE_BYTES && x.opts.spillForTests === undefined) {
      // Not even a few MiB: the budget is below what the process needs to run at all.
      x.stop('memory');
      this.tableBytes = Math.max(0, Math.floor(left));
      const base = rss + FIXED_BYTES + MIN_TABLE_BYTES;
      this.neededBytes = Math.ceil(Math.max(base + headroom(0), base / (1 - HEADROOM_SHARE)));
    } else this.tableBytes = Math.floor(left);
    const t = x.opts.spillForTests;
    const sizes = t ? { ...t, queueStates: 64 } : plan(this.tableBytes, x.m.words);
    this.disk = new DiskPhase(x, this.dir, moved.queue, moved.parents, moved.visited, sizes, moved.count);
    this.disk.written += moved.written;
    this.sink.disk = this.disk;
  }

  /** Write the parent records, the visited set and the queue to files; nothing of them is left in memory. */
  private moveOut(): { parents: ParentFile; visited: RunFile[]; queue: DiskQueue; count: SpilledSet; written: number } {
    const x = this.x;
    const n = x.distinct;
    // Parent records, in id order; the arrays are let go.
    const parents = new ParentFile(this.dir, x.opts.spillForTests ? 8 : undefined);
    parents.pushAll(x.parents.data, x.via.data, n);
    x.parents.release();
    x.via.release();
    x.parentFile = parents;
    // The visited set, in sorted runs of a million fingerprints at most, then one run.
    const set = x.set as FingerprintSet;
    const count = new SpilledSet(n, () => (this.disk ? this.disk.bytes : 0));
    x.set = count;
    const piece = 1 << 20;
    const sorted = new Uint32Array(piece * 2);
    const scratch = new Uint32Array(piece * 2);
    const pieces: RunFile[] = [];
    let k = 0;
    for (const part of set.entries(piece)) {
      sorted.set(part);
      radixSort(sorted, part.length / 2, 2, scratch);
      pieces.push(writeRun(join(this.dir, `switch-${k++}.bin`), sorted, part.length / 2, 2));
    }
    let written = pieces.reduce((a, r) => a + r.records * 8, 0);
    let visited: RunFile[] = pieces;
    if (pieces.length > 1) {
      written += reduceRuns(pieces, () => join(this.dir, `switch-${k++}.bin`));
      visited = [mergeRuns(pieces, join(this.dir, 'visited-start.bin'))];
      written += visited[0]!.records * 8;
    }
    // The queue, in order.
    const queue = new DiskQueue(this.dir, x.m.words, x.opts.spillForTests ? 64 : queueStates(x.m.words));
    const q = this.q!;
    this.memPeak = q.peak;
    while (q.size > 0) {
      const c = q.shiftChunk();
      queue.push(c, q.shiftOffset());
    }
    this.q = undefined;
    this.sink.q = undefined;
    return { parents, visited, queue, count, written };
  }

  /** Remove the spill folder and everything in it. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.disk?.close();
    if (this.disk) this.disk.parents.close();
    rmSync(this.dir, { recursive: true, force: true });
  }
}
