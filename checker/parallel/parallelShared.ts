// Parallel breadth-first search with one shared visited set.
//
// Every worker probes and fills one fingerprint table on a SharedArrayBuffer
// (sharedset.ts), and the frontier of each level is the chunks of states the
// workers stored in the level before, from which they claim units of 64
// states until none is left (sharedWorker.ts). No successor is sent from one
// worker to another, and no worker waits for another's share at a level's
// end for longer than one unit takes.
//
// The main thread sizes the table between levels: before a level it grows
// the table when the level's new states, estimated from the level before,
// could push the load past 0.7, and gives each worker a quota of new states
// that keeps the load under 0.85. New states past a worker's quota are kept
// aside and stored after the level, once the table has grown ("settle"), so
// a bad estimate costs time, never a state. Levels stay intact, so counts,
// verdicts and counterexample lengths are those of one thread.

import { Worker } from 'node:worker_threads';
import { fileURLToPath } from 'node:url';
import { bundledScript } from '../runtime/workerBundle.js';
import type { CompiledModel } from '../model.js';
import type { ParallelOptions } from './parallel.js';
import { finishParallel, LevelOutcome, workerBase, WorkerPool } from './parallelCommon.js';
import type { FrontierChunk, ModelSource, SharedWorkerSetup, ToSharedWorker, WorkerSummary } from './parallelProtocol.js';
import type { CheckResult } from '../result.js';
import { rehash, SHARED_MAX_LOAD, sharedTable } from '../store/sharedset.js';

/** Load the table may reach by the end of a level, by the estimate. */
const PLANNED_LOAD = 0.7;
/** Load just after the table grows. */
const GROWN_LOAD = 0.4;

export async function checkParallelShared(m: CompiledModel, source: ModelSource, opts: ParallelOptions): Promise<CheckResult> {
  const N = opts.workers;
  const started = performance.now();
  const pool = new WorkerPool();
  const script =
    (await bundledScript(fileURLToPath(new URL('./sharedWorker.ts', import.meta.url)), 'startSharedWorker', source.module)) ??
    new URL('./worker-shared-entry.js', import.meta.url);
  let capacity = opts.growAhead === false ? 256 : 1 << 16;
  let table = sharedTable(capacity);
  const control = new SharedArrayBuffer(4);
  const cursor = new Int32Array(control);
  for (let w = 0; w < N; w++) {
    const setup: SharedWorkerSetup = { ...workerBase(m, source, opts, w), table, control };
    pool.add(new Worker(script, { workerData: setup }));
  }
  const send = (msg: ToSharedWorker) => pool.send(msg);
  const answers = async () => (await pool.all('level')).map((r) => r.summary);
  try {
    await pool.all('ready');
    let depth = 0;
    pool.startProgress(opts, started, () => depth);
    const outcome = new LevelOutcome(m, opts, started);
    let frontier: FrontierChunk[] = [];
    let frontierPeak = 0;
    const merge = (summaries: WorkerSummary[]) => {
      outcome.merge(summaries);
      for (const s of summaries) frontier.push(...(s.chunks ?? []));
    };
    /** Grow the table to hold `states` at GROWN_LOAD; false if the memory budget forbids it. */
    const grow = (states: number): boolean => {
      const cap = Math.ceil(states / GROWN_LOAD);
      if (opts.maxMemoryBytes !== undefined && process.memoryUsage.rss() + cap * 8 > opts.maxMemoryBytes) {
        outcome.stopReason ??= 'memory';
        outcome.truncated = true;
        return false;
      }
      table = rehash(table, cap);
      capacity = cap;
      return true;
    };
    const quota = () => Math.max(0, Math.floor((SHARED_MAX_LOAD * capacity - outcome.distinct) / N));
    send({ t: 'init', quota: quota() });
    merge(await answers());
    let lastFrontier = 1;
    let lastNew = outcome.distinct;
    for (;;) {
      const level = frontier;
      const count = level.reduce((a, c) => a + c.count, 0);
      if (count === 0) break;
      if (opts.interrupted?.()) outcome.stopReason ??= 'interrupted';
      if (outcome.stopReason) {
        outcome.truncated = true;
        break;
      }
      if (count > frontierPeak) frontierPeak = count;
      const probe = opts.maxDepth !== undefined && depth >= opts.maxDepth;
      // New states per expanded state in the level before, with room to spare.
      const estimate = Math.ceil(count * Math.max(1, (2 * lastNew) / lastFrontier));
      const before = outcome.distinct;
      if (!probe && opts.growAhead !== false && before + estimate > PLANNED_LOAD * capacity && !grow(before + estimate)) break;
      frontier = [];
      Atomics.store(cursor, 0, 0);
      send({ t: 'level', depth, probe, frontier: level, table, quota: quota() });
      const done = await answers();
      merge(done);
      const aside = done.reduce((a, s) => a + (s.overflow ?? 0), 0);
      if (aside > 0) {
        if (!grow(outcome.distinct + aside + estimate)) break;
        send({ t: 'settle', depth, table });
        merge(await answers());
      }
      // A probe stored nothing: `truncated` says whether anything new lay beyond the bound.
      if (probe) break;
      lastFrontier = count;
      lastNew = outcome.distinct - before;
      depth++;
    }
    return await finishParallel(m, opts, pool, outcome, { started, workers: N, visitedBytes: table.byteLength, frontierPeak });
  } catch (e) {
    throw pool.failed ?? e;
  } finally {
    await pool.close();
  }
}
