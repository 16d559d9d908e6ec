// What the main thread of both parallel engines shares: the workers and
// their messages, progress, merging the workers' verdicts level by level,
// and building the result from the workers' parent records.

import type { Worker } from 'node:worker_threads';
import { assembleResult } from '../check.js';
import { ModelError, UsageError } from '../errors.js';
import { NO_PARENT, type Violation } from '../search/explore.js';
import type { CompiledModel } from '../model.js';
import type { FromWorker, ModelSource, WorkerSetupBase, WorkerSummary } from './parallelProtocol.js';
import type { CheckOptions, CheckResult, StopReason } from '../result.js';

/** An error from a worker thread, as the class the main thread would have thrown. */
export function rebuildError(name: string, message: string): Error {
  if (name === 'ModelError') return new ModelError(message);
  if (name === 'UsageError') return new UsageError(message);
  const e = new Error(message);
  e.name = name;
  return e;
}

/** One worker's messages, awaited in order; progress reports are kept aside. */
class WorkerChannel {
  private waiting: ((m: FromWorker) => void) | undefined;
  private failure: Error | undefined;
  private readonly backlog: FromWorker[] = [];
  rejectWaiting: ((e: Error) => void) | undefined;
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
}

/** The workers of one search. The first error of any worker fails every wait. */
export class WorkerPool {
  private readonly channels: WorkerChannel[] = [];
  /** The first error of a worker, which the search rethrows instead of its own. */
  failed: Error | undefined;
  private timer: ReturnType<typeof setInterval> | undefined;

  add(worker: Worker): void {
    this.channels.push(
      new WorkerChannel(worker, (e) => {
        if (this.failed) return;
        this.failed = e;
        for (const c of this.channels) c.rejectWaiting?.(e);
      }),
    );
  }

  send(msg: unknown): void {
    for (const c of this.channels) c.worker.postMessage(msg);
  }

  all<T extends FromWorker['t']>(type: T): Promise<Extract<FromWorker, { t: T }>[]> {
    return Promise.all(this.channels.map((c) => c.next(type)));
  }

  /** Report progress summed over the workers, as one-thread search does; `depth` gives the level. */
  startProgress(opts: CheckOptions, started: number, depth: () => number): void {
    const onProgress = opts.onProgress;
    if (!onProgress) return;
    this.timer = setInterval(() => {
      const seconds = (performance.now() - started) / 1000;
      const distinct = this.channels.reduce((a, c) => a + c.latest.distinct, 0);
      onProgress({
        distinct,
        transitions: this.channels.reduce((a, c) => a + c.latest.transitions, 0),
        queue: this.channels.reduce((a, c) => a + c.latest.queue, 0),
        depth: depth(),
        seconds,
        statesPerSecond: seconds > 0 ? distinct / seconds : 0,
      });
    }, opts.progressIntervalMs ?? 1000);
  }

  async close(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await Promise.all(this.channels.map((c) => c.worker.terminate()));
  }
}

/** The verdicts and stop reason of a parallel search, merged from the workers' answers. */
export class LevelOutcome {
  readonly violations: (Violation | undefined)[];
  stopReason: StopReason | undefined;
  truncated = false;
  distinct = 0;

  constructor(
    m: CompiledModel,
    private readonly opts: CheckOptions,
    private readonly started: number,
  ) {
    this.violations = m.properties.map(() => undefined);
  }

  merge(summaries: readonly WorkerSummary[]): void {
    // Violations found in one level have traces of equal length; the lowest worker's is kept.
    for (const s of summaries) {
      s.violations.forEach((v, p) => {
        if (v && !this.violations[p]) this.violations[p] = v;
      });
      if (s.stopReason && s.stopReason !== 'violation') this.stopReason ??= s.stopReason;
      if (s.truncated) this.truncated = true;
    }
    this.distinct = summaries.reduce((a, s) => a + s.distinct, 0);
    const o = this.opts;
    const found = this.violations.filter(Boolean).length;
    if (found > 0 && (!o.continueAfterViolation || found === this.violations.length)) this.stopReason ??= 'violation';
    if (o.maxStates !== undefined && this.distinct >= o.maxStates) this.stopReason ??= 'states';
    if (o.maxSeconds !== undefined && performance.now() - this.started > o.maxSeconds * 1000) this.stopReason ??= 'time';
  }
}

/**
 * Ask every worker for its records and build the result. `visitedBytes`
 * when the visited set is not the workers' own (a shared table).
 */
export async function finishParallel(
  m: CompiledModel,
  opts: CheckOptions,
  pool: WorkerPool,
  outcome: LevelOutcome,
  run: { readonly started: number; readonly workers: number; readonly visitedBytes?: number; readonly frontierPeak?: number },
): Promise<CheckResult> {
  const N = run.workers;
  pool.send({ t: 'finish' });
  const records = await pool.all('records');
  outcome.merge(records.map((r) => r.summary));
  const parents = records.map((r) => new Uint32Array(r.parents, 0, r.length));
  const via = records.map((r) => (r.viaBytes === 2 ? new Uint16Array(r.via, 0, r.length) : new Uint32Array(r.via, 0, r.length)));
  const coverage = new Float64Array(m.instances.length);
  for (const r of records) r.coverage.forEach((n, i) => (coverage[i]! += n));
  const finals = records.map((r) => r.summary);
  return assembleResult(m, {
    strategy: 'bfs',
    exact: opts.exact === true,
    symmetry: opts.symmetry === true,
    truncated: outcome.truncated,
    stopReason: outcome.stopReason,
    violations: outcome.violations,
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
    seconds: (performance.now() - run.started) / 1000,
    visitedBytes: run.visitedBytes ?? records.reduce((a, r) => a + r.visitedBytes, 0),
    parentBytes: records.reduce((a, r) => a + r.parentBytes, 0),
    frontierPeak: run.frontierPeak ?? records.reduce((a, r) => a + r.frontierPeak, 0),
    workers: N,
  });
}

/** The part of a worker's setup both engines share. */
export function workerBase(m: CompiledModel, source: ModelSource, opts: CheckOptions & { readonly workers: number }, index: number): WorkerSetupBase {
  const N = opts.workers;
  return {
    source,
    params: m.params,
    properties: m.properties.map((p) => p.name),
    index,
    workers: N,
    words: m.words,
    instances: m.instances.length,
    symmetry: opts.symmetry === true,
    ...(opts.maxStates !== undefined ? { maxStates: Math.ceil(opts.maxStates / N) } : {}),
    ...(opts.maxSeconds !== undefined ? { maxSeconds: opts.maxSeconds } : {}),
    ...(opts.maxMemoryBytes !== undefined ? { maxMemoryBytes: opts.maxMemoryBytes } : {}),
  };
}
