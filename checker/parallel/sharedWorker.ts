// One worker of the shared-table parallel search (see parallel.ts).
//
// Every worker probes and fills one visited set on a SharedArrayBuffer
// (sharedset.ts), so no successor travels between workers. A level's
// frontier is the list of chunks of states the workers stored in the level
// before, also on SharedArrayBuffers; workers claim units of it from a
// shared cursor until none is left, so they finish a level together
// whatever its shape. A state stored by worker w as its k-th has the global
// id k * workers + w, and each worker keeps the parent records of the states
// it stored, as in the partitioned search.

import { workerData } from 'node:worker_threads';
import { fingerprint, lastLo } from '../state/hash.js';
import { NO_PARENT } from '../search/explore.js';
import { SharedFingerprintSet } from '../store/sharedset.js';
import { Expander, type Successors } from '../search/expand.js';
import type { Exploration } from '../search/explore.js';
import type { FrontierChunk, SharedWorkerSetup, ToSharedWorker, WorkerSummary } from './parallelProtocol.js';
import { onMessages, post, postRecords, runWorker, summaryOf, workerExploration } from './workerCommon.js';

type Store = (words: Uint32Array, off: number, hi: number, lo: number, parent: number, via: number, depth: number) => number;
type KeepAside = (words: Uint32Array, off: number, hi: number, lo: number, parent: number, via: number) => void;

/** The shared-table engine's successors: stored in the shared table, or kept aside once past this worker's quota. */
class SharedSuccessors implements Successors {
  constructor(
    private readonly set: SharedFingerprintSet,
    private readonly own: Store,
    private readonly aside: KeepAside,
    private readonly x: Exploration,
  ) {}
  store(words: Uint32Array, off: number, hi: number, lo: number, parent: number, via: number, depth: number): number {
    if (!this.set.full) return this.own(words, off, hi, lo, parent, via, depth);
    if (this.set.get(words, off, hi, lo) < 0) this.aside(words, off, hi, lo, parent, via);
    return -1;
  }
  probe(words: Uint32Array, off: number, hi: number, lo: number): void {
    if (this.set.get(words, off, hi, lo) < 0) this.x.truncated = true;
  }
}

/** States a worker claims from the frontier at once. */
const UNIT = 64;
/** States per chunk of a worker's output. */
const CHUNK_STATES = 16384;

async function main(preloaded: Record<string, unknown> | undefined): Promise<void> {
  const setup = workerData as SharedWorkerSetup;
  const { index: self, workers: N } = setup;
  const set = new SharedFingerprintSet(setup.table);
  const { m, x } = await workerExploration(setup, preloaded, { set });
  const W = m.words;
  const cursor = new Int32Array(setup.control);

  // This worker's output: the states it stored, in local-id order.
  let chunks: FrontierChunk[] = [];
  const empty = new Uint32Array(new SharedArrayBuffer(0));
  let out = empty;
  let outCount = 0;
  let outFirst = 0;
  const flush = () => {
    if (outCount > 0) chunks.push({ buf: out.buffer, count: outCount, worker: self, first: outFirst });
    out = empty;
    outCount = 0;
  };
  const emit = (words: Uint32Array, off: number, id: number) => {
    if (outCount === out.length / W) {
      flush();
      out = new Uint32Array(new SharedArrayBuffer(CHUNK_STATES * W * 4));
      outFirst = id;
    }
    const at = outCount++ * W;
    for (let k = 0; k < W; k++) out[at + k] = words[off + k]!;
  };

  // New states found past the quota: state words, hi, lo, parent id, action.
  const ENTRY = W + 4;
  let overflow = new Uint32Array(0);
  let overflowLen = 0;
  const keepAside = (words: Uint32Array, off: number, hi: number, lo: number, parent: number, via: number) => {
    if (overflowLen + ENTRY > overflow.length) {
      const bigger = new Uint32Array(Math.max(1024 * ENTRY, overflow.length * 2));
      bigger.set(overflow.subarray(0, overflowLen));
      overflow = bigger;
    }
    for (let k = 0; k < W; k++) overflow[overflowLen++] = words[off + k]!;
    overflow[overflowLen++] = hi;
    overflow[overflowLen++] = lo;
    overflow[overflowLen++] = parent;
    overflow[overflowLen++] = via;
  };

  const store = (words: Uint32Array, off: number, hi: number, lo: number, parent: number, via: number, depth: number): number => {
    const id = x.addHashed(words, off, hi, lo, parent, via, depth);
    if (id >= 0) emit(words, off, id);
    return id;
  };

  const summary = (): WorkerSummary => {
    flush();
    const done = chunks;
    chunks = [];
    return {
      ...summaryOf(x, done.reduce((a, c) => a + c.count, 0)),
      overflow: overflowLen / ENTRY,
      chunks: done,
    };
  };

  const ex = new Expander(x, new SharedSuccessors(set, store, keepAside, x));

  /** Expand units of `frontier` claimed from the shared cursor until none is left. */
  const runLevel = (depth: number, probe: boolean, frontier: readonly FrontierChunk[]) => {
    const starts: number[] = [];
    let units = 0;
    for (const c of frontier) {
      starts.push(units);
      units += Math.ceil(c.count / UNIT);
    }
    const views = frontier.map((c) => new Uint32Array(c.buf));
    let ci = 0;
    for (;;) {
      const u = Atomics.add(cursor, 0, 1);
      if (u >= units) break;
      while (ci + 1 < frontier.length && starts[ci + 1]! <= u) ci++;
      const c = frontier[ci]!;
      const v = views[ci]!;
      const from = (u - starts[ci]!) * UNIT;
      const to = Math.min(from + UNIT, c.count);
      for (let k = from; k < to; k++) {
        if (x.done) {
          x.truncated = true;
          return;
        }
        const gid = (c.first + k) * N + c.worker;
        if (probe) ex.probe(v, k * W, gid);
        else ex.expand(v, k * W, gid, depth);
      }
      x.tick(0, depth);
    }
  };

  onMessages((msg: ToSharedWorker) => {
    switch (msg.t) {
      case 'init':
        set.beginLevel(setup.table, msg.quota);
        if (self === 0) {
          m.inits.forEach((init, i) => {
            const s = init.slice();
            x.canon(s, 0);
            const hi = fingerprint(s, 0, W);
            store(s, 0, hi, lastLo[0]!, NO_PARENT, i, 0);
          });
        }
        post({ t: 'level', summary: summary() });
        break;
      case 'level':
        set.beginLevel(msg.table, msg.quota);
        runLevel(msg.depth, msg.probe, msg.frontier);
        post({ t: 'level', summary: summary() });
        break;
      case 'settle': {
        // The table has grown to hold every state kept aside.
        set.beginLevel(msg.table, Infinity);
        const o = overflow;
        const n = overflowLen;
        overflow = new Uint32Array(0);
        overflowLen = 0;
        for (let at = 0; at < n && !x.done; at += ENTRY) store(o, at, o[at + W]!, o[at + W + 1]!, o[at + W + 2]!, o[at + W + 3]!, msg.depth + 1);
        post({ t: 'level', summary: summary() });
        break;
      }
      case 'finish':
        // The table is the main thread's; it reports its size.
        postRecords(x, summary(), 0, 0);
        break;
    }
  });
}

/**
 * Run this thread as a worker of the shared-table search. `preloaded` is the
 * model's module when the worker was bundled with it (workerBundle.ts).
 */
export function startSharedWorker(preloaded?: Record<string, unknown>): void {
  runWorker(() => main(preloaded));
}
