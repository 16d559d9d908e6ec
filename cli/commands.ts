// The commands: each declares its options (for parseArgs and help) and runs
// on parsed values, returning an exit code.

import { assertSpillable, checkParallel, compileModel, safetyOnly, selectProperties, UsageError, walkJudges, type CheckOptions, type CheckResult, type CompiledModel } from '../checker/index.js';
import { join } from 'node:path';
import { fmtInt, formatResult, makeStyle } from './format.js';
import { watchParent } from './longrun/respawn.js';
import { resultToJson } from './reports/json.js';
import { parseBytes, parseChoice, parseCount, parseGrid, parseParams, parseSeconds, parseSeed, parseShard, parseWorkers } from './options.js';
import { progressLine, progressPrinter } from './progress.js';
import { assertCheckpointable, longRun, settleCheckpoint, trapSignals } from './longrun/longRun.js';

/** Seconds between two checkpoints by default. */
const CHECKPOINT_EVERY = 60;
import { builtinModels, modelSourceDigest, registryModule, resolveModel } from './registry.js';
import { formatShow, runReplay, runShow, saveTraces } from './traceCommands.js';
import { readTraceFile } from '../traces/io.js';
import { checkReportPaths, reportFromCheck, reportFromCompare, reportOptionDocs, reportOptions, writeReports } from './reports/reports.js';
import { compareExitCode, compareToJson, compareToMarkdown, formatCompare, formatTable, parseArch, tableExitCode, tableRow } from './compare/compare.js';
import { parseVariants, rowsFile, runShard, runSpecs, sweepHead, tableSpecs } from './shards/sweep.js';
import { writeResults } from './shards/results.js';
import { runMerge } from './shards/merge.js';
import { DEFAULT_DEPTH, DEFAULT_RUNS, formatSimulation, runSimulation, saveSimulationTraces, simulationToJson } from './simulate/simulate.js';

type OptionSpec = {
  type: 'string' | 'boolean';
  short?: string;
  multiple?: boolean;
  /**
   * A string option that may also stand alone: alone it means '-', and the
   * next argument is its value only when it matches (`--json` alone prints
   * JSON on stdout, `--json out.json` writes the file). `--json=FILE` always works.
   */
  optionalValue?: RegExp | null;
};

/** `--json [FILE.json]`: JSON on stdout, or a results file written whole. */
const jsonOption: OptionSpec = { type: 'string', optionalValue: /\.json$/ };

/** Where `--json` sends its document: nowhere, stdout ('-'), or a file. */
function jsonTarget(v: Record<string, unknown>): string | undefined {
  return typeof v.json === 'string' ? v.json : undefined;
}

export interface Command {
  readonly synopsis: string;
  readonly summary: string;
  readonly options: Record<string, OptionSpec>;
  readonly optionDocs: Record<string, string>;
  run(values: Record<string, unknown>, positionals: string[]): Promise<number>;
}

export const searchOptions: Record<string, OptionSpec> = {
  param: { type: 'string', short: 'p', multiple: true },
  strategy: { type: 'string' },
  'max-depth': { type: 'string' },
  'max-states': { type: 'string' },
  'max-seconds': { type: 'string' },
  'max-memory': { type: 'string' },
  exact: { type: 'boolean' },
  symmetry: { type: 'boolean' },
  fairness: { type: 'string' },
  quiet: { type: 'boolean', short: 'q' },
  'no-color': { type: 'boolean' },
};

export const searchOptionDocs: Record<string, string> = {
  param: 'set a model parameter, name=value (repeatable, or comma-separated)',
  strategy: 'bfs (default: shortest counterexamples) or dfs',
  'max-depth': 'do not explore beyond this many steps (verdicts become unknown if cut)',
  'max-states': 'stop after this many distinct states',
  'max-seconds': 'stop after this much time',
  'max-memory': 'stop cleanly before the process holds more than this (e.g. 2G)',
  exact: 'store whole states instead of 64-bit fingerprints (no collisions)',
  symmetry: "symmetry reduction over the model's interchangeable elements (KVM: vCPUs 1..n-1)",
  fairness: "fairness for liveness properties: model (the model's declarations, default), none, weak or strong (every action)",
  quiet: 'no progress lines on stderr',
  'no-color': 'plain output (also when NO_COLOR is set or stdout is not a terminal)',
};

export function searchOptionsFrom(v: Record<string, unknown>, onProgress?: CheckOptions['onProgress']): CheckOptions {
  const maxDepth = parseCount('--max-depth', v['max-depth'] as string | undefined);
  const maxStates = parseCount('--max-states', v['max-states'] as string | undefined, 1);
  const maxSeconds = parseSeconds('--max-seconds', v['max-seconds'] as string | undefined);
  const maxMemoryBytes = parseBytes('--max-memory', v['max-memory'] as string | undefined);
  return {
    strategy: parseChoice('--strategy', v.strategy as string | undefined, ['bfs', 'dfs'] as const, 'bfs'),
    ...(maxDepth !== undefined ? { maxDepth } : {}),
    ...(maxStates !== undefined ? { maxStates } : {}),
    ...(maxSeconds !== undefined ? { maxSeconds } : {}),
    ...(maxMemoryBytes !== undefined ? { maxMemoryBytes } : {}),
    exact: v.exact === true,
    ...(v.symmetry === true ? { symmetry: true } : {}),
    ...(v.fairness !== undefined
      ? { fairness: parseChoice('--fairness', v.fairness as string, ['model', 'none', 'weak', 'strong'] as const, 'model') }
      : {}),
    ...(onProgress ? { onProgress } : {}),
  };
}

export function useColor(v: Record<string, unknown>): boolean {
  return v['no-color'] !== true && !process.env.NO_COLOR && process.stdout.isTTY === true;
}

/** 1 if anything is violated, else 3 if anything is unknown, else 0. */
export function exitCodeOf(results: readonly CheckResult[]): number {
  const verdicts = results.flatMap((r) => r.properties.map((p) => p.verdict));
  if (verdicts.includes('violated')) return 1;
  // Incomplete even with no property to leave unknown (`--property none`).
  if (verdicts.includes('unknown') || results.some((r) => !r.complete)) return 3;
  return 0;
}

function propertyNames(given: string[] | undefined): string[] | undefined {
  return given?.flatMap((g) => g.split(',')).map((n) => n.trim()).filter((n) => n !== '');
}

function withProperties(m: CompiledModel, given: string[] | undefined): CompiledModel {
  if (!given) return m;
  const names = propertyNames(given)!;
  if (names.includes('none')) {
    if (names.length > 1) throw new UsageError("--property none cannot be combined with property names");
    return selectProperties(m, []);
  }
  // `safety`: what any search decides alone (no liveness, no deadlock under stuttering); `liveness`: the rest.
  const safety = safetyOnly(m).properties.map((p) => p.name);
  const expanded = names.flatMap((n) =>
    n === 'safety' ? safety : n === 'liveness' ? m.properties.filter((p) => !safety.includes(p.name)).map((p) => p.name) : [n],
  );
  return selectProperties(m, [...new Set(expanded)]);
}

const checkCommand: Command = {
  synopsis: 'check <model> [--param k=v ...]',
  summary: 'explore every reachable state of a model and check its properties',
  options: {
    ...searchOptions,
    property: { type: 'string', multiple: true },
    workers: { type: 'string', short: 'w' },
    continue: { type: 'boolean' },
    json: { type: 'boolean' },
    traces: { type: 'string' },
    checkpoint: { type: 'string' },
    'checkpoint-every': { type: 'string' },
    resume: { type: 'string' },
    spill: { type: 'string' },
    ...reportOptions,
  },
  optionDocs: {
    ...searchOptionDocs,
    ...reportOptionDocs,
    checkpoint: 'write the search state into this folder every --checkpoint-every seconds and at SIGINT/SIGTERM, to --resume later (one-thread BFS)',
    'checkpoint-every': `seconds between two checkpoints (default ${CHECKPOINT_EVERY})`,
    resume: 'take the search up from the checkpoint in this folder (same model, parameters, properties and options) and go on checkpointing into it',
    spill:
      'when --max-memory would be exceeded, move the visited set, queue and parent records into this folder and go on (slower) instead of stopping (one-thread BFS, safety properties)',
    workers: "worker threads for a parallel BFS ('auto': one per core; default 1)",
    property:
      "check only these properties (repeatable, or comma-separated); 'safety' (invariants, steps, deadlock without stuttering), 'liveness' (the others) or 'none' (count states only)",
    continue: 'keep going after a violation until every property has a verdict',
    json: 'print the result as JSON on stdout',
    traces: 'write each counterexample as a trace file into this folder',
  },
  async run(v, pos) {
    if (pos.length !== 1) throw new UsageError(`check takes one model (a name from 'clockcheck list', or a path), got ${pos.length}`);
    checkReportPaths(v);
    const def = await resolveModel(pos[0]!);
    const m = withProperties(compileModel(def, parseParams(v.param as string[] | undefined)), v.property as string[] | undefined);
    const progress = progressPrinter(m.name, v.quiet !== true);
    const spill = v.spill as string | undefined;
    const opts = {
      ...searchOptionsFrom(v, progress.onProgress),
      continueAfterViolation: v.continue === true,
      ...(spill !== undefined ? { spill, ...spillForTests() } : {}),
    };
    const workers = parseWorkers(v.workers as string | undefined);
    const ckpt = { checkpoint: v.checkpoint as string | undefined, resume: v.resume as string | undefined, every: v['checkpoint-every'] as string | undefined };
    if (spill !== undefined) {
      if (workers > 1) throw new UsageError('--spill works with the one-thread search only; leave out --workers');
      if (ckpt.checkpoint !== undefined || ckpt.resume !== undefined) throw new UsageError(`--spill cannot be combined with ${ckpt.resume !== undefined ? '--resume' : '--checkpoint'}`);
      assertSpillable(m, opts);
    }
    assertCheckpointable(opts, workers, ckpt);
    // In the child bin/respawn.js started (glibc keeps the memory of freed arrays unless told at start-up).
    if (spill !== undefined) watchParent();
    const say = (line: string) => {
      if (v.quiet === true) return;
      progress.done();
      process.stderr.write(line + '\n');
    };
    const long =
      workers > 1
        ? undefined
        : await longRun(m, opts, {
            ...(ckpt.checkpoint !== undefined ? { checkpoint: ckpt.checkpoint } : {}),
            ...(ckpt.resume !== undefined ? { resume: ckpt.resume } : {}),
            every: parseSeconds('--checkpoint-every', ckpt.every) ?? CHECKPOINT_EVERY,
            ...(ckpt.checkpoint !== undefined || ckpt.resume !== undefined ? { source: modelSourceDigest(pos[0]!) } : {}),
            say,
          });
    let signal = long?.signal;
    let r: CheckResult;
    if (long) r = long.result;
    else {
      // Workers: a signal stops the search at the end of the level being explored.
      const trap = trapSignals((sig) => say(`${sig}: stopping at the end of this level; send it again to quit at once`));
      try {
        r = await checkParallel(m, { module: registryModule, export: 'resolveModel', args: [pos[0]!] }, { ...opts, workers, interrupted: () => trap.caught !== undefined });
      } finally {
        trap.release();
      }
      signal = trap.caught;
    }
    progress.done();
    const saved = typeof v.traces === 'string' ? saveTraces(v.traces, pos[0]!, def, m, r) : [];
    const kept = long?.dir !== undefined && !long.over && long.held ? long.last ?? (ckpt.resume !== undefined ? 'resumed' : undefined) : undefined;
    if (v.json) {
      const checkpoint = long?.dir !== undefined ? { checkpoint: { dir: long.dir, written: long.written, kept: kept !== undefined, ...(long.last ? { last: long.last } : {}) } } : {};
      process.stdout.write(JSON.stringify({ ...(resultToJson(m, r) as object), traceFiles: saved, ...(signal ? { signal } : {}), ...checkpoint }, null, 2) + '\n');
    } else {
      process.stdout.write(formatResult(m, r, makeStyle(useColor(v))) + '\n');
      for (const p of saved) process.stdout.write(`trace written: ${p}\n`);
      if (kept !== undefined) {
        const where = kept === 'resumed' ? `the checkpoint it was resumed from` : `a checkpoint at ${fmtInt(kept.states)} states`;
        process.stdout.write(`${long!.dir} holds ${where}: run the same command with --resume ${long!.dir} to go on\n`);
      }
    }
    await writeReports(reportFromCheck(pos[0]!, def, m, r), v);
    if (long) settleCheckpoint(long);
    return exitCodeOf([r]);
  },
};

/**
 * CLOCKCHECK_SPILL_TEST=atStates:recent:level:keys (tests only): with
 * --spill, move to disk at that many states whatever the memory, with
 * tables of those many entries, so that a small model exercises the disk
 * phase from the command line.
 */
function spillForTests(): { spillForTests?: NonNullable<CheckOptions['spillForTests']> } {
  const raw = process.env.CLOCKCHECK_SPILL_TEST;
  if (raw === undefined || raw === '') return {};
  const n = raw.split(':').map(Number);
  if (n.length !== 4 || !n.every((k) => Number.isSafeInteger(k) && k >= 0) || n.slice(1).some((k) => k < 1)) {
    throw new UsageError(`CLOCKCHECK_SPILL_TEST: '${raw}' is not atStates:recent:level:keys (whole numbers, tables of 1 or more)`);
  }
  return { spillForTests: { atStates: n[0]!, recent: n[1]!, level: n[2]!, keys: n[3]! } };
}

const listCommand: Command = {
  synopsis: 'list',
  summary: 'list the built-in models and their parameters',
  options: {},
  optionDocs: {},
  async run(_v, pos) {
    if (pos.length) throw new UsageError('list takes no arguments');
    const lines: string[] = [];
    for (const [name, { definition: d, group }] of builtinModels()) {
      lines.push(`${name}  (${group}) ${d.description}`);
      for (const [k, p] of Object.entries(d.params)) lines.push(`    ${k}=${p.default}  [${p.min}..${p.max}]  ${p.doc}`);
    }
    process.stdout.write(lines.join('\n') + '\n');
    return 0;
  },
};

const compareCommand: Command = {
  synopsis: 'compare [--arch x86|arm64] [--variants a,b,...] [--param k=v ...]',
  summary: 'check every KVM design variant against every property and show them side by side, a table per architecture',
  options: {
    ...searchOptions,
    arch: { type: 'string' },
    variants: { type: 'string' },
    workers: { type: 'string', short: 'w' },
    shard: { type: 'string' },
    json: jsonOption,
    md: { type: 'boolean' },
    'no-traces': { type: 'boolean' },
    traces: { type: 'string' },
    ...reportOptions,
  },
  optionDocs: {
    ...searchOptionDocs,
    ...reportOptionDocs,
    arch: "only this architecture's variants (x86 or arm64; default: every architecture, a table each)",
    variants: `comma-separated variants (default: all; see 'clockcheck list')`,
    workers: "check this many variants at once, each in a thread of its own ('auto': one per core; default 1)",
    shard: "check only shard i of n (variant k goes to shard k mod n + 1), of one architecture; 'clockcheck merge' joins the shards' results files",
    json: 'print the comparison as JSON; with FILE.json, write a results file (for merge) and print the table',
    md: 'print the comparison as Markdown (table, and counterexamples unless --no-traces)',
    'no-traces': 'only the table, no counterexamples',
    traces: 'write each counterexample as a trace file into this folder',
  },
  async run(v, pos) {
    if (pos.length) throw new UsageError(`compare takes no positional arguments (use --variants ${pos.join(',')})`);
    const json = jsonTarget(v);
    if (json && v.md) throw new UsageError('--json and --md cannot be used together');
    checkReportPaths(v);
    const variants = parseVariants(v.variants as string | undefined, parseArch(v.arch as string | undefined));
    const shard = parseShard(v.shard as string | undefined);
    const params = parseParams(v.param as string[] | undefined);
    let current = '';
    const progress = progressPrinter('compare', v.quiet !== true);
    const opts = searchOptionsFrom(v, (p) => progress.onProgress({ ...p }));
    const workers = parseWorkers(v.workers as string | undefined);
    const specs = tableSpecs(variants, params, [], opts, shard ? '--shard' : json !== undefined && json !== '-' ? '--json FILE' : undefined);
    const onStart = (cell: { variant: string }) => {
      current = cell.variant;
      if (v.quiet !== true && process.stderr.isTTY) process.stderr.write(`\r\x1b[Kchecking ${current}...`);
    };
    const tables = shard ? [await runShard(specs[0]!, shard, opts, workers, onStart)] : await runSpecs(specs, opts, workers, onStart);
    const rows = tables.flatMap((t) => t.rows);
    progress.done();
    if (v.quiet !== true && process.stderr.isTTY) process.stderr.write('\r\x1b[K');
    const models = builtinModels();
    const saved =
      typeof v.traces === 'string'
        ? rows.flatMap((r) => saveTraces(v.traces as string, r.variant, models.get(r.variant)!.definition, r.model, r.result))
        : [];
    if (json !== undefined && json !== '-') writeResults(json, rowsFile('compare', specs[0]!, shard, tables[0]!.cells, rows));
    if (json === '-') process.stdout.write(JSON.stringify(compareToJson(rows), null, 2) + '\n');
    else if (v.md) process.stdout.write(compareToMarkdown(rows, v['no-traces'] !== true) + '\n');
    else process.stdout.write(formatCompare(rows, makeStyle(useColor(v)), v['no-traces'] !== true) + '\n');
    if (json !== '-' && saved.length) process.stdout.write(`${saved.length} trace files written to ${v.traces}\n`);
    if (json !== undefined && json !== '-') process.stdout.write(`results written: ${json}\n`);
    await writeReports(reportFromCompare(rows), v);
    return compareExitCode(rows);
  },
};

const sweepCommand: Command = {
  synopsis: 'sweep --grid k=a..b [--arch x86|arm64] [--variants a,b]',
  summary: 'check KVM variants at every point of a parameter grid, in one table per architecture; shardable across machines',
  options: {
    ...searchOptions,
    arch: { type: 'string' },
    variants: { type: 'string' },
    grid: { type: 'string', multiple: true },
    workers: { type: 'string', short: 'w' },
    shard: { type: 'string' },
    json: jsonOption,
    traces: { type: 'string' },
  },
  optionDocs: {
    ...searchOptionDocs,
    arch: "only this architecture's variants (x86 or arm64; default: every architecture, a table each)",
    variants: `comma-separated variants (default: all; see 'clockcheck list')`,
    grid: 'parameters to sweep, name=a..b or name=value (repeatable, or comma-separated): vcpus=1..4,suspends=1..3',
    param: 'a fixed model parameter, name=value (repeatable, or comma-separated)',
    workers: "check this many cells at once, each in a thread of its own ('auto': one per core; default 1)",
    shard: "check only shard i of n (cell k goes to shard k mod n + 1); 'clockcheck merge' joins the shards' results files",
    json: 'print the results as JSON; with FILE.json, write them to that file (for merge) and print the table',
    traces: 'write each counterexample as a trace file into this folder, in a subfolder per grid point (vcpus=2,suspends=1/)',
  },
  async run(v, pos) {
    if (pos.length) throw new UsageError(`sweep takes no positional arguments (use --variants ${pos.join(',')})`);
    const grid = parseGrid(v.grid as string[] | undefined);
    if (grid.length === 0) throw new UsageError('sweep needs --grid (e.g. --grid vcpus=1..4,suspends=1..3)');
    const variants = parseVariants(v.variants as string | undefined, parseArch(v.arch as string | undefined));
    const shard = parseShard(v.shard as string | undefined);
    const json = jsonTarget(v);
    const progress = progressPrinter('sweep', v.quiet !== true);
    const opts = searchOptionsFrom(v, (p) => progress.onProgress({ ...p }));
    const workers = parseWorkers(v.workers as string | undefined);
    const specs = tableSpecs(variants, parseParams(v.param as string[] | undefined), grid, opts, shard ? '--shard' : json !== undefined ? '--json' : undefined);
    const onStart = (cell: { variant: string; params: Readonly<Record<string, number>> }) => {
      if (v.quiet !== true && process.stderr.isTTY) {
        process.stderr.write(`\r\x1b[Kchecking ${cell.variant} ${grid.map((a) => `${a.name}=${cell.params[a.name]}`).join(' ')}...`);
      }
    };
    const tables = shard ? [await runShard(specs[0]!, shard, opts, workers, onStart)] : await runSpecs(specs, opts, workers, onStart);
    const rows = tables.flatMap((t) => t.rows);
    progress.done();
    if (v.quiet !== true && process.stderr.isTTY) process.stderr.write('\r\x1b[K');
    const models = builtinModels();
    // A folder per grid point: trace files are named after variant and property only.
    const cellDir = (p: Readonly<Record<string, number>>) => join(v.traces as string, grid.map((a) => `${a.name}=${p[a.name]}`).join(','));
    const saved =
      typeof v.traces === 'string'
        ? rows.flatMap((r) => saveTraces(cellDir(r.result.params), r.variant, models.get(r.variant)!.definition, r.model, r.result))
        : [];
    const file = rowsFile('sweep', specs[0]!, shard, tables[0]!.cells, rows);
    if (json !== undefined && json !== '-') writeResults(json, file);
    if (json === '-') process.stdout.write(JSON.stringify(file, null, 2) + '\n');
    else {
      const st = makeStyle(useColor(v));
      const text = specs.map((spec, k) => formatTable(tables[k]!.rows.map(tableRow), st, sweepHead(spec, shard, st), grid.map((a) => a.name)));
      process.stdout.write(text.join('\n\n') + '\n');
      if (saved.length) process.stdout.write(`${saved.length} trace files written to ${v.traces}\n`);
      if (json !== undefined) process.stdout.write(`results written: ${json}\n`);
    }
    return tableExitCode(rows.map(tableRow));
  },
};

const mergeCommand: Command = {
  synopsis: 'merge <results.json> ...',
  summary: "join the results files of every shard of a compare, sweep or simulate run into its one table",
  options: { json: { type: 'string', optionalValue: null }, 'no-color': { type: 'boolean' } },
  optionDocs: {
    json: 'print the merged results as JSON; --json=FILE.json writes them to that file',
    'no-color': 'plain output',
  },
  async run(v, pos) {
    const { code, text } = runMerge(pos, jsonTarget(v), makeStyle(useColor(v)));
    process.stdout.write(text + '\n');
    return code;
  },
};

const simulateCommand: Command = {
  synopsis: 'simulate <model> [--seed S] [--runs N]',
  summary: 'random walks over the enabled actions, every safety property checked at every step; shrinks the first violation',
  options: {
    param: { type: 'string', short: 'p', multiple: true },
    property: { type: 'string', multiple: true },
    seed: { type: 'string' },
    runs: { type: 'string' },
    depth: { type: 'string' },
    'max-seconds': { type: 'string' },
    swarm: { type: 'boolean' },
    workers: { type: 'string', short: 'w' },
    shard: { type: 'string' },
    path: { type: 'string' },
    json: jsonOption,
    traces: { type: 'string' },
    quiet: { type: 'boolean', short: 'q' },
    'no-color': { type: 'boolean' },
  },
  optionDocs: {
    param: searchOptionDocs.param!,
    property: 'check only this property (repeatable, or comma-separated)',
    seed: "fast-check's seed (a 32-bit integer; default: drawn from the clock and printed)",
    runs: `random walks to try (default ${DEFAULT_RUNS})`,
    depth: `steps per walk at most (default ${DEFAULT_DEPTH})`,
    'max-seconds': 'stop searching after this much time',
    swarm: 'each run draws its own weights of the action families, leaving about half out (swarm verification)',
    workers: "walk in this many threads ('auto': one per core; default 1); the answer does not depend on it",
    shard: 'walk only shard i of n of the runs (a contiguous range of run numbers)',
    path: "replay one walk: fast-check's path as printed with a violation (needs the same --seed, --depth, --swarm)",
    json: 'print the results as JSON; with FILE.json, write them to that file (for merge) and print the text',
    traces: 'write the shrunk counterexample as a trace file into this folder',
    quiet: 'no progress lines on stderr',
    'no-color': 'plain output (also when NO_COLOR is set or stdout is not a terminal)',
  },
  async run(v, pos) {
    if (pos.length !== 1) throw new UsageError(`simulate takes one model (a name from 'clockcheck list', or a path), got ${pos.length}`);
    const def = await resolveModel(pos[0]!);
    const given = parseParams(v.param as string[] | undefined);
    const m = withProperties(compileModel(def, given), v.property as string[] | undefined);
    // Walks that can judge none of the properties asked for would run for nothing.
    if (m.properties.length > 0 && m.properties.every((p) => walkJudges(m, p) === 'nothing')) {
      const names = m.properties.map((p) => p.name).join(', ');
      throw new UsageError(
        `simulation cannot decide ${names}: a finite walk cannot violate a liveness property; check ${m.properties.length > 1 ? 'them' : 'it'} with 'clockcheck check', or choose other properties with --property`,
      );
    }
    const line = progressLine(v.quiet !== true);
    const request = {
      ref: pos[0]!,
      def,
      m,
      given,
      properties: propertyNames(v.property as string[] | undefined),
      seed: parseSeed(v.seed as string | undefined),
      runs: parseCount('--runs', v.runs as string | undefined, 1) ?? DEFAULT_RUNS,
      depth: parseCount('--depth', v.depth as string | undefined, 1) ?? DEFAULT_DEPTH,
      swarm: v.swarm === true,
      maxSeconds: parseSeconds('--max-seconds', v['max-seconds'] as string | undefined),
      workers: parseWorkers(v.workers as string | undefined),
      shard: parseShard(v.shard as string | undefined),
      path: v.path as string | undefined,
      onProgress: (runs: number, steps: number, seconds: number) =>
        line.show(seconds, `simulate ${m.name}: ${fmtInt(runs)} runs, ${fmtInt(steps)} steps, ${fmtInt(steps / seconds)} steps/s, ${seconds.toFixed(0)} s`),
    };
    if (request.runs >= 2 ** 31) throw new UsageError(`--runs: '${v.runs}' is more than 2147483647`);
    const json = jsonTarget(v);
    const r = await runSimulation(request);
    line.done();
    const saved = typeof v.traces === 'string' ? saveSimulationTraces(v.traces, request, r) : [];
    const doc = simulationToJson(request, r, saved);
    if (json !== undefined && json !== '-') writeResults(json, doc);
    if (json === '-') process.stdout.write(JSON.stringify(doc, null, 2) + '\n');
    else {
      process.stdout.write(formatSimulation(request, r, makeStyle(useColor(v))) + '\n');
      for (const p of saved) process.stdout.write(`trace written: ${p}\n`);
      if (json !== undefined) process.stdout.write(`results written: ${json}\n`);
    }
    // Nothing found is not "holds": the verdicts say unknown; but nothing is wrong either.
    return r.violation ? 1 : 0;
  },
};

const replayCommand: Command = {
  synopsis: 'replay <trace-file> [--variant X]',
  summary: 'replay a saved trace: does the violation still occur (or, with --variant, occur in another design)?',
  options: { variant: { type: 'string' }, 'no-color': { type: 'boolean' } },
  optionDocs: {
    variant: 'replay the same actions against another variant (e.g. a trace from baseline against v3)',
    'no-color': 'plain output',
  },
  async run(v, pos) {
    if (pos.length !== 1) throw new UsageError(`replay takes one trace file, got ${pos.length}`);
    const { code, text } = await runReplay(pos[0]!, v.variant as string | undefined, makeStyle(useColor(v)));
    process.stdout.write(text + '\n');
    return code;
  },
};

const showCommand: Command = {
  synopsis: 'show <trace-file> [--svg OUT.svg] [--itf OUT.itf.json] [--html OUT.html]',
  summary: 'print a saved trace as a table of steps and clocks; draw it as SVG, export it as ITF, or explore it in HTML',
  options: { svg: { type: 'string' }, itf: { type: 'string' }, html: { type: 'string' }, 'no-color': { type: 'boolean' } },
  optionDocs: {
    svg: 'draw the clocks over the steps into this SVG file',
    html: 'write a self-contained HTML page to step through the trace',
    itf: 'export the trace in the Informal Trace Format (Apalache, Quint)',
    'no-color': 'plain output',
  },
  async run(v, pos) {
    if (pos.length !== 1) throw new UsageError(`show takes one trace file, got ${pos.length}`);
    const wrote = await runShow(pos[0]!, v);
    if (wrote.length === 0) process.stdout.write(formatShow(readTraceFile(pos[0]!), makeStyle(useColor(v))) + '\n');
    else process.stdout.write(wrote.join('\n') + '\n');
    return 0;
  },
};

export const commands: Record<string, Command> = {
  check: checkCommand,
  compare: compareCommand,
  simulate: simulateCommand,
  sweep: sweepCommand,
  merge: mergeCommand,
  replay: replayCommand,
  show: showCommand,
  list: listCommand,
};
