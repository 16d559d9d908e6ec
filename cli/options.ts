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
