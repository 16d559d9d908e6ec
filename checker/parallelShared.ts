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
import { assembleResult } from './check.js';
import { bundledScript } from './workerBundle.js';
import { NO_PARENT, type Violation } from './explore.js';
import type { CompiledModel } from './model.js';
import { WorkerChannel, type ParallelOptions } from './parallel.js';
import type { FromWorker, FrontierChunk, ModelSource, SharedWorkerSetup, ToSharedWorker, WorkerSummary } from './parallelProtocol.js';
import type { CheckResult, StopReason } from './result.js';
import { rehash, SHARED_MAX_LOAD, sharedTable } from './sharedset.js';
import { fileURLToPath } from 'node:url';

/** Load the table may reach by the end of a level, by the estimate. */
const PLANNED_LOAD = 0.7;
/** Load just after the table grows. */
const GROWN_LOAD = 0.4;

export async function checkParallelShared(m: CompiledModel, source: ModelSource, opts: ParallelOptions): Promise<CheckResult> {
  const N = opts.workers;
  const started = performance.now();
  let failed: Error | undefined;
  const channels: WorkerChannel[] = [];
  const onError = (e: Error) => {
    if (failed) return;
    failed = e;
    for (const c of channels) c.rejectWaiting?.(e);
  };
  const script =
    (await bundledScript(fileURLToPath(new URL('./sharedWorker.ts', import.meta.url)), 'startSharedWorker', source.module)) ??
    new URL('./worker-shared-entry.js', import.meta.url);
  let capacity = opts.growAhead === false ? 256 : 1 << 16;
  let table = sharedTable(capacity);
  const control = new SharedArrayBuffer(4);
  const cursor = new Int32Array(control);
  for (let w = 0; w < N; w++) {
    const setup: SharedWorkerSetup = {
      source,
      params: m.params,
      properties: m.properties.map((p) => p.name),
      index: w,
      workers: N,
      words: m.words,
      instances: m.instances.length,
      symmetry: opts.symmetry === true,
      ...(opts.maxStates !== undefined ? { maxStates: Math.ceil(opts.maxStates / N) } : {}),
      ...(opts.maxSeconds !== undefined ? { maxSeconds: opts.maxSeconds } : {}),
      ...(opts.maxMemoryBytes !== undefined ? { maxMemoryBytes: opts.maxMemoryBytes } : {}),
      table,
      control,
    };
    channels.push(new WorkerChannel(new Worker(script, { workerData: setup }), onError));
  }
  const send = (msg: ToSharedWorker) => {
    for (const c of channels) c.worker.postMessage(msg);
  };
  const all = <T extends FromWorker['t']>(type: T) => Promise.all(channels.map((c) => c.next(type)));
  let progressTimer: ReturnType<typeof setInterval> | undefined;
  let depth = 0;
  try {
    await all('ready');
    if (opts.onProgress) {
      progressTimer = setInterval(() => {
        const seconds = (performance.now() - started) / 1000;
        const distinct = channels.reduce((a, c) => a + c.latest.distinct, 0);
        opts.onProgress!({
          distinct,
          transitions: channels.reduce((a, c) => a + c.latest.transitions, 0),
          queue: 0,
          depth,
          seconds,
          statesPerSecond: seconds > 0 ? distinct / seconds : 0,
        });
      }, opts.progressIntervalMs ?? 1000);
    }
    const violations: (Violation | undefined)[] = m.properties.map(() => undefined);
    let stopReason: StopReason | undefined;
    let truncated = false;
    let distinct = 0;
    let frontier: FrontierChunk[] = [];
    let frontierPeak = 0;
    const merge = (summaries: WorkerSummary[]) => {
      // Violations found in one level have traces of equal length; the lowest worker's is kept.
      for (const s of summaries) {
        s.violations.forEach((v, p) => {
          if (v && !violations[p]) violations[p] = v;
        });
        if (s.stopReason && s.stopReason !== 'violation') stopReason ??= s.stopReason;
        if (s.truncated) truncated = true;
        frontier.push(...(s.chunks ?? []));
      }
      distinct = summaries.reduce((a, s) => a + s.distinct, 0);
      const found = violations.filter(Boolean).length;
      if (found > 0 && (!opts.continueAfterViolation || found === violations.length)) stopReason ??= 'violation';
      if (opts.maxStates !== undefined && distinct >= opts.maxStates) stopReason ??= 'states';
      if (opts.maxSeconds !== undefined && performance.now() - started > opts.maxSeconds * 1000) stopReason ??= 'time';
    };
    /** Grow the table to hold `states` at GROWN_LOAD; false if the memory budget forbids it. */
    const grow = (states: number): boolean => {
      const cap = Math.ceil(states / GROWN_LOAD);
      if (opts.maxMemoryBytes !== undefined && process.memoryUsage.rss() + cap * 8 > opts.maxMemoryBytes) {
        stopReason ??= 'memory';
        truncated = true;
        return false;
      }
      table = rehash(table, cap);
      capacity = cap;
      return true;
    };
    const quota = () => Math.max(0, Math.floor((SHARED_MAX_LOAD * capacity - distinct) / N));
    send({ t: 'init', quota: quota() });
    merge((await all('level')).map((r) => r.summary));
    let lastFrontier = 1;
    let lastNew = distinct;
    for (;;) {
      const level = frontier;
      const count = level.reduce((a, c) => a + c.count, 0);
      if (count === 0) break;
      if (stopReason) {
        truncated = true;
        break;
      }
      if (count > frontierPeak) frontierPeak = count;
      const probe = opts.maxDepth !== undefined && depth >= opts.maxDepth;
      // New states per expanded state in the level before, with room to spare.
      const estimate = Math.ceil(count * Math.max(1, (2 * lastNew) / lastFrontier));
      if (!probe && opts.growAhead !== false && distinct + estimate > PLANNED_LOAD * capacity && !grow(distinct + estimate)) break;
      frontier = [];
      Atomics.store(cursor, 0, 0);
      send({ t: 'level', depth, probe, frontier: level, table, quota: quota() });
      const before = distinct;
      const answers = (await all('level')).map((r) => r.summary);
      merge(answers);
      const aside = answers.reduce((a, s) => a + (s.overflow ?? 0), 0);
      if (aside > 0) {
        if (!grow(distinct + aside + estimate)) break;
        send({ t: 'settle', depth, table });
        merge((await all('level')).map((r) => r.summary));
      }
      if (probe) {
        // Stored nothing: `truncated` says whether anything new lay beyond the bound.
        break;
      }
      lastFrontier = count;
      lastNew = distinct - before;
      depth++;
    }
    send({ t: 'finish' });
    const records = await all('records');
    merge(records.map((r) => r.summary));
    const parents = records.map((r) => new Uint32Array(r.parents, 0, r.length));
    const via = records.map((r) => (r.viaBytes === 2 ? new Uint16Array(r.via, 0, r.length) : new Uint32Array(r.via, 0, r.length)));
    const coverage = new Float64Array(m.instances.length);
    for (const r of records) r.coverage.forEach((n, i) => (coverage[i]! += n));
    const finals = records.map((r) => r.summary);
    return assembleResult(m, {
      strategy: 'bfs',
      exact: false,
      symmetry: opts.symmetry === true,
      truncated,
      stopReason,
      violations,
      pathTo(id) {
        const actions: number[] = [];
        let g = id;
        for (;;) {
          const w = g % N;
          const local = (g - w) / N;
          const p = parents[w]![local]!;
          if (p === NO_PARENT) {
            actions.reverse();
            return { init: via[w]![local]!, actions };
          }
          actions.push(via[w]![local]!);
          g = p;
        }
      },
      coverage,
      distinct: finals.reduce((a, s) => a + s.distinct, 0),
      transitions: finals.reduce((a, s) => a + s.transitions, 0),
      ...(opts.symmetry
        ? {
            unreduced: {
              distinct: finals.reduce((a, s) => a + s.unreducedDistinct, 0),
              transitions: finals.reduce((a, s) => a + s.unreducedTransitions, 0),
            },
          }
        : {}),
      depth: Math.max(...finals.map((s) => s.depth)),
      seconds: (performance.now() - started) / 1000,
      visitedBytes: table.byteLength,
      parentBytes: records.reduce((a, r) => a + r.parentBytes, 0),
      frontierPeak,
      workers: N,
    });
  } catch (e) {
    throw failed ?? e;
  } finally {
    if (progressTimer) clearInterval(progressTimer);
    await Promise.all(channels.map((c) => c.worker.terminate()));
  }
}
