// What a worker thread of either parallel engine does the same way: build
// the model and its exploration from the setup, summarise a level, hand its
// parent records over at the end, and report errors as messages.

import { parentPort } from 'node:worker_threads';
import { Exploration } from '../search/explore.js';
import { compileModel, selectProperties, type CompiledModel } from '../model.js';
import { loadModelDefinition, type FromWorker, type WorkerSetupBase, type WorkerSummary } from './parallelProtocol.js';
import type { StateSet } from '../store/stateset.js';

export function post(msg: FromWorker, transfer: ArrayBuffer[] = []): void {
  parentPort!.postMessage(msg, transfer);
}

function errorMessage(e: unknown): FromWorker {
  return { t: 'error', name: (e as Error).name ?? 'Error', message: (e as Error).message ?? String(e) };
}

/** The model as the main thread compiled it, and an exploration that reports global ids. */
export async function workerExploration(
  setup: WorkerSetupBase,
  preloaded: Record<string, unknown> | undefined,
  options: { readonly exact?: boolean; readonly set?: StateSet } = {},
): Promise<{ m: CompiledModel; x: Exploration }> {
  const def = await loadModelDefinition(setup.source, preloaded);
  const m = selectProperties(compileModel(def, setup.params), setup.properties);
  if (m.words !== setup.words || m.instances.length !== setup.instances) {
    throw new Error(`worker ${setup.index} built a different model (${m.words} words, ${m.instances.length} actions) than the main thread`);
  }
  const x = new Exploration(
    m,
    {
      exact: options.exact === true,
      symmetry: setup.symmetry,
      continueAfterViolation: true,
      ...(setup.maxStates !== undefined ? { maxStates: setup.maxStates } : {}),
      ...(setup.maxSeconds !== undefined ? { maxSeconds: setup.maxSeconds } : {}),
      ...(setup.maxMemoryBytes !== undefined ? { maxMemoryBytes: setup.maxMemoryBytes } : {}),
      onProgress: (p) => post({ t: 'progress', distinct: p.distinct, transitions: p.transitions, queue: p.queue }),
      progressIntervalMs: 500,
    },
    false,
    options.set,
  );
  x.idStride = setup.workers;
  x.idBase = setup.index;
  return { m, x };
}

/** The counts and verdicts every answer carries; `pending` is the engine's. */
export function summaryOf(x: Exploration, pending: number): WorkerSummary {
  return {
    distinct: x.distinct,
    transitions: x.transitions,
    unreducedDistinct: x.unreducedDistinct,
    unreducedTransitions: x.unreducedTransitions,
    depth: x.maxDepth,
    pending,
    truncated: x.truncated,
    ...(x.stopReason ? { stopReason: x.stopReason } : {}),
    violations: x.violations.map((v) => v ?? null),
  };
}

/** Hand the parent records to the main thread by transfer, not copy. */
export function postRecords(x: Exploration, summary: WorkerSummary, visitedBytes: number, frontierPeak: number): void {
  const parents = x.parents.data.buffer as ArrayBuffer;
  const via = x.via.data.buffer as ArrayBuffer;
  const length = x.parents.length;
  const viaBytes = x.via.data.BYTES_PER_ELEMENT;
  const parentBytes = x.parents.bytes + x.via.bytes;
  post({ t: 'records', parents, via, viaBytes, length, coverage: Array.from(x.coverage), visitedBytes, parentBytes, frontierPeak, summary }, [parents, via]);
}

/** Answer each message of the main thread with `handle`; an exception becomes an error message. */
export function onMessages<T>(handle: (msg: T) => void): void {
  parentPort!.on('message', (msg: T) => {
    try {
      handle(msg);
    } catch (e) {
      post(errorMessage(e));
    }
  });
  post({ t: 'ready' });
}

/** Run `main` as this thread's body; a failure to start becomes an error message. */
export function runWorker(main: () => Promise<void>): void {
  main().catch((e: unknown) => post(errorMessage(e)));
}
