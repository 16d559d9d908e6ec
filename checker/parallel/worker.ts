// One worker of the partitioned parallel search (see parallel.ts).
//
// The worker owns the states whose fingerprint maps to its index: it alone
// stores them, checks invariants on them and expands them. Successors owned
// by another worker go straight to it in batches over a MessageChannel while
// the level is being expanded, and the worker absorbs the batches it receives
// as it goes. A level ends when every peer has sent its last batch of it; the
// main thread then starts the next, so BFS levels stay intact and
// counterexamples stay shortest.

import { receiveMessageOnPort, workerData } from 'node:worker_threads';
import { fingerprint, lastLo } from '../state/hash.js';
import { NO_PARENT } from '../search/explore.js';
import { StateQueue } from '../store/queue.js';
import { Expander, type Successors } from '../search/expand.js';
import type { Exploration } from '../search/explore.js';
import type { Chunk, ToWorker, WorkerSetup, WorkerSummary } from './parallelProtocol.js';
import { onMessages, post, postRecords, runWorker, summaryOf, workerExploration } from './workerCommon.js';

type Store = (words: Uint32Array, off: number, hi: number, lo: number, parent: number, via: number, depth: number) => number;

/** The partitioned engine's successors: stored if this worker owns them, else sent to their owner. */
class PartitionedSuccessors implements Successors {
  constructor(
    /** Send the successor to its owner; false if this worker owns it. */
    private readonly route: (succ: Uint32Array, off: number, hi: number, lo: number, parent: number, via: number) => boolean,
    private readonly own: Store,
    private readonly x: Exploration,
  ) {}
  store(words: Uint32Array, off: number, hi: number, lo: number, parent: number, via: number, depth: number): number {
    if (this.route(words, off, hi, lo, parent, via)) return -1;
    return this.own(words, off, hi, lo, parent, via, depth);
  }
  probe(words: Uint32Array, off: number, hi: number, lo: number, parent: number, via: number): void {
    if (this.route(words, off, hi, lo, parent, via)) return;
    if (this.x.set.get(words, off, hi, lo) < 0) this.x.truncated = true;
  }
}

/** Words per outbox batch: big enough to amortise a message, small enough to keep owners busy. */
const BATCH_ENTRIES = 16384;

async function main(preloaded: Record<string, unknown> | undefined): Promise<void> {
  const setup = workerData as WorkerSetup;
  const { index: self, workers: N } = setup;
  const { m, x } = await workerExploration(setup, preloaded, { exact: setup.exact });
  const W = m.words;
  const ENTRY = W + 4; // state words, then hi, lo, parent id, action
  const q = new StateQueue(W);
  const peers = setup.peers;
  const signal = new Int32Array(setup.signal);
  let cur = 0; // local id of the next state to leave the queue
  let pending = 0; // states queued for the next level
  let frontierPeak = 0;

  const summary = (): WorkerSummary => summaryOf(x, pending);
  // lo >>> 16 is a small integer, so the modulo stays an integer operation.
  const owner = (lo: number) => (lo >>> 16) % N;
  // Most successors are states seen before; a direct-mapped cache of the
  // fingerprints already sent to other workers keeps most duplicates off the
  // wire. A hit means "sent before", so the owner has it or is getting it.
  // Hi and lo side by side: one cache line per lookup.
  const SENT_BITS = 15;
  const sent = new Uint32Array(2 << SENT_BITS);
  const sentMask = (1 << SENT_BITS) - 1;

  const addOwned = (words: Uint32Array, off: number, hi: number, lo: number, parent: number, via: number, depth: number): number => {
    const id = x.addHashed(words, off, hi, lo, parent, via, depth);
    if (id >= 0) {
      q.push(words, off);
      pending++;
      if (q.size > frontierPeak) frontierPeak = q.size;
    }
    return id;
  };

  // Batches travel: a worker fills one per owner, posts it when full, and
  // reuses the buffers it receives as its next batches. Fresh buffers cost
  // page faults, and page faults of threads of one process contend.
  const pool: ArrayBuffer[] = [];
  const batchBytes = BATCH_ENTRIES * ENTRY * 4;
  const outs: Uint32Array[] = Array.from({ length: N }, () => new Uint32Array(0));
  const outLen = new Int32Array(N);
  const fresh = (o: number) => {
    const b = pool.pop();
    outs[o] = b && b.byteLength >= batchBytes ? new Uint32Array(b) : new Uint32Array(batchBytes / 4);
    outLen[o] = 0;
  };
  const send = (o: number, last: boolean) => {
    const buf = outs[o]!.buffer as ArrayBuffer;
    const chunk: Chunk = { buf, length: outLen[o]!, last };
    peers[o]!.postMessage(chunk, [buf]);
    Atomics.add(signal, o, 1);
    Atomics.notify(signal, o);
    fresh(o);
  };
  for (let o = 0; o < N; o++) if (o !== self) fresh(o);

  let waitingFor = 0; // peers whose last batch of this level has not arrived
  const absorbChunk = (c: Chunk, depth: number, probe: boolean) => {
    if (c.last) waitingFor--;
    const d = new Uint32Array(c.buf, 0, c.length);
    for (let o = 0; o < c.length; o += ENTRY) {
      if (x.done) {
        x.truncated = true;
        break;
      }
      const hi = d[o + W]!;
      const lo = d[o + W + 1]!;
      if (probe) {
        if (x.set.get(d, o, hi, lo) < 0) x.truncated = true;
      } else addOwned(d, o, hi, lo, d[o + W + 2]!, d[o + W + 3]!, depth + 1);
    }
    pool.push(c.buf);
  };
  /** Absorb every batch that has arrived; true if there was one. */
  const drain = (depth: number, probe: boolean): boolean => {
    let got = false;
    for (let o = 0; o < N; o++) {
      if (o === self) continue;
      for (let r = receiveMessageOnPort(peers[o]!); r; r = receiveMessageOnPort(peers[o]!)) {
        absorbChunk(r.message as Chunk, depth, probe);
        got = true;
      }
    }
    return got;
  };

  // Successors are stored here when this worker owns them, else sent to
  // their owner (who stores or probes them when it absorbs the batch).
  const route = (succ: Uint32Array, off: number, hi: number, lo: number, parent: number, via: number): boolean => {
    const o = owner(lo);
    if (o === self) return false;
    const slot = 2 * (hi & sentMask);
    if (sent[slot + 1] === lo && sent[slot] === hi) return true;
    sent[slot] = hi;
    sent[slot + 1] = lo;
    const d = outs[o]!;
    let at = outLen[o]!;
    for (let w = 0; w < W; w++) d[at++] = succ[off + w]!;
    d[at++] = hi;
    d[at++] = lo;
    d[at++] = parent;
    d[at++] = via;
    outLen[o] = at;
    if (at + ENTRY > d.length) send(o, false);
    return true;
  };
  const ex = new Expander(x, new PartitionedSuccessors(route, addOwned, x));

  /**
   * Expand this worker's share of level `depth`, sending successors owned by
   * others as they are found and absorbing theirs meanwhile; return when
   * every peer has sent its last batch of the level.
   */
  const runLevel = (depth: number, probe: boolean): void => {
    const level = pending;
    pending = 0;
    waitingFor = N - 1;
    for (let k = 0; k < level; k++) {
      if (x.done) {
        x.truncated = true;
        break;
      }
      const chunk = q.shiftChunk();
      const off = q.shiftOffset();
      const gid = cur++ * N + self;
      if (probe) ex.probe(chunk, off, gid);
      else ex.expand(chunk, off, gid, depth);
      if ((k & 255) === 255) drain(depth, probe);
      x.tick(q.size, depth);
    }
    for (let o = 0; o < N; o++) if (o !== self) send(o, true);
    while (waitingFor > 0) {
      const seen = Atomics.load(signal, self);
      if (!drain(depth, probe) && waitingFor > 0) Atomics.wait(signal, self, seen, 100);
    }
    x.tick(q.size, depth);
  };

  onMessages((msg: ToWorker) => {
    switch (msg.t) {
      case 'init': {
        m.inits.forEach((init, i) => {
          const s = init.slice();
          x.canon(s, 0);
          const hi = fingerprint(s, 0, W);
          const lo = lastLo[0]!;
          if (owner(lo) === self) addOwned(s, 0, hi, lo, NO_PARENT, i, 0);
        });
        post({ t: 'level', summary: summary() });
        break;
      }
      case 'level':
        runLevel(msg.depth, msg.probe);
        post({ t: 'level', summary: summary() });
        break;
      case 'finish':
        postRecords(x, summary(), x.set.bytes, frontierPeak);
        break;
    }
  });
}

/**
 * Run this thread as a search worker. `preloaded` is the model's module when
 * the worker was bundled with it (workerBundle.ts); otherwise it is imported.
 */
export function startWorker(preloaded?: Record<string, unknown>): void {
  runWorker(() => main(preloaded));
}
