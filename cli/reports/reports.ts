// Results in the places people look: the HTML report (--html), and the
// formats CI systems show natively (--junit, --sarif, --github). Each command
// turns its results into one Report (traces/views/report.ts); the views
// render it.

import { appendFileSync, existsSync, statSync } from 'node:fs';
import { isAbsolute, relative, resolve } from 'node:path';
import { UsageError, type CheckResult, type CompiledModel, type ModelDefinition, type PropertyResult } from '../../checker/index.js';
import { traceFileOf, type TraceFile } from '../../traces/format.js';
import { writeFileAtomic } from '../../traces/io.js';
import type { ShownTrace } from '../../traces/views/chart.js';
import { toHtml } from '../../traces/views/html.js';
import { toJunit } from '../../traces/views/junit.js';
import { githubAnnotations, githubSummary } from '../../traces/views/github.js';
import { toSarif } from '../../traces/views/sarif.js';
import type { Report, ReportCell, ReportRow } from '../../traces/views/report.js';
import { archOf, byArch, type CompareRow } from '../compare/compare.js';
import { STOP_TEXT } from '../format.js';
import { builtinModels } from '../registry.js';
import { VERSION } from '../../traces/version.js';

type OptionSpec = { type: 'string' | 'boolean' };

export const reportOptions: Record<string, OptionSpec> = {
  html: { type: 'string' },
  junit: { type: 'string' },
  sarif: { type: 'string' },
  github: { type: 'boolean' },
};

export const reportOptionDocs: Record<string, string> = {
  html: 'write a self-contained HTML report: the verdict table and a step-through explorer for each counterexample',
  junit: 'write JUnit XML: a test case per variant and property, a violation a failure with its counterexample',
  sarif: 'write SARIF 2.1.0 for code scanning: a result per variant and property, each counterexample a code flow',
  github: 'in GitHub Actions (GITHUB_ACTIONS set): annotations for violations, and the table and counterexamples in the job summary',
};

/** Refuse an output path that cannot be a file before any work is done. */
export function checkReportPaths(v: Record<string, unknown>): void {
  for (const opt of Object.keys(reportOptions)) {
    if (reportOptions[opt]!.type !== 'string') continue;
    const path = v[opt];
    if (typeof path !== 'string') continue;
    if (path === '') throw new UsageError(`--${opt}: no file name given`);
    if (existsSync(path) && statSync(path).isDirectory()) throw new UsageError(`--${opt}: ${path} is a folder, not a file`);
  }
}

/** Where a model came from, as trace files record it: a built-in name, or the file's absolute path. */
export function modelSource(ref: string, def: ModelDefinition): string {
  return builtinModels().get(ref)?.definition === def ? ref : resolve(ref);
}

function shownTrace(m: CompiledModel, def: ModelDefinition, source: string, p: PropertyResult): ShownTrace {
  return traceFileOf(m, { name: def.name, family: def.family, source }, p.trace!, VERSION, p.doc);
}

function rowOf(
  variant: string,
  def: ModelDefinition,
  source: string,
  m: CompiledModel,
  r: CheckResult,
  expected: CompareRow['expected'],
): ReportRow {
  const cells: ReportCell[] = r.properties.map((p) => {
    const e = expected?.[p.name];
    const differs =
      e && p.verdict !== 'unknown' && (e.verdict !== p.verdict || (e.steps !== undefined && p.trace !== undefined && p.trace.actions.length !== e.steps));
    return {
      property: p.name,
      kind: p.kind,
      doc: p.doc,
      verdict: p.verdict,
      ...(p.trace ? { trace: shownTrace(m, def, source, p) } : {}),
      ...(differs ? { expected: { verdict: e.verdict, ...(e.steps !== undefined ? { steps: e.steps } : {}) } } : {}),
    };
  });
  const isFile = isAbsolute(source);
  return {
    variant,
    ...(isFile ? { file: relative(process.cwd(), source) } : {}),
    cells,
    states: r.stats.distinct,
    seconds: r.stats.seconds,
    ...(!r.complete ? { incomplete: STOP_TEXT[r.stopReason ?? 'depth'] ?? 'stopped early' } : {}),
  };
}

export function reportFromCheck(ref: string, def: ModelDefinition, m: CompiledModel, r: CheckResult): Report {
  const source = modelSource(ref, def);
  return {
    title: `clockcheck check ${ref}`,
    params: r.params,
    writer: VERSION,
    createdAt: new Date().toISOString(),
    rows: [rowOf(m.name, def, source, m, r, undefined)],
  };
}

/** A comparison's report: with several architectures, a table each, every row with its architecture's parameters. */
export function reportFromCompare(rows: readonly CompareRow[]): Report {
  const models = builtinModels();
  const several = byArch(rows).length > 1;
  return {
    title: 'clockcheck compare',
    params: several ? {} : (rows[0]?.result.params ?? {}),
    writer: VERSION,
    createdAt: new Date().toISOString(),
    rows: rows.map((row) => {
      const r = rowOf(row.variant, models.get(row.variant)!.definition, row.variant, row.model, row.result, row.expected);
      return several ? { ...r, table: archOf(row.variant)!, params: row.result.params } : r;
    }),
  };
}

/** A saved trace as a one-cell report. */
export function reportFromTrace(t: TraceFile, file: string): Report {
  return {
    title: `clockcheck show ${file}`,
    params: t.params,
    writer: t.writer,
    createdAt: t.createdAt,
    rows: [
      {
        variant: t.variant,
        ...(isAbsolute(t.model.source) ? { file: relative(process.cwd(), t.model.source) } : {}),
        cells: [{ property: t.property.name, kind: t.property.kind, doc: t.property.doc, verdict: 'violated', trace: t }],
      },
    ],
  };
}

function write(opt: string, path: string, data: string): string {
  try {
    writeFileAtomic(path, data);
  } catch (e) {
    throw new UsageError(`--${opt}: cannot write ${path}: ${(e as Error).message}`);
  }
  return path;
}

/**
 * Write every report the options ask for and say so on stdout (nothing with
 * --json, whose stdout is the data). GitHub annotations go to stdout too, or
 * to stderr with --json: the runner reads workflow commands from both.
 */
export async function writeReports(report: Report, v: Record<string, unknown>): Promise<void> {
  const say = (line: string) => {
    if (!v.json) process.stdout.write(`${line}\n`);
  };
  if (typeof v.html === 'string') say(`report written: ${write('html', v.html, await toHtml(report))}`);
  if (typeof v.junit === 'string') say(`JUnit XML written: ${write('junit', v.junit, toJunit(report))}`);
  if (typeof v.sarif === 'string') say(`SARIF written: ${write('sarif', v.sarif, JSON.stringify(toSarif(report), null, 2) + '\n')}`);
  if (v.github === true) {
    if (process.env.GITHUB_ACTIONS !== 'true') {
      process.stderr.write('clockcheck: --github: GITHUB_ACTIONS is not set (not a GitHub Actions job): no annotations or job summary written\n');
      return;
    }
    const annotations = githubAnnotations(report).map((a) => `${a}\n`).join('');
    (v.json ? process.stderr : process.stdout).write(annotations);
    const summary = process.env.GITHUB_STEP_SUMMARY;
    if (!summary) {
      process.stderr.write('clockcheck: --github: GITHUB_STEP_SUMMARY is not set: no job summary written\n');
      return;
    }
    try {
      // Appended, not replaced: earlier commands of the step may have written to it.
      appendFileSync(summary, githubSummary(report));
    } catch (e) {
      throw new UsageError(`--github: cannot append the job summary to ${summary}: ${(e as Error).message}`);
    }
  }
}
