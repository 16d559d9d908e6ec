// A run's results as the report views take them: a table of variants by
// properties, each cell a verdict, each violation with its counterexample
// as a self-describing trace. The command line builds one from `check`,
// `compare` or a trace file; the HTML, JUnit, GitHub and SARIF views render it.

import type { PropertyKind, Verdict } from '../../checker/index.js';
import type { ShownTrace } from './chart.js';

export interface ReportCell {
  readonly property: string;
  readonly kind: PropertyKind;
  readonly doc: string;
  readonly verdict: Verdict;
  /** The counterexample, for a violated property. */
  readonly trace?: ShownTrace;
  /** The verdict recorded in specs/ for these parameters, when this one differs from it. */
  readonly expected?: { readonly verdict: Verdict; readonly steps?: number };
}

export interface ReportRow {
  /** The variant or model checked. */
  readonly variant: string;
  /** A model file's path (relative to where clockcheck ran), for annotations that point at it. */
  readonly file?: string;
  readonly cells: readonly ReportCell[];
  /** Distinct states and seconds of the search; absent for a report of a saved trace. */
  readonly states?: number;
  readonly seconds?: number;
  /** Why some verdicts are unknown, if the search stopped early. */
  readonly incomplete?: string;
  /** The table this row belongs to when a report has several (a KVM architecture: its own properties and parameters). */
  readonly table?: string;
  /** This row's parameters, when they are not the report's. */
  readonly params?: Readonly<Record<string, number>>;
}

export interface Report {
  /** `clockcheck compare`, `clockcheck check v3`, `clockcheck show FILE`. */
  readonly title: string;
  readonly params: Readonly<Record<string, number>>;
  /** clockcheck version. */
  readonly writer: string;
  readonly createdAt: string;
  readonly rows: readonly ReportRow[];
}

/** Property names in the order they first appear across the rows. */
export function reportColumns(r: Pick<Report, 'rows'>): string[] {
  const names: string[] = [];
  for (const row of r.rows) for (const c of row.cells) if (!names.includes(c.property)) names.push(c.property);
  return names;
}

/**
 * The report's tables: one of every row (named by nothing) unless rows name
 * their tables (`compare` of several architectures), then one per name in
 * the order they first come, each with its rows' parameters.
 */
export function reportTables(r: Report): { readonly name?: string; readonly params: Readonly<Record<string, number>>; readonly rows: readonly ReportRow[] }[] {
  if (!r.rows.some((row) => row.table !== undefined)) return [{ params: r.params, rows: r.rows }];
  const out: { name?: string; params: Readonly<Record<string, number>>; rows: ReportRow[] }[] = [];
  for (const row of r.rows) {
    let t = out.find((x) => x.name === row.table);
    if (!t) out.push((t = { ...(row.table !== undefined ? { name: row.table } : {}), params: row.params ?? r.params, rows: [] }));
    t.rows.push(row);
  }
  return out;
}

/** `v3/monoNoRewind`: the explorer's key; the permalink adds `/step`. */
export function traceKey(variant: string, property: string): string {
  return `${encodeURIComponent(variant)}/${encodeURIComponent(property)}`;
}

/** Every counterexample in table order. */
export function reportTraces(r: Report): { row: ReportRow; cell: ReportCell; trace: ShownTrace }[] {
  return r.rows.flatMap((row) => row.cells.flatMap((cell) => (cell.trace ? [{ row, cell, trace: cell.trace }] : [])));
}

/** `✓`, `✗ 13`, `✗ 4+4` (a lasso: prefix and loop), `?`: the cell as the terminal table shows it. */
export function cellText(c: ReportCell): string {
  const t = c.trace;
  const n = !t ? '' : t.loopStart !== null && t.loopStart !== undefined ? `${t.loopStart}+${t.actions.length - t.loopStart}` : `${t.actions.length}`;
  return c.verdict === 'holds' ? '✓' : c.verdict === 'violated' ? `✗ ${n}`.trim() : '?';
}

/** Why a cell differs from specs/, in words, or undefined when it does not. */
export function differsText(c: ReportCell): string | undefined {
  const e = c.expected;
  if (!e) return undefined;
  if (e.verdict !== c.verdict) return `specs/ records ${e.verdict}, this run says ${c.verdict}`;
  return `specs/ records a ${e.steps}-step counterexample, this run found ${c.trace?.actions.length}`;
}
