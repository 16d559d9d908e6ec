// Parallel breadth-first search on worker_threads.
//
// Two engines. By default the workers share one fingerprint table
// (parallelShared.ts): nothing is sent between them. With --exact, a table of
// whole states cannot be shared that way, and the partitioned engine below
// runs (CLOCKCHECK_PARALLEL=partitioned selects it for fingerprints too, to
// compare the two).
//
// Partitioned: states are partitioned by fingerprint: worker w owns the states whose
// fingerprint maps to w, and keeps them in a visited set of its own (no
// shared table, no locks). The main thread starts one BFS level at a time.
// In a level every worker expands its share: it counts transitions, checks
// step properties and deadlocks, stores the successors it owns (checking
// invariants) and sends the others in batches straight to their owners over a
// MessageChannel, absorbing the batches it receives as it goes; the level ends
// when every worker has had every other's last batch.
// Because a level is finished before the next starts, the distinct states,
// transitions and verdicts are those of one-thread BFS, and a counterexample
// found at level d is as short as the one-thread one. State ids are global
// (local id * workers + worker), so the main thread rebuilds traces from the
// workers' parent records.

import { MessageChannel, Worker, type MessagePort } from 'node:worker_threads';
import { assembleResult } from './check.js';
import { bundledWorker } from './workerBundle.js';
import { checkParallelShared } from './parallelShared.js';
import { ModelError, UsageError } from './errors.js';
import { NO_PARENT, type Violation } from './explore.js';
import type { CompiledModel } from './model.js';
import type { FromWorker, ModelSource, ToWorker, WorkerSetup, WorkerSummary } from './parallelProtocol.js';
import type { CheckOptions, CheckResult, StopReason } from './result.js';

export type { ModelSource } from './parallelProtocol.js';

export interface ParallelOptions extends CheckOptions {
  /** Worker threads (2 or more; 1 runs `check` in this thread). */
  readonly workers: number;
  /**
   * For tests of the shared-table search: false starts the table at 256
   * slots and grows it only after states were kept aside, so that path runs
   * at almost every level of a small model.
   */
  readonly growAhead?: boolean;
}

export class WorkerChannel {
  private waiting: ((m: FromWorker) => void) | undefined;
  private failure: Error | undefined;
  private readonly backlog: FromWorker[] = [];
  latest = { distinct: 0, transitions: 0, queue: 0 };

  constructor(
    readonly worker: Worker,
    private readonly onError: (e: Error) => void,
  ) {
    worker.on('message', (m: FromWorker) => {
      if (m.t === 'progress') {
        this.latest = { distinct: m.distinct, transitions: m.transitions, queue: m.queue };
        return;
      }
      if (m.t === 'error') return this.fail(rebuildError(m.name, m.message));
      if (this.waiting) {
        const w = this.waiting;
        this.waiting = undefined;
        w(m);
      } else this.backlog.push(m);
    });
    worker.on('error', (e) => this.fail(e));
    worker.on('exit', (code) => {
      if (code !== 0) this.fail(new Error(`worker exited with code ${code}`));
    });
  }

  private fail(e: Error): void {
    if (this.failure) return;
    this.failure = e;
    this.onError(e);
  }

  send(msg: ToWorker, transfer: ArrayBuffer[] = []): void {
    this.worker.postMessage(msg, transfer);
  }

  next<T extends FromWorker['t']>(type: T): Promise<Extract<FromWorker, { t: T }>> {
    const check = (m: FromWorker) => {
      if (m.t !== type) throw new Error(`internal: worker answered ${m.t}, expected ${type}`);
      return m as Extract<FromWorker, { t: T }>;
    };
    const queued = this.backlog.shift();
    if (queued) return Promise.resolve(check(queued));
    return new Promise((resolve, reject) => {
      if (this.failure) return reject(this.failure);
      this.waiting = (m) => {
        try {
          resolve(check(m));
        } catch (e) {
          reject(e);
        }
      };
      this.rejectWaiting = reject;
    });
  }

  rejectWaiting: ((e: Error) => void) | undefined;
}

/** An error from a worker thread, as the class the main thread would have thrown. */
export function rebuildError(name: string, message: string): Error {
  if (name === 'ModelError') return new ModelError(message);
  if (name === 'UsageError') return new UsageError(message);
  const e = new Error(message);
  e.name = name;
  return e;
}

/**
 * Check `m` with several worker threads. Each worker builds the model again
 * from `source` with `m`'s parameters and property selection.
 */
export async function checkParallel(m: CompiledModel, source: ModelSource, opts: ParallelOptions): Promise<CheckResult> {
  const N = opts.workers;
  if (!Number.isInteger(N) || N < 2) throw new UsageError(`parallel search needs 2 or more workers, got ${N}`);
  if ((opts.strategy ?? 'bfs') !== 'bfs') throw new UsageError('parallel search is breadth-first only; use --strategy bfs or one worker');
  if (opts.symmetry && !m.symmetry) throw new UsageError(`model ${m.name} declares no symmetry`);
  if (opts.onState) throw new UsageError('onState is not available in a parallel search');
  if (!opts.exact && process.env.CLOCKCHECK_PARALLEL !== 'partitioned') return checkParallelShared(m, source, opts);
  const started = performance.now();
  let failed: Error | undefined;
  const channels: WorkerChannel[] = [];
  const onError = (e: Error) => {
    if (failed) return;
    failed = e;
    for (const c of channels) c.rejectWaiting?.(e);
  };
  const script = (await bundledWorker(source)) ?? new URL('./worker-entry.js', import.meta.url);
  // A channel between every two workers, for the successors they send each other.
  const peers: (MessagePort | undefined)[][] = Array.from({ length: N }, () => Array.from({ length: N }, () => undefined));
  for (let a = 0; a < N; a++) {
    for (let b = a + 1; b < N; b++) {
      const { port1, port2 } = new MessageChannel();
      peers[a]![b] = port1;
      peers[b]![a] = port2;
    }
  }
  const signal = new SharedArrayBuffer(4 * N);
  for (let w = 0; w < N; w++) {
    const setup: WorkerSetup = {
      source,
      params: m.params,
      properties: m.properties.map((p) => p.name),
      index: w,
      workers: N,
      words: m.words,
      instances: m.instances.length,
      exact: opts.exact === true,
      symmetry: opts.symmetry === true,
      ...(opts.maxStates !== undefined ? { maxStates: Math.ceil(opts.maxStates / N) } : {}),
      ...(opts.maxSeconds !== undefined ? { maxSeconds: opts.maxSeconds } : {}),
      ...(opts.maxMemoryBytes !== undefined ? { maxMemoryBytes: opts.maxMemoryBytes } : {}),
      peers: peers[w]!,
      signal,
    };
    const transferList = peers[w]!.filter((p): p is MessagePort => p !== undefined);
    channels.push(new WorkerChannel(new Worker(script, { workerData: setup, transferList }), onError));
  }
  const all = <T extends FromWorker['t']>(type: T) => Promise.all(channels.map((c) => c.next(type)));
  let progressTimer: ReturnType<typeof setInterval> | undefined;
  let depth = 0;
  try {
    await all('ready');
    if (opts.onProgress) {
      progressTimer = setInterval(() => {
        const now = performance.now();
        const seconds = (now - started) / 1000;
        const distinct = channels.reduce((a, c) => a + c.latest.distinct, 0);
        opts.onProgress!({
          distinct,
          transitions: channels.reduce((a, c) => a + c.latest.transitions, 0),
          queue: channels.reduce((a, c) => a + c.latest.queue, 0),
          depth,
          seconds,
          statesPerSecond: seconds > 0 ? distinct / seconds : 0,
        });
      }, opts.progressIntervalMs ?? 1000);
    }
    const violations: (Violation | undefined)[] = m.properties.map(() => undefined);
    let stopReason: StopReason | undefined;
    let truncated = false;
    const merge = (summaries: WorkerSummary[]) => {
      // Violations found in one level have traces of equal length; the lowest worker's is kept.
      for (const s of summaries) {
        s.violations.forEach((v, p) => {
          if (v && !violations[p]) violations[p] = v;
        });
        if (s.stopReason && s.stopReason !== 'violation') stopReason ??= s.stopReason;
        if (s.truncated) truncated = true;
      }
      const found = violations.filter(Boolean).length;
      if (found > 0 && (!opts.continueAfterViolation || found === violations.length)) stopReason ??= 'violation';
      if (opts.maxStates !== undefined && summaries.reduce((a, s) => a + s.distinct, 0) >= opts.maxStates) stopReason ??= 'states';
      if (opts.maxSeconds !== undefined && performance.now() - started > opts.maxSeconds * 1000) stopReason ??= 'time';
    };
    for (const c of channels) c.send({ t: 'init' });
    let level = (await all('level')).map((r) => r.summary);
    merge(level);
    for (;;) {
      const pending = level.reduce((a, s) => a + s.pending, 0);
      if (pending === 0) break;
      if (stopReason) {
        truncated = true;
        break;
      }
      const probe = opts.maxDepth !== undefined && depth >= opts.maxDepth;
      for (const c of channels) c.send({ t: 'level', depth, probe });
      level = (await all('level')).map((r) => r.summary);
      merge(level);
      if (probe) {
        // Stored nothing: `truncated` says whether anything new lay beyond the bound.
        if (level.some((s) => s.truncated)) truncated = true;
        break;
      }
      depth++;
    }
    for (const c of channels) c.send({ t: 'finish' });
    const records = await all('records');
    merge(records.map((r) => r.summary));
    const parents = records.map((r) => new Uint32Array(r.parents, 0, r.length));
    const via = records.map((r) => (r.viaBytes === 2 ? new Uint16Array(r.via, 0, r.length) : new Uint32Array(r.via, 0, r.length)));
    const coverage = new Float64Array(m.instances.length);
    for (const r of records) r.coverage.forEach((n, i) => (coverage[i]! += n));
    const finals = records.map((r) => r.summary);
    return assembleResult(m, {
      strategy: 'bfs',
      exact: opts.exact === true,
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
      visitedBytes: records.reduce((a, r) => a + r.visitedBytes, 0),
      parentBytes: records.reduce((a, r) => a + r.parentBytes, 0),
      frontierPeak: records.reduce((a, r) => a + r.frontierPeak, 0),
      workers: N,
    });
  } catch (e) {
    throw failed ?? e;
  } finally {
    if (progressTimer) clearInterval(progressTimer);
    await Promise.all(channels.map((c) => c.worker.terminate()));
  }
}
