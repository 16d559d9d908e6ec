// `simulate --workers N`: the runs dealt to N worker threads in blocks, each
// worker walking its runs in order. A worker that finds a failing run lowers
// a shared bound, and every worker stops once its next run is past the
// bound; so every run below the lowest failing one is walked, and the answer
// (that run, its shrunk walk) is the one a single thread gives. The main
// thread then shrinks it.

import { Worker } from 'node:worker_threads';
import { fileURLToPath } from 'node:url';
import { bundledScript } from '../runtime/workerBundle.js';
import { rebuildError } from '../parallel/parallelCommon.js';
import type { ModelSource } from '../parallel/parallelProtocol.js';
import { UsageError } from '../errors.js';
import type { CompiledModel } from '../model.js';
import { checkOptions, finish, runRange, simulate, type SearchOutcome, type SimulationOptions, type SimulationResult } from './simulate.js';
import type { FromSimWorker, SimWorkerSetup } from './simWorker.js';
import { Walker } from './walk.js';

/** Runs dealt at once: small, so that little is walked past the first failing run. */
const BLOCK = 8;

export async function simulateParallel(m: CompiledModel, source: ModelSource, o: SimulationOptions & { readonly workers: number }): Promise<SimulationResult> {
  const N = o.workers;
  if (!Number.isInteger(N) || N < 1) throw new UsageError(`simulation needs 1 or more workers, got ${N}`);
  if (N === 1) return simulate(m, o);
  checkOptions(o);
  const started = performance.now();
  const { from, to } = runRange(o);
  const bound = new SharedArrayBuffer(4);
  new Int32Array(bound)[0] = to;
  const script =
    (await bundledScript(fileURLToPath(new URL('./simWorker.ts', import.meta.url)), 'startSimulationWorker', source.module)) ??
    new URL('./sim-worker-entry.js', import.meta.url);
  const spec = { seed: o.seed, depth: o.depth, swarm: o.swarm };
  const latest = Array.from({ length: N }, () => ({ runs: 0, steps: 0 }));
  const done: (Extract<FromSimWorker, { t: 'done' }> | undefined)[] = latest.map(() => undefined);
  const workers: Worker[] = [];
  let timer: ReturnType<typeof setInterval> | undefined;
  try {
    await new Promise<void>((resolve, reject) => {
      let finished = 0;
      for (let w = 0; w < N; w++) {
        const setup: SimWorkerSetup = {
          source,
          params: m.params,
          properties: m.properties.map((p) => p.name),
          words: m.words,
          instances: m.instances.length,
          spec,
          from,
          to,
          index: w,
          workers: N,
          block: BLOCK,
          bound,
          ...(o.maxSeconds !== undefined ? { msLeft: Math.max(0, o.maxSeconds * 1000 - (performance.now() - started)) } : {}),
        };
        const worker = new Worker(script, { workerData: setup });
        workers.push(worker);
        worker.on('message', (msg: FromSimWorker) => {
          if (msg.t === 'error') return reject(rebuildError(msg.name, msg.message));
          if (msg.t === 'progress') {
            latest[w] = { runs: msg.runs, steps: msg.steps };
            return;
          }
          done[w] = msg;
          if (++finished === N) resolve();
        });
        worker.on('error', reject);
        worker.on('exit', (code) => {
          if (code !== 0 && !done[w]) reject(new Error(`simulation worker exited with code ${code}`));
        });
      }
      if (o.onProgress) {
        const report = o.onProgress;
        timer = setInterval(() => {
          const runs = latest.reduce((a, x) => a + x.runs, 0);
          const steps = latest.reduce((a, x) => a + x.steps, 0);
          report({ runs, steps, seconds: (performance.now() - started) / 1000 });
        }, o.progressIntervalMs ?? 1000);
      }
    });
  } finally {
    if (timer) clearInterval(timer);
    await Promise.all(workers.map((w) => w.terminate()));
  }
  const foundAt = performance.now();
  const answers = done.map((d) => d!);
  let failing: SearchOutcome['failing'];
  for (const a of answers) if (a.search.failing && (!failing || a.search.failing.run < failing.run)) failing = a.search.failing;
  const search: SearchOutcome = {
    ...(failing ? { failing } : {}),
    runsDone: answers.reduce((s, a) => s + a.search.runsDone, 0),
    timeUp: answers.some((a) => a.search.timeUp),
  };
  const coverage = new Float64Array(m.instances.length);
  for (const a of answers) a.coverage.forEach((c, i) => (coverage[i]! += c));
  return finish(m, o, new Walker(m), {
    from,
    to,
    started,
    foundAt,
    search,
    coverage,
    steps: answers.reduce((s, a) => s + a.steps, 0),
    workers: N,
  });
}
