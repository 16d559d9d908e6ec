// A worker thread of `compare --workers` and `sweep --workers`: it checks
// whole variants (each at its cell's parameters), one at a time, each with
// the one-thread engine, and sends back the result. Cells are independent,
// so this uses every core without touching the search.

import { parentPort } from 'node:worker_threads';
import { check, compileModel, type CheckOptions, type CheckResult } from '../../checker/index.js';
import type { NamedModel } from '../registry.js';

export interface CompareJob {
  /** Which of the comparison's checks this is; the answer names it. */
  readonly cell: number;
  readonly variant: string;
  readonly params: Readonly<Record<string, number>>;
  /** The comparison's search options without their callbacks (they cannot cross threads). */
  readonly opts: CheckOptions;
}

export type CompareAnswer =
  | { readonly t: 'result'; readonly cell: number; readonly result: CheckResult }
  | { readonly t: 'error'; readonly name: string; readonly message: string };

interface Registry {
  builtinModels(): Map<string, NamedModel>;
}

/** `registry` is given when the worker was bundled with it (checker/runtime/workerBundle.ts). */
export function startCompareWorker(registry?: Registry): void {
  const port = parentPort!;
  const models = (registry ? Promise.resolve(registry) : (import('../registry.js') as Promise<Registry>)).then((r) => r.builtinModels());
  port.on('message', (job: CompareJob) => {
    models
      .then((all) => {
        const def = all.get(job.variant)!.definition;
        const result = check(compileModel(def, job.params), job.opts);
        port.postMessage({ t: 'result', cell: job.cell, result } satisfies CompareAnswer);
      })
      .catch((e: unknown) => {
        port.postMessage({ t: 'error', name: (e as Error).name ?? 'Error', message: (e as Error).message ?? String(e) } satisfies CompareAnswer);
      });
  });
}
