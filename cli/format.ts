// Human-readable output of results. Everything here only prints data that
// the engine returned.

import type { CheckResult, CompiledModel, PropertyResult } from '../checker/index.js';
import { describeTrace } from '../traces/describe.js';

export interface Style {
  bold(s: string): string;
  red(s: string): string;
  green(s: string): string;
  yellow(s: string): string;
  dim(s: string): string;
}

export function makeStyle(enabled: boolean): Style {
  const wrap = (code: number, close: number) => (s: string) => (enabled ? `\x1b[${code}m${s}\x1b[${close}m` : s);
  return { bold: wrap(1, 22), red: wrap(31, 39), green: wrap(32, 39), yellow: wrap(33, 39), dim: wrap(2, 22) };
}

export function fmtInt(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}

export function fmtBytes(n: number): string {
  if (n >= 2 ** 30) return `${(n / 2 ** 30).toFixed(1)} GiB`;
  if (n >= 2 ** 20) return `${(n / 2 ** 20).toFixed(1)} MiB`;
  if (n >= 2 ** 10) return `${(n / 2 ** 10).toFixed(1)} KiB`;
  return `${n} B`;
}

export function fmtSeconds(s: number): string {
  return s < 10 ? `${s.toFixed(2)} s` : `${s.toFixed(1)} s`;
}

export function fmtParams(p: Readonly<Record<string, number>>): string {
  const e = Object.entries(p);
  return e.length ? e.map(([k, v]) => `${k}=${v}`).join(' ') : 'no parameters';
}

/** Pads columns; `cells[r][c]` may contain ANSI codes, widths use visible length. */
export function table(rows: string[][], indent = '  '): string {
  const visible = (s: string) => s.replace(/\x1b\[[0-9;]*m/g, '').length;
  const widths: number[] = [];
  for (const r of rows) r.forEach((c, i) => (widths[i] = Math.max(widths[i] ?? 0, visible(c))));
  return rows
    .map((r) => indent + r.map((c, i) => (i === r.length - 1 ? c : c + ' '.repeat(widths[i]! - visible(c)))).join('  ').trimEnd())
    .join('\n');
}

export function verdictText(v: PropertyResult['verdict'], st: Style): string {
  return v === 'holds' ? st.green('holds') : v === 'violated' ? st.red(st.bold('VIOLATED')) : st.yellow('unknown');
}

const STOP_TEXT: Record<string, string> = {
  violation: 'stopped at the first violation (use --continue for every verdict)',
  depth: 'stopped by the depth bound',
  states: 'stopped by --max-states',
  time: 'stopped by --max-seconds',
  memory: 'stopped by the memory budget (--max-memory)',
};

export function formatResult(m: CompiledModel, r: CheckResult, st: Style): string {
  const out: string[] = [];
  out.push(
    st.bold(`${r.model}`) +
      ` (${fmtParams(r.params)}) · ${r.strategy.toUpperCase()} · ${r.exact ? 'exact state storage' : '64-bit fingerprints'}`,
  );
  out.push('');
  out.push(
    table([
      [st.dim('property'), st.dim('kind'), st.dim('verdict'), st.dim('counterexample')],
      ...r.properties.map((p) => [p.name, p.kind, verdictText(p.verdict, st), p.trace ? `${p.trace.actions.length} steps` : '']),
    ]),
  );
  out.push('');
  const s = r.stats;
  out.push(
    `  ${fmtInt(s.distinct)} distinct states, ${fmtInt(s.transitions)} transitions, depth ${s.depth}, ` +
      `${fmtSeconds(s.seconds)} (${fmtInt(s.statesPerSecond)} states/s)`,
  );
  out.push(
    `  state ${s.stateBytes} B packed, visited set ${fmtBytes(s.visitedBytes)}, peak frontier ${fmtInt(s.frontierPeak)}, peak RSS ${fmtBytes(s.peakRssBytes)}`,
  );
  if (!r.exact) out.push(`  fingerprint collision probability: ${r.collisionProbability.toExponential(1)} (optimistic estimate)`);
  if (!r.complete) out.push(st.yellow(`  incomplete: ${STOP_TEXT[r.stopReason ?? 'depth']}`));
  else if (r.stopReason === 'violation') out.push(st.dim(`  search ended at a violation with nothing left to explore`));
  const fired = r.coverage.filter((c) => c.count > 0).length;
  out.push(`  coverage: ${fired} of ${r.coverage.length} actions fired`);
  if (r.neverFired.length) {
    out.push(st.yellow(`  warning: never fired: ${r.neverFired.join(', ')}`));
  }
  for (const p of r.properties) {
    if (p.trace) {
      out.push('');
      out.push(formatTrace(m, p, st));
    }
  }
  return out.join('\n');
}

export function formatTrace(m: CompiledModel, p: PropertyResult, st: Style): string {
  const t = describeTrace(m, p.trace!);
  const lines: string[] = [];
  lines.push(st.bold(`Counterexample for ${p.name} (${p.kind}), ${t.length} steps`) + (p.doc ? st.dim(` — ${p.doc}`) : ''));
  const rows: string[][] = [];
  for (const step of t.steps) {
    const last = step.index === t.steps.length - 1;
    const changes = step.changes.map(([k, v]) => `${k}=${v}`).join(' ');
    const obs = Object.entries(step.observed)
      .map(([k, v]) => `${k}=${v}`)
      .join(' ');
    const mark = last ? st.red(` ◀ ${p.kind === 'deadlock' ? 'deadlock' : `violates ${p.name}`}`) : '';
    rows.push([
      String(step.index).padStart(3),
      last ? st.bold(step.action) : step.action,
      (changes || st.dim('(no change)')) + (obs ? st.dim(`  [${obs}]`) : '') + mark,
    ]);
  }
  lines.push(table(rows));
  return lines.join('\n');
}
