// `clockcheck compare`: every variant against every property in one table,
// with the expectation recorded in specs/ beside each verdict.

import { check, compileModel, type CheckOptions, type CheckResult, type CompiledModel, type Trace } from '../checker/index.js';
import { expectationFor, type Expectation } from '../specs/configs.js';
import { fmtInt, fmtSeconds, formatTrace, table, verdictText, type Style } from './format.js';
import { resultToJson } from './json.js';
import { builtinModels, registryModule } from './registry.js';
import { Worker } from 'node:worker_threads';
import { fileURLToPath } from 'node:url';
import { bundledScript } from '../checker/runtime/workerBundle.js';
import { rebuildError } from '../checker/parallel/parallelCommon.js';
import type { CompareAnswer, CompareJob } from './compareWorker.js';
import { UsageError } from '../checker/index.js';

export interface CompareRow {
  readonly variant: string;
  readonly model: CompiledModel;
  readonly result: CheckResult;
  /** Recorded expectations for these parameters, if specs/ has them. */
  readonly expected: Readonly<Record<string, Expectation>> | undefined;
}

export function kvmVariantNames(): string[] {
  return [...builtinModels()].filter(([, m]) => m.group.startsWith('kvm')).map(([n]) => n);
}

/** A comparison gives every property a verdict, so it never stops at the first violation. */
function compareOptions(opts: CheckOptions): CheckOptions {
  return { ...opts, continueAfterViolation: true };
}

function checkVariantNames(variants: readonly string[]): ReturnType<typeof builtinModels> {
  const models = builtinModels();
  for (const v of variants) {
    const m = models.get(v);
    if (!m || !m.group.startsWith('kvm')) throw new UsageError(`unknown variant '${v}' (variants: ${kvmVariantNames().join(', ')})`);
  }
  return models;
}

export function runCompare(
  variants: readonly string[],
  params: Readonly<Record<string, number>>,
  opts: CheckOptions,
  onStart?: (variant: string) => void,
): CompareRow[] {
  const models = checkVariantNames(variants);
  return variants.map((variant) => {
    onStart?.(variant);
    const model = compileModel(models.get(variant)!.definition, params);
    const result = check(model, compareOptions(opts));
    return { variant, model, result, expected: expectationFor(variant, model.params) };
  });
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
  const models = checkVariantNames(variants);
  // Compile here too: parameter errors surface before any thread starts, and rows carry the model.
  const compiled = variants.map((v) => compileModel(models.get(v)!.definition, params));
  const { onProgress: _p, onState: _s, ...callbackFree } = compareOptions(opts);
  const script =
    (await bundledScript(fileURLToPath(new URL('./compareWorker.ts', import.meta.url)), 'startCompareWorker', registryModule)) ??
    new URL('./compare-worker-entry.js', import.meta.url);
  const results: (CheckResult | undefined)[] = variants.map(() => undefined);
  const pool = Array.from({ length: Math.min(workers, variants.length) }, () => new Worker(script));
  let next = 0;
  try {
    await new Promise<void>((resolve, reject) => {
      let done = 0;
      const feed = (w: Worker) => {
        if (next >= variants.length) return;
        const variant = variants[next++]!;
        onStart?.(variant);
        w.postMessage({ variant, params, opts: callbackFree } satisfies CompareJob);
      };
      for (const w of pool) {
        w.on('message', (a: CompareAnswer) => {
          if (a.t === 'error') return reject(rebuildError(a.name, a.message));
          results[variants.indexOf(a.variant)] = a.result;
          if (++done === variants.length) resolve();
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
  return variants.map((variant, i) => ({ variant, model: compiled[i]!, result: results[i]!, expected: expectationFor(variant, compiled[i]!.params) }));
}

/** Verdicts that differ from what specs/ records (verdict, or trace length where recorded). */
export function mismatches(row: CompareRow): string[] {
  if (!row.expected) return [];
  const out: string[] = [];
  for (const p of row.result.properties) {
    const e = row.expected[p.name];
    // No verdict is not a different verdict: a bounded run reports it as incomplete (exit 3).
    if (!e || p.verdict === 'unknown') continue;
    if (e.verdict !== p.verdict) out.push(`${row.variant} ${p.name}: expected ${e.verdict}, got ${p.verdict}`);
    else if (p.trace && ((e.steps !== undefined && p.trace.actions.length !== e.steps) || (e.loop !== undefined && loopLength(p.trace) !== e.loop))) {
      const want = e.loop !== undefined ? `a lasso of ${e.steps! - e.loop}+${e.loop} steps` : `a ${e.steps}-step counterexample`;
      out.push(`${row.variant} ${p.name}: expected ${want}, got ${stepsText(p.trace)}`);
    }
  }
  return out;
}

/** 1 if a verdict differs from specs/, else 3 if a verdict is unknown, else 0. */
export function compareExitCode(rows: readonly CompareRow[]): number {
  if (rows.some((r) => mismatches(r).length > 0)) return 1;
  if (rows.some((r) => r.result.properties.some((p) => p.verdict === 'unknown'))) return 3;
  return 0;
}

function loopLength(t: Trace): number | undefined {
  return t.loopStart === undefined ? undefined : t.actions.length - t.loopStart;
}

/** `6` for a finite counterexample, `4+4` for a lasso (prefix + loop). */
export function stepsText(t: Trace): string {
  return t.loopStart === undefined ? `${t.actions.length}` : `${t.loopStart}+${t.actions.length - t.loopStart}`;
}

function cell(row: CompareRow, name: string, st: Style): string {
  const p = row.result.properties.find((x) => x.name === name);
  if (!p) return st.dim('-');
  const text = p.verdict === 'violated' ? st.red(`✗ ${stepsText(p.trace!)}`) : p.verdict === 'holds' ? st.green('✓') : st.yellow('?');
  const e = row.expected?.[name];
  const off =
    e &&
    (e.verdict !== p.verdict ||
      (p.trace && ((e.steps !== undefined && e.steps !== p.trace.actions.length) || (e.loop !== undefined && e.loop !== loopLength(p.trace)))));
  return off ? `${text}${st.bold(st.yellow('!'))}` : text;
}

const LEGEND = '✓ holds   ✗ n violated, shortest counterexample n steps   ✗ p+l a lasso: p steps, then a loop of l forever   ? unknown   ! differs from specs/';

export function formatCompare(rows: readonly CompareRow[], st: Style, withTraces: boolean): string {
  const names = rows[0]?.result.properties.map((p) => p.name) ?? [];
  const out: string[] = [];
  const first = rows[0];
  if (first) {
    const sym = first.result.stats.unreduced ? ' · symmetry: the states column counts orbits, one stored state each' : '';
    out.push(st.bold('clockcheck compare') + ` · ${Object.entries(first.result.params).map(([k, v]) => `${k}=${v}`).join(' ')}${sym}`);
  }
  out.push(st.dim(`  ${LEGEND}`));
  out.push('');
  out.push(
    table([
      [st.dim('variant'), ...names.map((n) => st.dim(n)), st.dim('states'), st.dim('time')],
      ...rows.map((r) => [
        r.variant,
        ...names.map((n) => cell(r, n, st)),
        fmtInt(r.result.stats.distinct),
        fmtSeconds(r.result.stats.seconds),
      ]),
    ]),
  );
  const bad = rows.flatMap(mismatches);
  const unexpected = rows.filter((r) => !r.expected).map((r) => r.variant);
  out.push('');
  if (bad.length) out.push(st.red(st.bold(`${bad.length} verdict(s) differ from specs/:`)) + '\n' + bad.map((b) => `  ${b}`).join('\n'));
  else if (rows.some((r) => r.expected)) out.push(st.green('every verdict matches the expectation recorded in specs/'));
  if (unexpected.length) out.push(st.dim(`no expectation recorded in specs/ for these parameters: ${unexpected.join(', ')}`));
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

export function compareToMarkdown(rows: readonly CompareRow[]): string {
  const names = rows[0]?.result.properties.map((p) => p.name) ?? [];
  const plain = { bold: (s: string) => s, red: (s: string) => s, green: (s: string) => s, yellow: (s: string) => s, dim: (s: string) => s };
  const lines = [
    `| variant | ${names.join(' | ')} | states | time |`,
    `|---|${names.map(() => ':-:').join('|')}|--:|--:|`,
    ...rows.map((r) => `| ${r.variant} | ${names.map((n) => cell(r, n, plain)).join(' | ')} | ${fmtInt(r.result.stats.distinct)} | ${fmtSeconds(r.result.stats.seconds)} |`),
    '',
    '✓ holds, ✗ n violated with a shortest counterexample of n steps, ✗ p+l a lasso of p steps and then a loop of l repeated forever, ? unknown, ! differs from specs/.',
  ];
  for (const r of rows) {
    for (const p of r.result.properties) {
      if (!p.trace) continue;
      lines.push('', `### ${r.variant}: ${p.name} (${stepsText(p.trace)} steps)`, '', '```', formatTrace(r.model, p, plain, { compact: true }), '```');
    }
  }
  return lines.join('\n');
}

export function compareToJson(rows: readonly CompareRow[]): unknown {
  return rows.map((r) => ({
    variant: r.variant,
    expected: r.expected ?? null,
    mismatches: mismatches(r),
    result: resultToJson(r.model, r.result),
  }));
}

export { verdictText };
