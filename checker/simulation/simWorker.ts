// A worker thread of `simulate --workers`: it walks its share of the runs
// (see parallelSimulate.ts) and reports the first one that failed.

import { parentPort, workerData } from 'node:worker_threads';
import { compileModel, selectProperties } from '../model.js';
import { loadModelDefinition, type ModelSource } from '../parallel/parallelProtocol.js';
import { searchRuns, type SearchOutcome, type SimulationSpec } from './simulate.js';
import { Walker } from './walk.js';

export interface SimWorkerSetup {
  readonly source: ModelSource;
  readonly params: Readonly<Record<string, number>>;
  readonly properties: readonly string[];
  readonly words: number;
  readonly instances: number;
  readonly spec: SimulationSpec;
  readonly from: number;
  readonly to: number;
  readonly index: number;
  readonly workers: number;
  /** Runs are dealt to the workers in blocks of this many. */
  readonly block: number;
  /** Int32 [0]: the lowest-numbered failing run any worker has found (`to` while none). */
  readonly bound: SharedArrayBuffer;
  /** Milliseconds the search may still take, from this worker's start. */
  readonly msLeft?: number;
}

export type FromSimWorker =
  | { readonly t: 'progress'; readonly runs: number; readonly steps: number }
  | {
      readonly t: 'done';
      readonly search: SearchOutcome;
      readonly steps: number;
      readonly coverage: number[];
    }
  | { readonly t: 'error'; readonly name: string; readonly message: string };

/** Lower the shared bound to `run` unless it is lower already. */
export function lowerBound(bound: Int32Array, run: number): void {
  for (;;) {
    const cur = Atomics.load(bound, 0);
    if (run >= cur || Atomics.compareExchange(bound, 0, cur, run) === cur) return;
  }
}

/** Does worker `index` of `workers` walk run `run` (runs from `from` on, dealt in blocks)? */
export function ownsRun(run: number, from: number, block: number, workers: number, index: number): boolean {
  return Math.floor((run - from) / block) % workers === index;
}

async function main(preloaded: Record<string, unknown> | undefined): Promise<void> {
  const setup = workerData as SimWorkerSetup;
  const port = parentPort!;
  const def = await loadModelDefinition(setup.source, preloaded);
  const m = selectProperties(compileModel(def, setup.params), setup.properties);
  if (m.words !== setup.words || m.instances.length !== setup.instances) {
    throw new Error(`simulation worker ${setup.index} built a different model (${m.words} words, ${m.instances.length} actions) than the main thread`);
  }
  const bound = new Int32Array(setup.bound);
  const walker = new Walker(m);
  let last = performance.now();
  const search = searchRuns(walker, setup.spec, setup.from, setup.to, {
    owns: (r) => ownsRun(r, setup.from, setup.block, setup.workers, setup.index),
    bound: () => Atomics.load(bound, 0),
    found: (r) => lowerBound(bound, r),
    ...(setup.msLeft !== undefined ? { deadline: performance.now() + setup.msLeft } : {}),
    onProgress: (runs, steps) => {
      const now = performance.now();
      if (now - last < 250) return;
      last = now;
      port.postMessage({ t: 'progress', runs, steps } satisfies FromSimWorker);
    },
  });
  port.postMessage({ t: 'done', search, steps: walker.steps, coverage: Array.from(walker.coverage) } satisfies FromSimWorker);
}

/** `model` is given when the worker was bundled with the model's module (runtime/workerBundle.ts). */
export function startSimulationWorker(model?: Record<string, unknown>): void {
  main(model).catch((e: unknown) => {
    parentPort!.postMessage({ t: 'error', name: (e as Error).name ?? 'Error', message: (e as Error).message ?? String(e) } satisfies FromSimWorker);
  });
}
