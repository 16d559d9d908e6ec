// `clockcheck merge`: the shards' results files back into the one table
// (and exit code) of the unsharded run.

import { resolve } from 'node:path';
import { noteWithRuns, UsageError } from '../../checker/index.js';
import { compareHead, formatTable, tableExitCode } from '../compare/compare.js';
import { fmtInt, fmtSeconds, table, type Style } from '../format.js';
import { gatherShards, RESULTS_FORMAT, RESULTS_VERSION, writeResults, type Merged, type RowsFile, type SimulationFile } from './results.js';
import { sweepHead } from './sweep.js';

export function runMerge(paths: readonly string[], json: string | undefined, st: Style): { code: number; text: string } {
  if (json !== undefined && json !== '-' && paths.some((p) => resolve(p) === resolve(json))) {
    throw new UsageError(`--json=${json} is one of the files to merge; write the merged results elsewhere`);
  }
  const merged = gatherShards(paths);
  const { doc, code, text } = merged.command === 'simulate' ? mergeSimulation(merged as Merged<SimulationFile>, st) : mergeRows(merged as Merged<RowsFile>, st);
  if (json === '-') return { code, text: JSON.stringify(doc, null, 2) };
  if (json !== undefined) writeResults(json, doc);
  return { code, text: json !== undefined ? `${text}\nmerged results written: ${json}` : text };
}

function mergeRows(m: Merged<RowsFile>, st: Style): { doc: RowsFile; code: number; text: string } {
  const rows = m.files.flatMap((f) => f.data.rows).sort((a, b) => a.cell - b.cell);
  const spec = m.spec as RowsFile['spec'];
  const gridKeys = spec.grid.map((a) => a.name);
  const head = m.command === 'compare' ? compareHead(rows, st) : sweepHead(spec, undefined, st);
  // Exactly the unsharded run's table: nothing says it was merged.
  const text = formatTable(rows, st, head, gridKeys);
  const doc: RowsFile = { format: RESULTS_FORMAT, version: RESULTS_VERSION, command: m.command as RowsFile['command'], spec, shard: { index: 1, count: 1 }, rows };
  return { doc, code: tableExitCode(rows), text };
}

function mergeSimulation(m: Merged<SimulationFile>, st: Style): { doc: SimulationFile; code: number; text: string } {
  const spec = m.spec as SimulationFile['spec'];
  const files = m.files.map((f) => f.data);
  // The unsharded run reports the lowest-numbered failing run: the lowest over the shards.
  let best: SimulationFile | undefined;
  for (const f of files) if (f.violation && (!best || f.violation.run < best.violation!.run)) best = f;
  const runsDone = files.reduce((a, f) => a + f.runsDone, 0);
  const steps = files.reduce((a, f) => a + f.steps, 0);
  const seconds = Math.max(...files.map((f) => f.seconds));
  // Without a violation each note counts one shard's runs; the merged run's is the sum. (A note
  // without a count, liveness's "no verdict", stays as it is.)
  const properties = (best ?? files[0]!).properties.map((p) =>
    best || p.verdict === 'violated' || p.note === null ? p : { ...p, note: noteWithRuns(p.note, runsDone) },
  );
  const doc: SimulationFile = {
    ...(best ?? files[0]!),
    shard: { index: 1, count: 1 },
    from: 0,
    to: spec.runs,
    runsDone,
    steps,
    seconds,
    stopReason: best ? 'violation' : files.some((f) => f.stopReason === 'time') ? 'time' : null,
    violation: best?.violation ?? null,
    properties,
    replay: best?.replay ?? null,
  };
  const out: string[] = [];
  out.push(
    st.bold(spec.model) +
      ` (${Object.entries(spec.params).map(([k, v]) => `${k}=${v}`).join(' ')}) · simulation, seed ${spec.seed} · ${fmtInt(spec.runs)} runs of up to ${spec.depth} steps${spec.swarm ? ' · swarm' : ''} · merged from ${m.count} shards`,
  );
  out.push('');
  out.push(
    table([
      [st.dim('property'), st.dim('kind'), st.dim('verdict'), st.dim('counterexample')],
      ...properties.map((p) => [
        p.name,
        p.kind,
        p.verdict === 'violated' ? st.red(st.bold('VIOLATED')) : st.yellow(p.verdict),
        p.verdict === 'violated' && best ? `${best.violation!.steps} steps` : st.dim(p.note ?? ''),
      ]),
    ]),
  );
  out.push('');
  const v = best?.violation;
  if (v) {
    const shard = best!.shard;
    out.push(`  ${v.property} violated in run ${v.run} (shard ${shard.index}/${shard.count}), at step ${v.foundSteps} of its walk; shrunk to ${v.steps} steps`);
    out.push(`  fast-check: seed ${spec.seed}, path "${v.path}"`);
    if (best!.replay) out.push(`  replay: ${best!.replay}`);
  } else {
    out.push(st.green(`  no violation found in ${fmtInt(runsDone)} runs of up to ${spec.depth} steps`) + (doc.stopReason === 'time' ? st.yellow(' (a shard was stopped by --max-seconds)') : ''));
  }
  out.push(`  ${fmtInt(runsDone)} runs, ${fmtInt(steps)} steps over ${m.count} shards (the slowest took ${fmtSeconds(seconds)})`);
  out.push(st.dim('  simulation cannot show that a property holds: a property no walk violated stays unknown'));
  const trace = best?.properties.find((p) => p.verdict === 'violated')?.trace as { steps?: { index: number; action: string; note?: string }[] } | null | undefined;
  if (trace?.steps) {
    out.push('');
    out.push(st.bold(`Counterexample for ${v!.property}, ${v!.steps} steps`) + st.dim(' (the shard wrote it; replay shows every field)'));
    for (const s of trace.steps) out.push(`  ${String(s.index).padStart(3)}  ${s.action}${s.note ? `  ${s.note}` : ''}`);
  }
  return { doc, code: best ? 1 : 0, text: out.join('\n') };
}
