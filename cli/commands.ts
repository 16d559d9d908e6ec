// The commands: each declares its options (for parseArgs and help) and runs
// on parsed values, returning an exit code.

import { check, checkParallel, compileModel, safetyOnly, selectProperties, UsageError, type CheckOptions, type CheckResult, type CompiledModel } from '../checker/index.js';
import { formatResult, makeStyle } from './format.js';
import { resultToJson } from './json.js';
import { parseBytes, parseChoice, parseCount, parseParams, parseSeconds, parseWorkers } from './options.js';
import { progressPrinter } from './progress.js';
import { builtinModels, registryModule, resolveModel } from './registry.js';
import { formatShow, runReplay, runShow, saveTraces } from './traceCommands.js';
import { readTraceFile } from '../traces/io.js';
import { checkReportPaths, reportFromCheck, reportFromCompare, reportOptionDocs, reportOptions, writeReports } from './reports.js';
import { compareExitCode, compareToJson, compareToMarkdown, formatCompare, kvmVariantNames, runCompare, runCompareParallel } from './compare.js';

type OptionSpec = { type: 'string' | 'boolean'; short?: string; multiple?: boolean };

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

function withProperties(m: CompiledModel, given: string[] | undefined): CompiledModel {
  if (!given) return m;
  const names = given.flatMap((g) => g.split(',')).map((n) => n.trim()).filter((n) => n !== '');
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
    ...reportOptions,
  },
  optionDocs: {
    ...searchOptionDocs,
    ...reportOptionDocs,
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
    const opts = { ...searchOptionsFrom(v, progress.onProgress), continueAfterViolation: v.continue === true };
    const workers = parseWorkers(v.workers as string | undefined);
    const r =
      workers > 1
        ? await checkParallel(m, { module: registryModule, export: 'resolveModel', args: [pos[0]!] }, { ...opts, workers })
        : check(m, opts);
    progress.done();
    const saved = typeof v.traces === 'string' ? saveTraces(v.traces, pos[0]!, def, m, r) : [];
    if (v.json) process.stdout.write(JSON.stringify({ ...(resultToJson(m, r) as object), traceFiles: saved }, null, 2) + '\n');
    else {
      process.stdout.write(formatResult(m, r, makeStyle(useColor(v))) + '\n');
      for (const p of saved) process.stdout.write(`trace written: ${p}\n`);
    }
    await writeReports(reportFromCheck(pos[0]!, def, m, r), v);
    return exitCodeOf([r]);
  },
};

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
  synopsis: 'compare [--variants a,b,...] [--param k=v ...]',
  summary: 'check every KVM design variant against every property and show them side by side',
  options: {
    ...searchOptions,
    variants: { type: 'string' },
    workers: { type: 'string', short: 'w' },
    json: { type: 'boolean' },
    md: { type: 'boolean' },
    'no-traces': { type: 'boolean' },
    traces: { type: 'string' },
    ...reportOptions,
  },
  optionDocs: {
    ...searchOptionDocs,
    ...reportOptionDocs,
    variants: `comma-separated variants (default: all; see 'clockcheck list')`,
    workers: "check this many variants at once, each in a thread of its own ('auto': one per core; default 1)",
    json: 'print the comparison as JSON',
    md: 'print the comparison as Markdown (table and counterexamples)',
    'no-traces': 'only the table, no counterexamples',
    traces: 'write each counterexample as a trace file into this folder',
  },
  async run(v, pos) {
    if (pos.length) throw new UsageError(`compare takes no positional arguments (use --variants ${pos.join(',')})`);
    if (v.json && v.md) throw new UsageError('--json and --md cannot be used together');
    checkReportPaths(v);
    const variants = typeof v.variants === 'string' ? v.variants.split(',').map((x) => x.trim()).filter(Boolean) : kvmVariantNames();
    if (variants.length === 0) throw new UsageError('--variants: no variant given');
    const params = parseParams(v.param as string[] | undefined);
    let current = '';
    const progress = progressPrinter('compare', v.quiet !== true);
    const opts = searchOptionsFrom(v, (p) => progress.onProgress({ ...p }));
    const workers = parseWorkers(v.workers as string | undefined);
    const onStart = (name: string) => {
      current = name;
      if (v.quiet !== true && process.stderr.isTTY) process.stderr.write(`\r\x1b[Kchecking ${current}...`);
    };
    const rows = workers > 1 ? await runCompareParallel(variants, params, opts, workers, onStart) : runCompare(variants, params, opts, onStart);
    progress.done();
    if (v.quiet !== true && process.stderr.isTTY) process.stderr.write('\r\x1b[K');
    const models = builtinModels();
    const saved =
      typeof v.traces === 'string'
        ? rows.flatMap((r) => saveTraces(v.traces as string, r.variant, models.get(r.variant)!.definition, r.model, r.result))
        : [];
    if (v.json) process.stdout.write(JSON.stringify(compareToJson(rows), null, 2) + '\n');
    else if (v.md) process.stdout.write(compareToMarkdown(rows) + '\n');
    else process.stdout.write(formatCompare(rows, makeStyle(useColor(v)), v['no-traces'] !== true) + '\n');
    if (!v.json && saved.length) process.stdout.write(`${saved.length} trace files written to ${v.traces}\n`);
    await writeReports(reportFromCompare(rows), v);
    return compareExitCode(rows);
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
  replay: replayCommand,
  show: showCommand,
  list: listCommand,
};
