// `clockcheck sweep`: designs x a parameter grid, one exhaustive check per
// cell, in one table; and what sweeps and comparisons share to run as
// shards (`--shard i/n`, one per CI machine) whose results files `merge`
// puts back together.

import { compileModel, resolveParams, safetyOnly, UsageError, type CheckOptions } from '../../checker/index.js';
import { builtinModels } from '../registry.js';
import { archOf, byArch, cellLabel, kvmVariantNames, rowMismatches, runCells, runCellsParallel, tableRow, type Cell, type CompareRow } from '../compare/compare.js';
import { shardOwns, type GridAxis, type Shard } from '../options.js';
import { RESULTS_FORMAT, RESULTS_VERSION, specCells, type RowsFile } from './results.js';
import type { Style } from '../format.js';

/** The search options that change verdicts, as a results file records them (workers and progress do not). */
export function verdictOptions(o: CheckOptions): Record<string, string | number | boolean> {
  return {
    strategy: o.strategy ?? 'bfs',
    exact: o.exact === true,
    symmetry: o.symmetry === true,
    ...(o.maxDepth !== undefined ? { maxDepth: o.maxDepth } : {}),
    ...(o.maxStates !== undefined ? { maxStates: o.maxStates } : {}),
    ...(o.maxSeconds !== undefined ? { maxSeconds: o.maxSeconds } : {}),
    ...(o.maxMemoryBytes !== undefined ? { maxMemoryBytes: o.maxMemoryBytes } : {}),
  };
}

/** Variants from `--variants` (default: every KVM design and mutant, of `--arch` if given), checked by name. */
export function parseVariants(raw: string | undefined, arch?: string): string[] {
  const variants = typeof raw === 'string' ? raw.split(',').map((x) => x.trim()).filter(Boolean) : kvmVariantNames(arch);
  if (variants.length === 0) throw new UsageError('--variants: no variant given');
  const known = kvmVariantNames();
  for (const v of variants) if (!known.includes(v)) throw new UsageError(`unknown variant '${v}' (variants: ${known.join(', ')})`);
  if (new Set(variants).size !== variants.length) throw new UsageError('--variants names a variant twice');
  if (arch !== undefined) {
    const other = variants.find((v) => archOf(v) !== arch);
    if (other) throw new UsageError(`variant '${other}' is not an ${arch} design (${arch}: ${kvmVariantNames(arch).join(', ')})`);
  }
  return variants;
}

/**
 * The specs of a comparison or sweep, one per architecture among the
 * variants (each architecture has its own parameters and properties, so its
 * own table). A results file holds one table: with `--shard` or `--json
 * FILE` the variants must be of one architecture.
 */
export function tableSpecs(
  variants: readonly string[],
  given: Readonly<Record<string, number>>,
  grid: readonly GridAxis[],
  opts: CheckOptions,
  oneOnly?: string,
): RowsFile['spec'][] {
  const groups = byArch(variants.map((variant) => ({ variant })));
  if (groups.length > 1 && oneOnly) {
    throw new UsageError(`${oneOnly}: a results file holds one architecture's table, and these variants are ${groups.map((g) => g.arch).join(' and ')}: choose one with --arch`);
  }
  if (groups.length > 1) {
    // A parameter of one architecture only would be refused by the other's models in their words; say which.
    for (const k of [...Object.keys(given), ...grid.map((a) => a.name)]) {
      const lacking = groups.filter((g) => !(k in builtinModels().get(g.items[0]!.variant)!.definition.params)).map((g) => g.arch);
      const having = groups.map((g) => g.arch).filter((a) => !lacking.includes(a));
      if (lacking.length && having.length) throw new UsageError(`parameter ${k} is ${having.join(', ')} only (${lacking.join(', ')} has none): choose the architecture with --arch ${having[0]}`);
    }
  }
  return groups.map((g) => tableSpec(g.items.map((x) => x.variant), given, grid, opts));
}

/** Check every cell of several specs (no shards), in threads when `workers` > 1: the rows of each spec, in order. */
export async function runSpecs(specs: readonly RowsFile['spec'][], opts: CheckOptions, workers: number, onStart?: (cell: Cell) => void): Promise<{ cells: number[]; rows: CompareRow[] }[]> {
  if (specs.length === 1) return [await runShard(specs[0]!, undefined, opts, workers, onStart)];
  // Every architecture's cells in one pool: a thread that finishes one table's cells takes the next table's.
  const all = specs.map((spec) => specCells(spec));
  const flat = all.flat();
  const rows = workers > 1 ? await runCellsParallel(flat, opts, workers, onStart) : runCells(flat, opts, onStart);
  let at = 0;
  return all.map((cells) => {
    const mine = rows.slice(at, at + cells.length);
    at += cells.length;
    return { cells: cells.map((_, k) => k), rows: mine };
  });
}

/**
 * The spec of a comparison (no grid) or a sweep: fixed parameters resolved
 * against the models (so that a default written out or left out is the same
 * run), and every cell checked for range before anything runs.
 */
export function tableSpec(variants: readonly string[], given: Readonly<Record<string, number>>, grid: readonly GridAxis[], opts: CheckOptions): RowsFile['spec'] {
  for (const a of grid) if (a.name in given) throw new UsageError(`parameter ${a.name} is both fixed (--param) and swept (--grid)`);
  const def = builtinModels().get(variants[0]!)!.definition;
  const swept = new Set(grid.map((a) => a.name));
  const params = Object.fromEntries(Object.entries(resolveParams(def, given)).filter(([k]) => !swept.has(k)));
  const spec = { variants, params, grid: grid.map((a) => ({ name: a.name, values: a.values })), options: verdictOptions(opts), cells: 0 };
  const cells = specCells(spec);
  for (const c of cells) resolveParams(builtinModels().get(c.variant)!.definition, c.params);
  checkDecidable(cells, opts);
  return { ...spec, cells: cells.length };
}

/**
 * A comparison or sweep checks every property of every cell, so an option
 * under which some cannot be decided (liveness, deadlock under stuttering:
 * they need the state graph of a one-thread BFS without symmetry) is
 * refused before anything runs, in words that fit these commands (they have
 * no --property to leave them out with).
 */
function checkDecidable(cells: readonly { variant: string; params: Readonly<Record<string, number>> }[], opts: CheckOptions): void {
  const option = opts.symmetry ? '--symmetry' : (opts.strategy ?? 'bfs') !== 'bfs' ? `--strategy ${opts.strategy}` : undefined;
  if (option === undefined) return;
  const seen = new Set<string>();
  for (const c of cells) {
    if (seen.has(c.variant)) continue;
    seen.add(c.variant);
    const m = compileModel(builtinModels().get(c.variant)!.definition, c.params);
    const safety = new Set(safetyOnly(m).properties.map((p) => p.name));
    const names = m.properties.filter((p) => !safety.has(p.name)).map((p) => (p.kind === 'deadlock' ? 'deadlock (with stuttering steps)' : p.name));
    if (names.length) {
      throw new UsageError(
        `${option} cannot decide ${names.join(', ')} (they need the state graph of a breadth-first search without symmetry), and compare and sweep check every property: leave ${option} out`,
      );
    }
  }
}

/** Check this shard's cells of a spec; with `workers` > 1 in threads. Returns the rows with their cell numbers. */
export async function runShard(
  spec: RowsFile['spec'],
  shard: Shard | undefined,
  opts: CheckOptions,
  workers: number,
  onStart?: (cell: Cell) => void,
): Promise<{ cells: number[]; rows: CompareRow[] }> {
  const all = specCells(spec);
  const cells = all.map((_, k) => k).filter((k) => shardOwns(shard, k));
  const mine = cells.map((k) => all[k]!);
  const rows = workers > 1 ? await runCellsParallel(mine, opts, workers, onStart) : runCells(mine, opts, onStart);
  return { cells, rows };
}

export function rowsFile(command: 'compare' | 'sweep', spec: RowsFile['spec'], shard: Shard | undefined, cells: readonly number[], rows: readonly CompareRow[]): RowsFile {
  return {
    format: RESULTS_FORMAT,
    version: RESULTS_VERSION,
    command,
    spec,
    shard: shard ?? { index: 1, count: 1 },
    rows: rows.map((r, i) => {
      const t = tableRow(r);
      return { cell: cells[i]!, ...t, mismatches: rowMismatches(t, cellLabel(t, spec.grid.map((a) => a.name))) };
    }),
  };
}

/** The head line of a sweep: the grid, the fixed parameters, and which shard this is. */
export function sweepHead(spec: RowsFile['spec'], shard: Shard | undefined, st: Style): string {
  const grid = spec.grid.map((a) => `${a.name}=${a.values.length > 1 ? `${a.values[0]}..${a.values.at(-1)}` : a.values[0]}`).join(' ');
  const fixed = Object.entries(spec.params).map(([k, v]) => `${k}=${v}`).join(' ');
  const part = shard && shard.count > 1 ? ` · shard ${shard.index}/${shard.count}` : '';
  const sym = spec.options.symmetry ? ' · symmetry: the states column counts orbits, one stored state each' : '';
  const arch = archOf(spec.variants[0]!);
  return st.bold('clockcheck sweep') + `${arch ? ` · ${arch}` : ''} · ${spec.variants.length} variant(s) x ${grid} (${spec.cells} cells)${part} · ${fixed}${sym}`;
}
