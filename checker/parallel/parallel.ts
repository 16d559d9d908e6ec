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
import { assertLivenessCheckable } from '../check.js';
import { bundledWorker } from '../runtime/workerBundle.js';
import { checkParallelShared } from './parallelShared.js';
import { UsageError } from '../errors.js';
import type { CompiledModel } from '../model.js';
import { finishParallel, LevelOutcome, workerBase, WorkerPool } from './parallelCommon.js';
import type { ModelSource, ToWorker, WorkerSetup } from './parallelProtocol.js';
import type { CheckOptions, CheckResult } from '../result.js';

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
  /**
   * Asked between two levels: true stops the search there (stop reason
   * `interrupted`), as a signal does on the command line.
   */
  readonly interrupted?: () => boolean;
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
  assertLivenessCheckable(m, opts, N);
  if (!opts.exact && process.env.CLOCKCHECK_PARALLEL !== 'partitioned') return checkParallelShared(m, source, opts);
  const started = performance.now();
  const pool = new WorkerPool();
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
      ...workerBase(m, source, opts, w),
      exact: opts.exact === true,
      peers: peers[w]!,
      signal,
    };
    const transferList = peers[w]!.filter((p): p is MessagePort => p !== undefined);
    pool.add(new Worker(script, { workerData: setup, transferList }));
  }
  try {
    await pool.all('ready');
    let depth = 0;
    pool.startProgress(opts, started, () => depth);
    const outcome = new LevelOutcome(m, opts, started);
    const send = (msg: ToWorker) => pool.send(msg);
    send({ t: 'init' });
    let level = (await pool.all('level')).map((r) => r.summary);
    outcome.merge(level);
    for (;;) {
      const pending = level.reduce((a, s) => a + s.pending, 0);
      if (pending === 0) break;
      if (opts.interrupted?.()) outcome.stopReason ??= 'interrupted';
      if (outcome.stopReason) {
        outcome.truncated = true;
        break;
      }
      const probe = opts.maxDepth !== undefined && depth >= opts.maxDepth;
      send({ t: 'level', depth, probe });
      level = (await pool.all('level')).map((r) => r.summary);
      outcome.merge(level);
      // A probe stored nothing: `truncated` says whether anything new lay beyond the bound.
      if (probe) break;
      depth++;
    }
    return await finishParallel(m, opts, pool, outcome, { started, workers: N });
  } catch (e) {
    throw pool.failed ?? e;
  } finally {
    await pool.close();
  }
}
