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
import type { FrontierChunk, SharedWorkerSetup, ToSharedWorker, WorkerSummary } from './parallelProtocol.js';
import { onMessages, post, postRecords, runWorker, summaryOf, workerExploration } from './workerCommon.js';

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
  const st = x.stepper;
  const nInst = m.instances.length;
  const hasStepProps = m.stepProperties.length > 0;
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

  const store = (words: Uint32Array, off: number, hi: number, lo: number, parent: number, via: number, depth: number) => {
    const id = x.addHashed(words, off, hi, lo, parent, via, depth);
    if (id >= 0) emit(words, off, id);
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

  // The expansion loop of bfs.ts and worker.ts, written out again rather than
  // shared: a callback per successor would be a megamorphic call on the hot path.
  const expand = (words: Uint32Array, off: number, gid: number, depth: number, probe: boolean) => {
    const weight = x.weight(words, off);
    let enabled = 0;
    const flags = st.guards(words, off);
    for (let i = 0; i < nInst; i++) {
      if (flags[i] === 0 || !st.stepEnabled(words, off, i)) continue;
      enabled++;
      if (!x.inConstraint()) continue;
      if (!probe) {
        x.transitions++;
        x.unreducedTransitions += weight;
        x.coverage[i]!++;
        if (hasStepProps) x.checkStep(gid, i);
      }
      const succ = st.succ;
      x.canon(succ, 0);
      const hi = fingerprint(succ, 0, W);
      const lo = lastLo[0]!;
      if (probe) {
        if (set.get(succ, 0, hi, lo) < 0) x.truncated = true;
      } else if (set.full) {
        if (set.get(succ, 0, hi, lo) < 0) keepAside(succ, 0, hi, lo, gid, i);
      } else store(succ, 0, hi, lo, gid, i, depth + 1);
    }
    if (enabled === 0) x.deadlocked(words, off, gid);
  };

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
        expand(v, k * W, (c.first + k) * N + c.worker, depth, probe);
      }
      x.checkpoint(0, depth);
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
