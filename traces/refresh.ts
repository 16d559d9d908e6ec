// Regenerates traces/regressions/: the shortest counterexample of every
// property that baseline, v3 and each mutant violate, each at the parameters
// recorded in specs/configs.ts, the x86 premises' and every arm64 design's,
// and manifest.json with the outcome of replaying each file against its own
// variant and (x86) against v3-fixed. A file whose trace is unchanged is
// left as it was (its date too), so a refresh shows only what changed.
//
//   npm run traces:refresh
//
// Run it after a deliberate change to the model, read the diff of
// manifest.json, and commit both.

import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { check, compileModel } from '../checker/index.js';
import { configs } from '../specs/configs.js';
import { kvmArchOf, kvmModels } from '../specs/kvm.js';
import { encodeTrace, traceFileOf, type TraceFile } from './format.js';
import { readTraceFile, traceFileName, writeFileAtomic, writeTraceFile } from './io.js';
import { replayTrace } from './replay.js';
import { VERSION } from './version.js';

export const REGRESSIONS = fileURLToPath(new URL('./regressions/', import.meta.url));

const violates = (c: (typeof configs)[number]) => Object.values(c.expect).some((e) => e.verdict === 'violated');

/** Which configurations feed the regression set. */
export const regressionConfigs = configs.filter((c) =>
  kvmArchOf.get(c.variant) === 'arm64'
    ? // Every arm64 design at the defaults, and each configuration that decides a question of the thread.
      violates(c) && !/two-suspends|two-tick|failed-suspend/.test(c.name)
    : c.name === 'baseline' ||
      c.name === 'v3' ||
      c.name === 'mutant-inject-cumulative' ||
      c.name.endsWith('/isolated') ||
      // The premises: each finding with its trace.
      (c.name.includes('/') && !c.variant.startsWith('v3-fixed') && violates(c) && /one-suspend\/|three-suspends|strong\/|kvm-lock\/|sync-strict\//.test(c.name)),
);

export interface ManifestEntry {
  readonly file: string;
  readonly config: string;
  readonly variant: string;
  readonly property: string;
  readonly steps: number;
  /** A lasso's loop start (liveness), or absent. */
  readonly loopStart?: number;
  /** Replaying against its own variant. */
  readonly replay: 'reproduced';
  /** x86: replaying the same actions against v3-fixed. */
  readonly againstV3Fixed?: 'holds' | 'reproduced' | 'diverged';
}

/** The file as it is, if it holds the same trace (everything but the date it was written). */
function unchanged(path: string, t: TraceFile): boolean {
  if (!existsSync(path)) return false;
  const old = readTraceFile(path);
  const bytes = new Uint8Array(readFileSync(path));
  const again = encodeTrace({ ...t, createdAt: old.createdAt });
  return again.length === bytes.length && again.every((b, k) => b === bytes[k]);
}

export function refresh(dir = REGRESSIONS): ManifestEntry[] {
  mkdirSync(dir, { recursive: true });
  const before = new Set(readdirSync(dir).filter((f) => f.endsWith('.cctrace')));
  const byName = new Map(kvmModels.map((m) => [m.name, m]));
  const fixed = byName.get('v3-fixed')!;
  const entries: ManifestEntry[] = [];
  for (const c of regressionConfigs) {
    const def = byName.get(c.variant)!;
    const m = compileModel(def, c.params);
    const r = check(m, { continueAfterViolation: true });
    for (const p of r.properties) {
      if (!p.trace) continue;
      const t = traceFileOf(m, { name: def.name, family: def.family, source: def.name }, p.trace, VERSION, p.doc);
      const file = traceFileName(t).replace(/\.cctrace$/, `.${c.name.includes('/') ? c.name.split('/').slice(1).join('.') : 'default'}.cctrace`);
      if (!unchanged(join(dir, file), t)) writeTraceFile(join(dir, file), t);
      before.delete(file);
      const own = replayTrace(t, def, true).outcome.kind;
      if (own !== 'reproduced') throw new Error(`${file}: replays as ${own}`);
      entries.push({
        file,
        config: c.name,
        variant: c.variant,
        property: p.name,
        steps: p.trace.actions.length,
        ...(p.trace.loopStart !== undefined ? { loopStart: p.trace.loopStart } : {}),
        replay: 'reproduced',
        ...(kvmArchOf.get(c.variant) === 'x86' ? { againstV3Fixed: replayTrace(t, fixed, false).outcome.kind } : {}),
      });
    }
  }
  for (const f of before) rmSync(join(dir, f));
  writeFileAtomic(join(dir, 'manifest.json'), JSON.stringify(entries, null, 2) + '\n');
  return entries;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const entries = refresh();
  console.log(`${entries.length} regression traces written to ${REGRESSIONS}`);
}
