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

function perState(bytes: number, n: number): string {
  return n > 0 ? `${(bytes / n).toFixed(1)} B/state` : '-';
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

/** Split `items` (space-joined) into lines no wider than `width` visible characters. */
export function wrapItems(items: string[], width: number): string[] {
  const visible = (x: string) => x.replace(/\x1b\[[0-9;]*m/g, '').length;
  const lines: string[] = [];
  let cur = '';
  for (const it of items) {
    if (cur && visible(cur) + 1 + visible(it) > width) {
      lines.push(cur);
      cur = it;
    } else cur = cur ? `${cur} ${it}` : it;
  }
  if (cur) lines.push(cur);
  return lines.length ? lines : [''];
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

/** Why a search stopped, in words (the `incomplete:` line). */
export const STOP_TEXT: Record<string, string> = {
  violation: 'stopped at the first violation (use --continue for every verdict)',
  depth: 'stopped by the depth bound',
  states: 'stopped by --max-states',
  time: 'stopped by --max-seconds',
  memory: 'stopped by the memory budget (--max-memory)',
  interrupted: 'interrupted (SIGINT or SIGTERM)',
};

/** The fairness a liveness check assumed, in one line. */
export function fairnessLine(f: NonNullable<CheckResult['fairness']>): string {
  if (f.mode === 'none') return 'fairness: none (every infinite run counts)';
  if (f.mode === 'weak' || f.mode === 'strong') return `fairness: every action ${f.mode}ly fair`;
  const weak = f.actors.filter((a) => a.kind === 'weak').map((a) => a.name);
  const strong = f.actors.filter((a) => a.kind === 'strong').map((a) => a.name);
  const parts = [weak.length ? `weak: ${weak.join(', ')}` : '', strong.length ? `strong: ${strong.join(', ')}` : ''].filter(Boolean);
  return `fairness (the model's): ${parts.join('; ') || 'none declared'}`;
}

export function formatResult(m: CompiledModel, r: CheckResult, st: Style): string {
  const out: string[] = [];
  out.push(
    st.bold(`${r.model}`) +
      ` (${fmtParams(r.params)}) · ${r.strategy.toUpperCase()} · ${r.exact ? 'exact state storage' : '64-bit fingerprints'}${r.stats.unreduced ? ' · symmetry' : ''}`,
  );
  out.push('');
  out.push(
    table([
      [st.dim('property'), st.dim('kind'), st.dim('verdict'), st.dim('counterexample')],
      ...r.properties.map((p) => [
        p.name,
        p.kind,
        verdictText(p.verdict, st),
        p.trace ? (p.trace.loopStart === undefined ? `${p.trace.actions.length} steps` : `lasso ${p.trace.loopStart}+${p.trace.actions.length - p.trace.loopStart} steps`) : '',
      ]),
    ]),
  );
  out.push('');
  const s = r.stats;
  out.push(
    `  ${fmtInt(s.distinct)} distinct states, ${fmtInt(s.transitions)} transitions, depth ${s.depth}, ` +
      `${fmtSeconds(s.seconds)} (${fmtInt(s.statesPerSecond)} states/s)`,
  );
  if (s.unreduced) {
    out.push(
      `  symmetry reduction: these stand for ${fmtInt(s.unreduced.distinct)} states and ${fmtInt(s.unreduced.transitions)} transitions ` +
        `without it (${(s.unreduced.distinct / Math.max(1, s.distinct)).toFixed(2)}x fewer stored)`,
    );
  }
  // On disk (--spill), the visited set and parent records are there: the line below says what they took.
  const onDisk = s.spill !== undefined && s.spill.atStates !== null && s.spill.neededBytes === undefined;
  const stores = onDisk
    ? 'visited set and parent records on disk'
    : `visited set ${fmtBytes(s.visitedBytes)} (${perState(s.visitedBytes, s.distinct)}), parent records ${fmtBytes(s.parentBytes)} (${perState(s.parentBytes, s.distinct)})`;
  out.push(`  state ${s.stateBytes} B packed, ${stores}, peak frontier ${fmtInt(s.frontierPeak)}, peak RSS ${fmtBytes(s.peakRssBytes)}`);
  if (s.graphBytes !== undefined && s.edges !== undefined) {
    out.push(`  liveness graph ${fmtBytes(s.graphBytes)} (${fmtInt(s.edges)} edges, ${perState(s.graphBytes, s.distinct)})`);
  }
  if (s.spill) {
    const d = s.spill;
    out.push(
      d.atStates === null
        ? `  --spill: the search fit in the memory budget`
        : d.neededBytes !== undefined
          ? st.yellow(
              `  moved to disk at ${fmtInt(d.atStates)} states, but the budget leaves no room for the tables of the search on disk: --max-memory needs at least ${fmtBytes(d.neededBytes)} here`,
            )
          : `  moved to disk at ${fmtInt(d.atStates)} states: tables ${fmtBytes(d.tableBytes)} in memory, at most ${fmtBytes(d.diskPeakBytes)} on disk, ${fmtBytes(d.diskWrittenBytes)} written, ${fmtInt(d.merges)} level merges`,
    );
  }
  if (r.fairness) out.push(`  ${fairnessLine(r.fairness)}`);
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

export interface TraceFormat {
  /** Initial state as one line, observations only where a read happens. */
  readonly compact?: boolean;
}

/** The heading of a counterexample: its length, and for a lasso its prefix, loop, subject and fairness. */
export function traceHeading(kind: string, length: number, loopStart: number | undefined, subject: string | undefined, fairness: string | undefined): string {
  if (loopStart === undefined) return `${length} steps`;
  const loop = length - loopStart;
  const about = subject !== undefined ? `, for ${subject}` : '';
  const fair = fairness ? `, fair under '${fairness}'` : '';
  return loop === 0
    ? `lasso: ${loopStart} steps to a state with no step enabled, where the run stays${about}${fair}`
    : `lasso: ${loopStart} steps, then a loop of ${loop} repeated forever${about}${fair}`;
}

/** The marks of a lasso on step i of n: where the loop starts, and the step that goes back. */
export function loopMarks(i: number, n: number, loopStart: number | undefined): { start: boolean; back: boolean } {
  if (loopStart === undefined) return { start: false, back: false };
  return { start: i === loopStart, back: i === n && n > loopStart };
}

export function formatTrace(m: CompiledModel, p: PropertyResult, st: Style, f: TraceFormat = {}): string {
  const t = describeTrace(m, p.trace!);
  const lines: string[] = [];
  const tr = p.trace!;
  lines.push(
    st.bold(`Counterexample for ${p.name} (${p.kind}), ${traceHeading(p.kind, t.length, tr.loopStart, tr.subjectName, tr.fairness)}`) +
      (p.doc ? st.dim(` — ${p.doc}`) : ''),
  );
  const actionWidth = Math.max(...t.steps.map((s) => s.action.length));
  const width = Math.max(60, (process.stdout.columns ?? 140) - actionWidth - 12);
  for (const step of t.steps) {
    const last = step.index === t.steps.length - 1;
    const items: string[] = [];
    if (step.note) items.push(st.bold(step.note));
    if (f.compact && step.index === 0) items.push(st.dim('(initial state; clockcheck check shows every field)'));
    else items.push(...step.changes.map(([k, v]) => `${k}=${v}`));
    if (step.changes.length === 0) items.push(st.dim('(no change)'));
    const obs = Object.entries(step.observed).map(([k, v]) => `${k}=${v}`);
    if (obs.length && !(f.compact && !step.note)) items.push(st.dim(`[${obs.join(' ')}]`));
    const loop = loopMarks(step.index, t.length, t.loopStart);
    if (loop.start) items.push(st.yellow(t.loopStart === t.length ? '■ no step is enabled: the run stays here forever' : '↻ the loop starts here'));
    if (loop.back) items.push(st.yellow(`↺ back to step ${t.loopStart}, forever`));
    if (last && t.loopStart === undefined) items.push(st.red(`◀ ${p.kind === 'deadlock' ? 'deadlock' : `violates ${p.name}`}`));
    const body = wrapItems(items, width);
    const inLoop = t.loopStart !== undefined && step.index > t.loopStart;
    const marker = inLoop ? st.yellow('│') : ' ';
    const head = ` ${marker}${String(step.index).padStart(3)}  ${(last ? st.bold(step.action) : step.action) + ' '.repeat(actionWidth - step.action.length)}  `;
    lines.push(head + body[0]);
    for (const more of body.slice(1)) lines.push(' '.repeat(actionWidth + 9) + more);
  }
  return lines.join('\n');
}
