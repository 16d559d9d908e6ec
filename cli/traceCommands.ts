// replay and show: commands that work on saved trace files.

import { resolve } from 'node:path';
import { UsageError, type CompiledModel, type ModelDefinition, type PropertyResult } from '../checker/index.js';
import { fieldValue, TraceFileError, traceFileOf, type TraceFile } from '../traces/format.js';
import { readTraceFile, traceFileName, writeFileAtomic, writeTraceFile } from '../traces/io.js';
import { toItf } from '../traces/itf.js';
import { replayTrace } from '../traces/replay.js';
import { toSvg } from '../traces/views/chart.js';
import { toHtml } from '../traces/views/html.js';
import { reportFromTrace } from './reports/reports.js';
import { loopMarks, makeStyle, table, traceHeading, wrapItems, type Style } from './format.js';
import { VERSION } from '../traces/version.js';
import { builtinModels, resolveModel } from './registry.js';

/** Exit codes of `replay` (README). */
export const REPLAY_EXIT = { holds: 0, reproduced: 1, diverged: 5, badTrace: 6 } as const;

/** Write one trace file per violated property (of a check or a simulation); returns the paths written. */
export function saveTraces(dir: string, ref: string, def: ModelDefinition, m: CompiledModel, r: { readonly properties: readonly PropertyResult[] }): string[] {
  const source = builtinModels().get(ref)?.definition === def ? ref : resolve(ref);
  const paths: string[] = [];
  for (const p of r.properties) {
    if (!p.trace) continue;
    const t = traceFileOf(m, { name: def.name, family: def.family, source }, p.trace, VERSION, p.doc);
    const path = resolve(dir, traceFileName(t));
    try {
      writeTraceFile(path, t);
    } catch (e) {
      throw new UsageError(`cannot write trace ${path}: ${(e as Error).message}`);
    }
    paths.push(path);
  }
  return paths;
}

async function modelOfTrace(t: TraceFile): Promise<ModelDefinition> {
  try {
    return await resolveModel(t.model.source);
  } catch (e) {
    if (e instanceof UsageError) throw new TraceFileError(`the trace's model '${t.model.source}' cannot be loaded: ${e.message}`);
    throw e;
  }
}

export async function runReplay(file: string, variant: string | undefined, st: Style): Promise<{ code: number; text: string }> {
  const t = readTraceFile(file);
  const same = variant === undefined || variant === t.variant;
  const def = same ? await modelOfTrace(t) : await resolveModel(variant);
  const r = replayTrace(t, def, same);
  const loop = t.loopStart ?? undefined;
  const head = `${t.variant} → ${r.variant}: ${t.property.kind} ${t.property.name}, ${traceHeading(t.property.kind, t.actions.length, loop, t.subjectName ?? undefined, t.fairness ?? undefined)}`;
  const o = r.outcome;
  if (o.kind === 'reproduced') {
    if (loop !== undefined) {
      const what =
        loop === o.steps
          ? `the run stops in state ${loop}, where no step is enabled`
          : `the loop of steps ${loop + 1}..${o.steps} closes and repeats forever`;
      return { code: REPLAY_EXIT.reproduced, text: `${head}\n${st.red(`violation reproduced: ${what}, fairly, and ${t.property.name} fails on that run`)}` };
    }
    const where = o.step === o.steps ? `at the last step (${o.step})` : `at step ${o.step} of ${o.steps}`;
    return { code: REPLAY_EXIT.reproduced, text: `${head}\n${st.red(`violation reproduced: ${t.property.name} is violated ${where}`)}` };
  }
  if (o.kind === 'holds') {
    const because = o.reason ? `: ${o.reason}` : '';
    return {
      code: REPLAY_EXIT.holds,
      text: `${head}\n${st.green(`every step replays and ${t.property.name} holds on this trace${because}`)}${same ? ' (the model changed since the trace was written?)' : ` in ${r.variant}`}`,
    };
  }
  const lines = [`${head}`, st.yellow(`trace diverges at step ${o.step}: ${o.reason}`)];
  for (const f of o.fields) lines.push(`  ${f.path}: recorded ${String(f.recorded)}, replayed ${String(f.replayed)}`);
  return { code: REPLAY_EXIT.diverged, text: lines.join('\n') };
}

/** The trace as a table of steps: action, clocks, fields changed; the violating step marked. */
export function formatShow(t: TraceFile, st: Style): string {
  const keys: string[] = [];
  for (const o of t.observed) for (const [k, v] of Object.entries(o)) if (typeof v === 'number' && !keys.includes(k)) keys.push(k);
  const out: string[] = [];
  const loopStart = t.loopStart ?? undefined;
  out.push(
    st.bold(
      `${t.variant}: counterexample to ${t.property.kind} ${t.property.name}, ${traceHeading(t.property.kind, t.actions.length, loopStart, t.subjectName ?? undefined, t.fairness ?? undefined)}`,
    ),
  );
  if (t.property.doc) out.push(st.dim(`  ${t.property.doc}`));
  out.push(st.dim(`  ${Object.entries(t.params).map(([k, v]) => `${k}=${v}`).join(' ')} · written by clockcheck ${t.writer} on ${t.createdAt}`));
  out.push('');
  const fields = t.layout.fields;
  const rows: string[][] = [[st.dim('step'), st.dim('action'), ...keys.map((k) => st.dim(k)), st.dim('changed')]];
  const value = (s: Uint32Array, i: number) => String(fieldValue(fields[i]!, s));
  const width = Math.max(50, (process.stdout.columns ?? 160) - 30 - keys.length * 9);
  t.states.forEach((s, i) => {
    const last = i === t.states.length - 1;
    const changed =
      i === 0
        ? [st.dim('(initial state)')]
        : fields.map((f, k) => (value(s, k) !== value(t.states[i - 1]!, k) ? `${f.path}=${value(s, k)}` : '')).filter(Boolean);
    const note = t.notes[i] ? [st.bold(t.notes[i]!)] : [];
    const marks = loopMarks(i, t.actions.length, loopStart);
    const loopText = [
      ...(marks.start ? [st.yellow(loopStart === t.actions.length ? '■ no step is enabled: the run stays here forever' : '↻ the loop starts here')] : []),
      ...(marks.back ? [st.yellow(`↺ back to step ${loopStart}, forever`)] : []),
    ];
    const cells = wrapItems([...note, ...changed, ...loopText, ...(last && loopStart === undefined ? [st.red(`◀ violates ${t.property.name}`)] : [])], width);
    const action = i === 0 ? 'initial' : t.actions[i - 1]!.label;
    const inLoop = loopStart !== undefined && i > loopStart;
    rows.push([
      (inLoop ? '│' : ' ') + (last ? st.red(String(i)) : String(i)),
      last ? st.bold(st.red(action)) : action,
      ...keys.map((k) => (t.observed[i]![k] === undefined ? '' : String(t.observed[i]![k]))),
      cells[0]!,
    ]);
    for (const more of cells.slice(1)) rows.push(['', '', ...keys.map(() => ''), more]);
  });
  out.push(table(rows));
  return out.join('\n');
}

export async function runShow(file: string, v: Record<string, unknown>): Promise<string[]> {
  const t = readTraceFile(file);
  const wrote: string[] = [];
  const write = (path: string, data: string) => {
    try {
      writeFileAtomic(path, data);
    } catch (e) {
      throw new UsageError(`cannot write ${path}: ${(e as Error).message}`);
    }
    wrote.push(`wrote ${path}`);
  };
  if (typeof v.svg === 'string') write(v.svg, toSvg(t));
  if (typeof v.itf === 'string') write(v.itf, JSON.stringify(toItf(t), null, 2) + '\n');
  if (typeof v.html === 'string') write(v.html, await toHtml(reportFromTrace(t, file)));
  return wrote;
}

export { makeStyle };
