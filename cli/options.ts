// Option values shared by commands: parameters, sizes, strategies.

import { availableParallelism } from 'node:os';
import { UsageError } from '../checker/index.js';

/** `--param k=v` values (repeatable); `true`/`false` stand for 1/0. */
export function parseParams(list: readonly string[] | undefined): Record<string, number> {
  const out: Record<string, number> = {};
  for (const item of list ?? []) {
    for (const kv of item.split(',')) {
      const m = /^([A-Za-z_][A-Za-z0-9_]*)=(.+)$/.exec(kv.trim());
      if (!m) throw new UsageError(`--param expects name=value, got '${kv}'`);
      const raw = m[2]!;
      const v = raw === 'true' ? 1 : raw === 'false' ? 0 : /^-?\d+$/.test(raw) ? Number(raw) : NaN;
      if (!Number.isSafeInteger(v)) throw new UsageError(`--param ${m[1]}: '${raw}' is not an integer`);
      out[m[1]!] = v;
    }
  }
  return out;
}

/** `512M`, `2G`, `1.5g`, `100000` (bytes). */
export function parseBytes(opt: string, raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined;
  const m = /^(\d+(?:\.\d+)?)\s*([kKmMgGtT]?)i?[bB]?$/.exec(raw.trim());
  if (!m) throw new UsageError(`${opt}: '${raw}' is not a size (e.g. 512M, 2G)`);
  const unit = { '': 1, k: 2 ** 10, m: 2 ** 20, g: 2 ** 30, t: 2 ** 40 }[m[2]!.toLowerCase() as '' | 'k' | 'm' | 'g' | 't'];
  return Math.floor(Number(m[1]) * unit);
}

export function parseCount(opt: string, raw: string | undefined, min = 0): number | undefined {
  if (raw === undefined) return undefined;
  if (!/^\d+$/.test(raw) || Number(raw) < min) throw new UsageError(`${opt}: '${raw}' is not a whole number >= ${min}`);
  return Number(raw);
}

export function parseSeconds(opt: string, raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined;
  const v = Number(raw);
  if (!(v > 0)) throw new UsageError(`${opt}: '${raw}' is not a positive number of seconds`);
  return v;
}

export function parseChoice<T extends string>(opt: string, raw: string | undefined, choices: readonly T[], dflt: T): T {
  if (raw === undefined) return dflt;
  if (!(choices as readonly string[]).includes(raw)) throw new UsageError(`${opt}: '${raw}' is not one of ${choices.join(', ')}`);
  return raw as T;
}

/** `--workers`: a count from 1 to 64, or `auto` for one per core. */
export function parseWorkers(raw: string | undefined): number {
  if (raw === undefined) return 1;
  if (raw === 'auto') return availableParallelism();
  if (!/^\d+$/.test(raw) || Number(raw) < 1 || Number(raw) > 64) throw new UsageError(`--workers: '${raw}' is not 'auto' or a number from 1 to 64`);
  return Number(raw);
}

export interface Shard {
  /** 1-based, as written: shard 2/4 is the second of four. */
  readonly index: number;
  readonly count: number;
}

/** `--shard i/n`: this machine's part of n. */
export function parseShard(raw: string | undefined): Shard | undefined {
  if (raw === undefined) return undefined;
  const m = /^(\d+)\/(\d+)$/.exec(raw.trim());
  const index = Number(m?.[1]);
  const count = Number(m?.[2]);
  if (!m || !(count >= 1 && count <= 10000 && index >= 1 && index <= count)) {
    throw new UsageError(`--shard: '${raw}' is not i/n with 1 <= i <= n <= 10000 (e.g. 2/4)`);
  }
  return { index, count };
}

/** Cells are dealt to shards in turn (cell k to shard k mod n), so heavy neighbours land apart. */
export function shardOwns(shard: Shard | undefined, cell: number): boolean {
  return shard === undefined || cell % shard.count === shard.index - 1;
}

/** A parameter and the values a sweep takes it through, in order. */
export interface GridAxis {
  readonly name: string;
  readonly values: readonly number[];
}

/** `--grid vcpus=1..4,suspends=1..3` (repeatable): each parameter a range `a..b` or one value. */
export function parseGrid(list: readonly string[] | undefined): GridAxis[] {
  const axes: GridAxis[] = [];
  for (const item of list ?? []) {
    for (const part of item.split(',').map((x) => x.trim()).filter(Boolean)) {
      const m = /^([A-Za-z_][A-Za-z0-9_]*)=(-?\d+)(?:\.\.(-?\d+))?$/.exec(part);
      if (!m) throw new UsageError(`--grid expects name=a..b or name=value, got '${part}'`);
      const lo = Number(m[2]);
      const hi = m[3] === undefined ? lo : Number(m[3]);
      if (hi < lo) throw new UsageError(`--grid ${m[1]}: ${lo}..${hi} is empty`);
      if (hi - lo >= 1000) throw new UsageError(`--grid ${m[1]}: ${lo}..${hi} has more than 1000 values`);
      if (axes.some((a) => a.name === m[1])) throw new UsageError(`--grid names ${m[1]} twice`);
      axes.push({ name: m[1]!, values: Array.from({ length: hi - lo + 1 }, (_, k) => lo + k) });
    }
  }
  return axes;
}

/** Every point of the grid, the first parameter varying slowest. */
export function gridPoints(axes: readonly GridAxis[]): Record<string, number>[] {
  let points: Record<string, number>[] = [{}];
  for (const a of axes) points = points.flatMap((p) => a.values.map((v) => ({ ...p, [a.name]: v })));
  return points;
}

/** `--seed`: fast-check's seed, a 32-bit integer; by default one drawn from the clock, printed for replay. */
export function parseSeed(raw: string | undefined): number {
  if (raw === undefined) return (Date.now() ^ (Math.random() * 0x100000000)) | 0;
  if (!/^-?\d+$/.test(raw) || Number(raw) < -(2 ** 31) || Number(raw) >= 2 ** 31) {
    throw new UsageError(`--seed: '${raw}' is not an integer from -2147483648 to 2147483647`);
  }
  return Number(raw);
}
