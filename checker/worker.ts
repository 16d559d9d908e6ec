// One worker of a parallel breadth-first search (see parallel.ts).
//
// The worker owns the states whose fingerprint's low half is its index
// modulo the number of workers: it alone stores them, checks invariants on
// them and expands them. Successors owned by another worker go into an
// outbox for that worker; the main thread delivers the outboxes between the
// two phases of each level, so BFS levels stay intact and counterexamples
// stay shortest.

import { parentPort, workerData } from 'node:worker_threads';
import { fingerprint, lastLo } from './hash.js';
import { Exploration, NO_PARENT } from './explore.js';
import { compileModel, selectProperties } from './model.js';
import { StateQueue } from './queue.js';
import { loadModelDefinition, type ToWorker, type FromWorker, type WorkerSetup, type WorkerSummary } from './parallelProtocol.js';

/** Successors bound for one other worker: state words, then hi, lo, parent id, action. */
class Outbox {
  data: Uint32Array;
  length = 0;
  constructor(
    private readonly entry: number,
    reuse: ArrayBuffer | undefined,
  ) {
    this.data = reuse ? new Uint32Array(reuse) : new Uint32Array(entry * 4096);
  }
  push(state: Uint32Array, words: number, hi: number, lo: number, parent: number, via: number): void {
    if (this.length + this.entry > this.data.length) {
      const d = new Uint32Array(Math.ceil(this.data.length * 1.5) + this.entry);
      d.set(this.data.subarray(0, this.length));
      this.data = d;
    }
    const d = this.data;
    let o = this.length;
    for (let k = 0; k < words; k++) d[o++] = state[k]!;
    d[o++] = hi;
    d[o++] = lo;
    d[o++] = parent;
    d[o++] = via;
    this.length = o;
  }
}

async function main(preloaded: Record<string, unknown> | undefined): Promise<void> {
  const port = parentPort!;
  const setup = workerData as WorkerSetup;
  const { index: self, workers: N } = setup;
  const def = await loadModelDefinition(setup.source, preloaded);
  const m = selectProperties(compileModel(def, setup.params), setup.properties);
  if (m.words !== setup.words || m.instances.length !== setup.instances) {
    throw new Error(`worker ${self} built a different model (${m.words} words, ${m.instances.length} actions) than the main thread`);
  }
  const W = m.words;
  const ENTRY = W + 4;
  const x = new Exploration(
    m,
    {
      exact: setup.exact,
      symmetry: setup.symmetry,
      continueAfterViolation: true,
      ...(setup.maxStates !== undefined ? { maxStates: setup.maxStates } : {}),
      ...(setup.maxSeconds !== undefined ? { maxSeconds: setup.maxSeconds } : {}),
      ...(setup.maxMemoryBytes !== undefined ? { maxMemoryBytes: setup.maxMemoryBytes } : {}),
      onProgress: (p) => post({ t: 'progress', distinct: p.distinct, transitions: p.transitions, queue: p.queue }),
      progressIntervalMs: 500,
    },
    false,
  );
  x.idStride = N;
  x.idBase = self;
  const st = x.stepper;
  const q = new StateQueue(W);
  const nInst = m.instances.length;
  const hasStepProps = m.stepProperties.length > 0;
  let cur = 0; // local id of the next state to leave the queue
  let pending = 0; // states queued for the next level
  let frontierPeak = 0;

  const post = (msg: FromWorker, transfer: ArrayBuffer[] = []) => port.postMessage(msg, transfer);
  const summary = (): WorkerSummary => ({
    distinct: x.distinct,
    transitions: x.transitions,
    unreducedDistinct: x.unreducedDistinct,
    unreducedTransitions: x.unreducedTransitions,
    depth: x.maxDepth,
    pending,
    truncated: x.truncated,
    ...(x.stopReason ? { stopReason: x.stopReason } : {}),
    violations: x.violations.map((v) => v ?? null),
  });
  // lo >>> 16 is a small integer, so the modulo stays an integer operation.
  const owner = (lo: number) => (lo >>> 16) % N;
  // Most successors are states seen before; a direct-mapped cache of the
  // fingerprints already sent to other workers keeps most duplicates off the
  // wire. A hit means "sent before", so the owner has it or is getting it.
  // 2^18 entries (2 MiB): measured on v3 vcpus=3 against 0 and 2^16, the
  // smallest wall time and about 40 MB less peak memory than no cache.
  const SENT_BITS = 18;
  const sentHi = new Uint32Array(1 << SENT_BITS);
  const sentLo = new Uint32Array(1 << SENT_BITS);
  const sentMask = (1 << SENT_BITS) - 1;

  const addOwned = (words: Uint32Array, off: number, hi: number, lo: number, parent: number, via: number, depth: number) => {
    if (x.addHashed(words, off, hi, lo, parent, via, depth) >= 0) {
      q.push(words, off);
      pending++;
      if (q.size > frontierPeak) frontierPeak = q.size;
    }
  };

  // Outbox buffers travel: a worker hands its outboxes to their owners, and
  // reuses the buffers it was handed as its next outboxes. Fresh buffers cost
  // page faults, and page faults of threads of one process contend.
  const pool: ArrayBuffer[] = [];
  const expand = (depth: number, probe: boolean): Outbox[] => {
    pool.sort((a, b) => b.byteLength - a.byteLength);
    const outs = Array.from({ length: N }, (_, o) => new Outbox(ENTRY, o === self ? new ArrayBuffer(0) : pool.shift()));
    const level = pending;
    pending = 0;
    for (let k = 0; k < level; k++) {
      if (x.done) {
        x.truncated = true;
        break;
      }
      const chunk = q.shiftChunk();
      const off = q.shiftOffset();
      const gid = cur++ * N + self;
      const weight = x.weight(chunk, off);
      let enabled = 0;
      for (let i = 0; i < nInst; i++) {
        if (!st.fire(chunk, off, i)) continue;
        enabled++;
        if (!x.inConstraint()) continue;
        if (!probe) {
          x.transitions++;
          x.unreducedTransitions += weight;
          x.coverage[i]!++;
          if (hasStepProps) x.checkStep(gid, i);
        }
        x.canon(st.succ, 0);
        const hi = fingerprint(st.succ, 0, W);
        const lo = lastLo[0]!;
        const o = owner(lo);
        if (o !== self) {
          const slot = hi & sentMask;
          if (sentLo[slot] === lo && sentHi[slot] === hi) continue;
          sentHi[slot] = hi;
          sentLo[slot] = lo;
          outs[o]!.push(st.succ, W, hi, lo, gid, i);
        } else if (probe) {
          if (x.set.get(st.succ, 0, hi, lo) < 0) x.truncated = true;
        } else addOwned(st.succ, 0, hi, lo, gid, i, depth + 1);
      }
      if (enabled === 0) x.deadlocked(chunk, off, gid);
      x.checkpoint(q.size, depth);
    }
    return outs;
  };

  const absorb = (inbox: { buf: ArrayBuffer; length: number }[], depth: number, probe: boolean): void => {
    for (const { buf } of inbox) pool.push(buf);
    for (const { buf, length } of inbox) {
      const d = new Uint32Array(buf, 0, length);
      for (let o = 0; o < length; o += ENTRY) {
        if (x.done) {
          x.truncated = true;
          return;
        }
        const hi = d[o + W]!;
        const lo = d[o + W + 1]!;
        if (probe) {
          if (x.set.get(d, o, hi, lo) < 0) x.truncated = true;
        } else addOwned(d, o, hi, lo, d[o + W + 2]!, d[o + W + 3]!, depth + 1);
      }
      x.checkpoint(q.size, depth);
    }
  };

  port.on('message', (msg: ToWorker) => {
    try {
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
        case 'expand': {
          const outs = expand(msg.depth, msg.probe);
          const boxes = outs.map((b) => ({ buf: b.data.buffer as ArrayBuffer, length: b.length }));
          post({ t: 'expanded', boxes, summary: summary() }, boxes.map((b) => b.buf));
          break;
        }
        case 'absorb':
          absorb(msg.inbox, msg.depth, msg.probe);
          post({ t: 'level', summary: summary() });
          break;
        case 'finish': {
          const parents = x.parents.data.slice(0, x.parents.length);
          const via = Uint32Array.from(x.via.data.subarray(0, x.via.length));
          post(
            {
              t: 'records',
              parents: parents.buffer,
              via: via.buffer,
              coverage: Array.from(x.coverage),
              visitedBytes: x.set.bytes,
              parentBytes: x.parents.bytes + x.via.bytes,
              frontierPeak,
              summary: summary(),
            },
            [parents.buffer, via.buffer],
          );
          break;
        }
      }
    } catch (e) {
      post({ t: 'error', name: (e as Error).name ?? 'Error', message: (e as Error).message ?? String(e) });
    }
  });
  post({ t: 'ready' });
}

/**
 * Run this thread as a search worker. `preloaded` is the model's module when
 * the worker was bundled with it (workerBundle.ts); otherwise it is imported.
 */
export function startWorker(preloaded?: Record<string, unknown>): void {
  main(preloaded).catch((e: unknown) => {
    parentPort!.postMessage({ t: 'error', name: (e as Error).name ?? 'Error', message: (e as Error).message ?? String(e) } satisfies FromWorker);
  });
}
