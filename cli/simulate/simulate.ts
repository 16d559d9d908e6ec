// `clockcheck simulate`: random walks on fast-check (checker/simulation/),
// printed like `check`: the verdicts, how far the search went, and the
// shrunk counterexample with the fast-check seed and path that replay it.

import { simulateParallel, simulatePath, UsageError, type CompiledModel, type ModelDefinition, type SimulationResult } from '../../checker/index.js';
import { describeTrace } from '../../traces/describe.js';
import { fmtInt, fmtParams, fmtSeconds, formatTrace, table, type Style } from '../format.js';
import type { Shard } from '../options.js';
import { registryModule } from '../registry.js';
import { RESULTS_FORMAT, RESULTS_VERSION, shardRuns, type SimulationFile } from '../shards/results.js';
import { saveTraces } from '../traceCommands.js';

export const DEFAULT_RUNS = 10_000;
export const DEFAULT_DEPTH = 100;

export interface SimulateRequest {
  /** The model as the user named it (a built-in name or a path). */
  readonly ref: string;
  readonly def: ModelDefinition;
  /** Compiled, with the properties asked for. */
  readonly m: CompiledModel;
  /** Parameters as given on the command line (for the replay command). */
  readonly given: Readonly<Record<string, number>>;
  /** `--property` as given, if it was. */
  readonly properties: readonly string[] | undefined;
  readonly seed: number;
  readonly runs: number;
  readonly depth: number;
  readonly swarm: boolean;
  readonly maxSeconds: number | undefined;
  readonly workers: number;
  readonly shard: Shard | undefined;
  readonly path: string | undefined;
  readonly onProgress?: (runs: number, steps: number, seconds: number) => void;
}

export async function runSimulation(q: SimulateRequest): Promise<SimulationResult> {
  if (q.path !== undefined && q.shard) throw new UsageError('--path replays one walk; it cannot be sharded');
  const { from, to } = shardRuns(q.shard, q.runs);
  const o = {
    seed: q.seed,
    depth: q.depth,
    swarm: q.swarm,
    runs: q.runs,
    from,
    to,
    ...(q.maxSeconds !== undefined ? { maxSeconds: q.maxSeconds } : {}),
    ...(q.onProgress ? { onProgress: (p: { runs: number; steps: number; seconds: number }) => q.onProgress!(p.runs, p.steps, p.seconds) } : {}),
  };
  if (q.path !== undefined) return simulatePath(q.m, o, q.path);
  return simulateParallel(q.m, { module: registryModule, export: 'resolveModel', args: [q.ref] }, { ...o, workers: q.workers });
}

function shellWord(w: string): string {
  return /^[\w./@:=,+-]+$/.test(w) ? w : `'${w.replace(/'/g, `'\\''`)}'`;
}

/** The command that replays the shrunk walk: the same model, parameters, properties, depth and swarm, and fast-check's seed and path. */
export function replayCommand(q: SimulateRequest, path: string): string {
  return [
    'clockcheck simulate',
    shellWord(q.ref),
    ...Object.entries(q.given).map(([k, v]) => `--param ${k}=${v}`),
    ...(q.properties ? [`--property ${shellWord(q.properties.join(','))}`] : []),
    `--depth ${q.depth}`,
    ...(q.swarm ? ['--swarm'] : []),
    `--seed ${q.seed}`,
    `--path ${path}`,
  ].join(' ');
}

export function formatSimulation(q: SimulateRequest, r: SimulationResult, st: Style): string {
  const out: string[] = [];
  const runsText = r.path !== undefined ? `the walk at fast-check path ${r.path}` : `${fmtInt(r.to - r.from)} runs${r.from > 0 || r.to < r.runs ? ` (${r.from}..${r.to - 1} of ${fmtInt(r.runs)})` : ''}`;
  out.push(
    st.bold(r.model) +
      ` (${fmtParams(r.params)}) · simulation, seed ${r.seed} · ${runsText} of up to ${r.depth} steps` +
      `${r.swarm ? ' · swarm' : ''}${q.shard && q.shard.count > 1 ? ` · shard ${q.shard.index}/${q.shard.count}` : ''}${r.stats.workers > 1 ? ` · ${r.stats.workers} workers` : ''}`,
  );
  out.push('');
  out.push(
    table([
      [st.dim('property'), st.dim('kind'), st.dim('verdict'), st.dim('counterexample')],
      ...r.properties.map((p) => [
        p.name,
        p.kind,
        p.verdict === 'violated' ? st.red(st.bold('VIOLATED')) : st.yellow(p.verdict),
        p.trace ? `${p.trace.actions.length} steps` : st.dim(p.note ?? ''),
      ]),
    ]),
  );
  out.push('');
  const v = r.violation;
  if (v) {
    if (r.path === undefined) {
      out.push(`  ${v.property} violated in run ${v.run}, at step ${v.foundSteps} of its walk; the run was found after ${fmtSeconds(v.foundSeconds)}`);
      out.push(
        `  shrunk by fast-check to ${v.shrunkSteps} steps (${v.shrinks} shrinks, ${fmtSeconds(v.shrinkSeconds)}${v.shrinkInterrupted ? ', cut short by the shrinking budget' : ''}); ` +
          `cutting loops and dropping steps: ${v.steps} steps`,
      );
    } else {
      out.push(`  ${v.property} violated at step ${v.shrunkSteps} of the walk; cutting loops and dropping steps: ${v.steps} steps`);
    }
    out.push(`  fast-check: seed ${r.seed}, path "${v.path}"`);
    out.push(`  replay: ${replayCommand(q, v.path)}`);
  } else if (r.path !== undefined) {
    out.push(st.green(`  the walk at path ${r.path} violates no property`));
  } else {
    out.push(
      st.green(`  no violation found in ${fmtInt(r.runsDone)} runs of up to ${r.depth} steps`) +
        (r.stopReason === 'time' ? st.yellow(` (stopped by --max-seconds before run ${fmtInt(r.to)})`) : ''),
    );
  }
  const s = r.stats;
  if (r.path === undefined) {
    out.push(`  ${fmtInt(r.runsDone)} run${r.runsDone === 1 ? '' : 's'}, ${fmtInt(s.steps)} steps, ${fmtSeconds(s.seconds)} (${fmtInt(s.stepsPerSecond)} steps/s)`);
    out.push(st.dim('  simulation cannot show that a property holds: a property no walk violated stays unknown'));
    const fired = r.coverage.filter((c) => c.count > 0).length;
    out.push(`  coverage: ${fired} of ${r.coverage.length} actions fired`);
    if (r.neverFired.length) out.push(st.yellow(`  warning: never fired: ${r.neverFired.join(', ')}`));
  }
  for (const p of r.properties) {
    if (!p.trace) continue;
    out.push('');
    out.push(formatTrace(q.m, p, st));
  }
  return out.join('\n');
}

/** The results document (`--json`): what `merge` needs of a shard, and the traces as `check --json` gives them. */
export function simulationToJson(q: SimulateRequest, r: SimulationResult, traceFiles: readonly string[]): SimulationFile & Record<string, unknown> {
  const v = r.violation;
  return {
    format: RESULTS_FORMAT,
    version: RESULTS_VERSION,
    command: 'simulate',
    spec: {
      model: q.ref,
      params: r.params,
      properties: q.m.properties.map((p) => p.name),
      seed: r.seed,
      runs: r.runs,
      depth: r.depth,
      swarm: r.swarm,
      maxSeconds: q.maxSeconds ?? null,
    },
    shard: q.shard ?? { index: 1, count: 1 },
    from: r.from,
    to: r.to,
    ...(r.path !== undefined ? { path: r.path } : {}),
    runsDone: r.runsDone,
    steps: r.stats.steps,
    seconds: r.stats.seconds,
    stepsPerSecond: r.stats.stepsPerSecond,
    workers: r.stats.workers,
    stopReason: r.stopReason ?? null,
    violation: v
      ? {
          property: v.property,
          run: v.run,
          path: v.path,
          steps: v.steps,
          foundSteps: v.foundSteps,
          shrunkSteps: v.shrunkSteps,
          shrinks: v.shrinks,
          shrinkInterrupted: v.shrinkInterrupted,
          foundSeconds: v.foundSeconds,
          shrinkSeconds: v.shrinkSeconds,
        }
      : null,
    replay: v ? replayCommand(q, v.path) : null,
    properties: r.properties.map((p) => ({
      name: p.name,
      kind: p.kind,
      doc: p.doc,
      verdict: p.verdict,
      note: p.note ?? null,
      trace: p.trace
        ? (() => {
            const t = describeTrace(q.m, p.trace);
            return {
              length: t.length,
              steps: t.steps.map((s) => ({ index: s.index, action: s.action, changes: Object.fromEntries(s.changes), observed: s.observed, ...(s.note ? { note: s.note } : {}) })),
            };
          })()
        : null,
    })),
    coverage: r.coverage,
    neverFired: r.neverFired,
    traceFiles,
  };
}

/** Write the shrunk counterexample as a trace file (the format `check --traces` writes). */
export function saveSimulationTraces(dir: string, q: SimulateRequest, r: SimulationResult): string[] {
  return saveTraces(dir, q.ref, q.def, q.m, r);
}
