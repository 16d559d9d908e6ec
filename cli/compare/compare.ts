// `clockcheck compare`: every variant against every property in one table,
// with the expectation recorded in specs/ beside each verdict.

import { check, compileModel, type CheckOptions, type CheckResult, type CompiledModel } from '../../checker/index.js';
import { expectationFor, type Expectation } from '../../specs/configs.js';
import { fmtInt, fmtSeconds, formatTrace, table, verdictText, type Style } from '../format.js';
import { resultToJson } from '../reports/json.js';
import { builtinModels, registryModule } from '../registry.js';
import { kvmArchNames } from '../../specs/kvm.js';
import { Worker } from 'node:worker_threads';
import { fileURLToPath } from 'node:url';
import { bundledScript } from '../../checker/runtime/workerBundle.js';
import { rebuildError } from '../../checker/parallel/parallelCommon.js';
import type { CompareAnswer, CompareJob } from './compareWorker.js';
import { UsageError, type Verdict } from '../../checker/index.js';

export interface CompareRow {
  readonly variant: string;
  readonly model: CompiledModel;
  readonly result: CheckResult;
  /** Recorded expectations for these parameters, if specs/ has them. */
  readonly expected: Readonly<Record<string, Expectation>> | undefined;
}

/** The KVM variants, of one architecture or of all, in the order `list` shows them. */
export function kvmVariantNames(arch?: string): string[] {
  return [...builtinModels()].filter(([, m]) => m.arch !== undefined && (arch === undefined || m.arch === arch)).map(([n]) => n);
}

/** The architecture of a KVM variant (undefined for any other model). */
export function archOf(variant: string): string | undefined {
  return builtinModels().get(variant)?.arch;
}

/** `--arch`: one of the architectures the model knows. */
export function parseArch(raw: string | undefined): string | undefined {
  if (raw === undefined) return undefined;
  if (!kvmArchNames.includes(raw)) throw new UsageError(`unknown architecture '${raw}' (architectures: ${kvmArchNames.join(', ')})`);
  return raw;
}

/** Rows (or anything naming a variant) grouped by architecture, each group in its order, groups in the order they first come. */
export function byArch<T extends { readonly variant: string }>(items: readonly T[]): { arch: string; items: T[] }[] {
  const groups: { arch: string; items: T[] }[] = [];
  for (const it of items) {
    const arch = archOf(it.variant) ?? '';
    let g = groups.find((x) => x.arch === arch);
    if (!g) groups.push((g = { arch, items: [] }));
    g.items.push(it);
  }
  return groups;
}

/** A comparison gives every property a verdict, so it never stops at the first violation. */
function compareOptions(opts: CheckOptions): CheckOptions {
  return { ...opts, continueAfterViolation: true };
}

function checkVariantNames(variants: readonly string[]): ReturnType<typeof builtinModels> {
  const models = builtinModels();
  for (const v of variants) {
    const m = models.get(v);
    if (!m || m.arch === undefined) throw new UsageError(`unknown variant '${v}' (variants: ${kvmVariantNames().join(', ')})`);
  }
  return models;
}

/** One check of a comparison or a sweep: a variant at some parameters. */
export interface Cell {
  readonly variant: string;
  readonly params: Readonly<Record<string, number>>;
}

export function runCompare(
  variants: readonly string[],
  params: Readonly<Record<string, number>>,
  opts: CheckOptions,
  onStart?: (variant: string) => void,
): CompareRow[] {
  return runCells(
    variants.map((variant) => ({ variant, params })),
    opts,
    onStart && ((c) => onStart(c.variant)),
  );
}

/** Check each cell in turn, in this thread. */
export function runCells(cells: readonly Cell[], opts: CheckOptions, onStart?: (cell: Cell) => void): CompareRow[] {
  const compiled = compileCells(cells);
  return cells.map((cell, i) => {
    onStart?.(cell);
    const model = compiled[i]!;
    const result = check(model, compareOptions(opts));
    return { variant: cell.variant, model, result, expected: expectationFor(cell.variant, model.params) };
  });
}

/** Compile every cell first: a parameter out of range is reported before anything runs. */
export function compileCells(cells: readonly Cell[]): CompiledModel[] {
  const models = checkVariantNames(cells.map((c) => c.variant));
  return cells.map((c) => compileModel(models.get(c.variant)!.definition, c.params));
}

/**
 * `runCompare` with the variants spread over `workers` threads, each checking
 * whole variants with the one-thread engine: the same rows, in the same order.
 */
export async function runCompareParallel(
  variants: readonly string[],
  params: Readonly<Record<string, number>>,
  opts: CheckOptions,
  workers: number,
  onStart?: (variant: string) => void,
): Promise<CompareRow[]> {
  return runCellsParallel(
    variants.map((variant) => ({ variant, params })),
    opts,
    workers,
    onStart && ((c) => onStart(c.variant)),
  );
}

/** `runCells` with the cells spread over `workers` threads: the same rows, in the same order. */
export async function runCellsParallel(cells: readonly Cell[], opts: CheckOptions, workers: number, onStart?: (cell: Cell) => void): Promise<CompareRow[]> {
  // Compile here too: parameter errors surface before any thread starts, and rows carry the model.
  const compiled = compileCells(cells);
  if (cells.length === 0) return [];
  const { onProgress: _p, onState: _s, ...callbackFree } = compareOptions(opts);
  const script =
    (await bundledScript(fileURLToPath(new URL('./compareWorker.ts', import.meta.url)), 'startCompareWorker', registryModule)) ??
    new URL('./compare-worker-entry.js', import.meta.url);
  const results: (CheckResult | undefined)[] = cells.map(() => undefined);
  const pool = Array.from({ length: Math.min(workers, cells.length) }, () => new Worker(script));
  let next = 0;
  try {
    await new Promise<void>((resolve, reject) => {
      let done = 0;
      const feed = (w: Worker) => {
        if (next >= cells.length) return;
        const cell = next++;
        onStart?.(cells[cell]!);
        w.postMessage({ cell, variant: cells[cell]!.variant, params: cells[cell]!.params, opts: callbackFree } satisfies CompareJob);
      };
      for (const w of pool) {
        w.on('message', (a: CompareAnswer) => {
          if (a.t === 'error') return reject(rebuildError(a.name, a.message));
          results[a.cell] = a.result;
          if (++done === cells.length) resolve();
          else feed(w);
        });
        w.on('error', reject);
        w.on('exit', (code) => {
          if (code !== 0) reject(new Error(`compare worker exited with code ${code}`));
        });
        feed(w);
      }
    });
  } finally {
    await Promise.all(pool.map((w) => w.terminate()));
  }
  return cells.map((cell, i) => ({ variant: cell.variant, model: compiled[i]!, result: results[i]!, expected: expectationFor(cell.variant, compiled[i]!.params) }));
}

/**
 * What a comparison table shows of one check: all that a results file keeps
 * of it, so that `merge` prints the table from files as `compare` does.
 */
export interface TableRow {
  readonly variant: string;
  readonly params: Readonly<Record<string, number>>;
  readonly properties: readonly {
    readonly name: string;
    readonly kind: string;
    readonly verdict: Verdict;
    /** Length of the counterexample (for a lasso: prefix and loop together). */
    readonly steps: number | null;
    /** For a lasso: the length of its loop. */
    readonly loop?: number | null;
  }[];
  readonly distinct: number;
  readonly transitions: number;
  readonly seconds: number;
  readonly complete: boolean;
  /** States were stored one per symmetry orbit. */
  readonly symmetry: boolean;
  /** Recorded expectations for these parameters, if specs/ has them. */
  readonly expected: Readonly<Record<string, Expectation>> | null;
}

export function tableRow(r: CompareRow): TableRow {
  return {
    variant: r.variant,
    params: r.result.params,
    properties: r.result.properties.map((p) => ({
      name: p.name,
      kind: p.kind,
      verdict: p.verdict,
      steps: p.trace ? p.trace.actions.length : null,
      loop: p.trace && p.trace.loopStart !== undefined ? p.trace.actions.length - p.trace.loopStart : null,
    })),
    distinct: r.result.stats.distinct,
    transitions: r.result.stats.transitions,
    seconds: r.result.stats.seconds,
    complete: r.result.complete,
    symmetry: r.result.stats.unreduced !== undefined,
    expected: r.expected ?? null,
  };
}

/** Verdicts that differ from what specs/ records (verdict, or trace length where recorded). */
export function mismatches(row: CompareRow): string[] {
  return rowMismatches(tableRow(row));
}

/** As `mismatches`, each line starting with `label` (the variant, or a sweep's variant and parameters). */
export function rowMismatches(row: TableRow, label = row.variant): string[] {
  if (!row.expected) return [];
  const out: string[] = [];
  for (const p of row.properties) {
    const e = row.expected[p.name];
    // No verdict is not a different verdict: a bounded run reports it as incomplete (exit 3).
    if (!e || p.verdict === 'unknown') continue;
    if (e.verdict !== p.verdict) out.push(`${label} ${p.name}: expected ${e.verdict}, got ${p.verdict}`);
    else if (p.steps !== null && ((e.steps !== undefined && p.steps !== e.steps) || (e.loop !== undefined && (p.loop ?? undefined) !== e.loop))) {
      const want = e.loop !== undefined ? `a lasso of ${e.steps! - e.loop}+${e.loop} steps` : `a ${e.steps}-step counterexample`;
      out.push(`${label} ${p.name}: expected ${want}, got ${stepsText(p.steps, p.loop)}`);
    }
  }
  return out;
}

/** 1 if a verdict differs from specs/, else 3 if a verdict is unknown, else 0. */
export function compareExitCode(rows: readonly CompareRow[]): number {
  return tableExitCode(rows.map(tableRow));
}

export function tableExitCode(rows: readonly TableRow[]): number {
  if (rows.some((r) => rowMismatches(r).length > 0)) return 1;
  if (rows.some((r) => r.properties.some((p) => p.verdict === 'unknown'))) return 3;
  return 0;
}

/** `6` for a finite counterexample, `4+4` for a lasso (prefix + loop). */
export function stepsText(steps: number | null, loop: number | null | undefined): string {
  if (steps === null) return '';
  return loop === null || loop === undefined ? `${steps}` : `${steps - loop}+${loop}`;
}

function cell(row: TableRow, name: string, st: Style): string {
  const p = row.properties.find((x) => x.name === name);
  if (!p) return st.dim('-');
  const text = p.verdict === 'violated' ? st.red(`✗ ${stepsText(p.steps, p.loop)}`) : p.verdict === 'holds' ? st.green('✓') : st.yellow('?');
  const e = row.expected?.[name];
  const off =
    e &&
    (e.verdict !== p.verdict ||
      (p.steps !== null && ((e.steps !== undefined && e.steps !== p.steps) || (e.loop !== undefined && (p.loop ?? undefined) !== e.loop))));
  return off ? `${text}${st.bold(st.yellow('!'))}` : text;
}

/** A row named by its variant and, in a sweep, the swept parameters. */
export function cellLabel(r: TableRow, gridKeys: readonly string[]): string {
  return gridKeys.length ? `${r.variant} (${gridKeys.map((k) => `${k}=${r.params[k]}`).join(' ')})` : r.variant;
}

const LEGEND = '  ✓ holds   ✗ n violated, shortest counterexample n steps   ✗ p+l a lasso: p steps, then a loop of l forever   ? unknown   ! differs from specs/';

/**
 * The table of a comparison (`gridKeys` empty) or a sweep (a column per
 * swept parameter), with how the verdicts compare with specs/.
 */
export function formatTable(rows: readonly TableRow[], st: Style, head: string | undefined, gridKeys: readonly string[] = []): string {
  const names: string[] = [];
  for (const r of rows) for (const p of r.properties) if (!names.includes(p.name)) names.push(p.name);
  const out: string[] = [...(head !== undefined ? [head] : []), st.dim(LEGEND), ''];
  out.push(
    table([
      [st.dim('variant'), ...gridKeys.map((k) => st.dim(k)), ...names.map((n) => st.dim(n)), st.dim('states'), st.dim('time')],
      ...rows.map((r) => [
        r.variant,
        ...gridKeys.map((k) => String(r.params[k])),
        ...names.map((n) => cell(r, n, st)),
        fmtInt(r.distinct),
        fmtSeconds(r.seconds),
      ]),
    ]),
  );
  const label = (r: TableRow) => cellLabel(r, gridKeys);
  const bad = rows.flatMap((r) => rowMismatches(r, label(r)));
  const unexpected = rows.filter((r) => !r.expected).map(label);
  out.push('');
  if (bad.length) out.push(st.red(st.bold(`${bad.length} verdict(s) differ from specs/:`)) + '\n' + bad.map((b) => `  ${b}`).join('\n'));
  else if (rows.some((r) => r.expected)) out.push(st.green('every verdict matches the expectation recorded in specs/'));
  if (unexpected.length) {
    out.push(
      st.dim(
        gridKeys.length && unexpected.length > 8
          ? `no expectation recorded in specs/ for ${unexpected.length} of ${rows.length} rows`
          : `no expectation recorded in specs/ for these parameters: ${unexpected.join(', ')}`,
      ),
    );
  }
  return out.join('\n');
}

/** The head line of a comparison: the architecture, and the parameters every row shares. */
export function compareHead(rows: readonly TableRow[], st: Style): string | undefined {
  const first = rows[0];
  if (!first) return undefined;
  const arch = archOf(first.variant);
  const sym = first.symmetry ? ' · symmetry: the states column counts orbits, one stored state each' : '';
  return st.bold('clockcheck compare') + `${arch ? ` · ${arch}` : ''} · ${Object.entries(first.params).map(([k, v]) => `${k}=${v}`).join(' ')}${sym}`;
}

/** A table per architecture (each with its own properties as columns), then every counterexample. */
export function formatCompare(rows: readonly CompareRow[], st: Style, withTraces: boolean): string {
  const out: string[] = [byArch(rows.map(tableRow)).map(({ items }) => formatTable(items, st, compareHead(items, st))).join('\n\n')];
  if (withTraces) {
    for (const r of rows) {
      for (const p of r.result.properties) {
        if (!p.trace) continue;
        out.push('');
        out.push(st.bold(`── ${r.variant} ──`));
        out.push(formatTrace(r.model, p, st, { compact: true }));
      }
    }
  }
  return out.join('\n');
}

/** A table per architecture (headed by its name and parameters when there are several), then every counterexample. */
export function compareToMarkdown(rows: readonly CompareRow[], withTraces = true): string {
  const plain = { bold: (s: string) => s, red: (s: string) => s, green: (s: string) => s, yellow: (s: string) => s, dim: (s: string) => s };
  const groups = byArch(rows);
  const lines: string[] = [];
  for (const { arch, items } of groups) {
    const names = items[0]?.result.properties.map((p) => p.name) ?? [];
    if (groups.length > 1) lines.push(`## ${arch}`, '', Object.entries(items[0]!.result.params).map(([k, v]) => `${k}=${v}`).join(' '), '');
    lines.push(
      `| variant | ${names.join(' | ')} | states | time |`,
      `|---|${names.map(() => ':-:').join('|')}|--:|--:|`,
      ...items.map((r) => `| ${r.variant} | ${names.map((n) => cell(tableRow(r), n, plain)).join(' | ')} | ${fmtInt(r.result.stats.distinct)} | ${fmtSeconds(r.result.stats.seconds)} |`),
      '',
    );
  }
  lines.push('✓ holds, ✗ n violated with a shortest counterexample of n steps, ✗ p+l a lasso of p steps and then a loop of l repeated forever, ? unknown, ! differs from specs/.');
  for (const r of withTraces ? rows : []) {
    for (const p of r.result.properties) {
      if (!p.trace) continue;
      lines.push('', `### ${r.variant}: ${p.name} (${stepsText(p.trace.actions.length, p.trace.loopStart === undefined ? null : p.trace.actions.length - p.trace.loopStart)} steps)`, '', '```', formatTrace(r.model, p, plain, { compact: true }), '```');
    }
  }
  return lines.join('\n');
}

export function compareToJson(rows: readonly CompareRow[]): unknown {
  return rows.map((r) => ({
    variant: r.variant,
    arch: archOf(r.variant) ?? null,
    expected: r.expected ?? null,
    mismatches: mismatches(r),
    result: resultToJson(r.model, r.result),
  }));
}

export { verdictText };
