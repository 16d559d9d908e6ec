// Regenerates traces/regressions/: the shortest counterexample of every
// property that baseline, v3 and each mutant violate, each at the parameters
// recorded in specs/configs.ts, and manifest.json with the outcome of
// replaying each file against its own variant and against v3-fixed.
//
//   npm run traces:refresh
//
// Run it after a deliberate change to the model, read the diff of
// manifest.json, and commit both.

import { mkdirSync, readdirSync, rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { check, compileModel } from '../checker/index.js';
import { configs } from '../specs/configs.js';
import { kvmModels } from '../specs/kvm.js';
import { traceFileOf } from './format.js';
import { traceFileName, writeFileAtomic, writeTraceFile } from './io.js';
import { replayTrace } from './replay.js';
import { VERSION } from '../cli/version.js';

export const REGRESSIONS = fileURLToPath(new URL('./regressions/', import.meta.url));

/** Which configurations feed the regression set. */
export const regressionConfigs = configs.filter(
  (c) =>
    c.name === 'baseline' ||
    c.name === 'v3' ||
    c.name === 'mutant-inject-cumulative' ||
    c.name.endsWith('/isolated') ||
    // The premises: each finding with its trace.
    (c.name.includes('/') && !c.variant.startsWith('v3-fixed') && Object.values(c.expect).some((e) => e.verdict === 'violated') && /one-suspend\/|three-suspends|strong\/|kvm-lock\/|sync-strict\//.test(c.name)),
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
  /** Replaying the same actions against v3-fixed. */
  readonly againstV3Fixed: 'holds' | 'reproduced' | 'diverged';
}

export function refresh(dir = REGRESSIONS): ManifestEntry[] {
  mkdirSync(dir, { recursive: true });
  for (const f of readdirSync(dir)) if (f.endsWith('.cctrace')) rmSync(join(dir, f));
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
      writeTraceFile(join(dir, file), t);
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
        againstV3Fixed: replayTrace(t, fixed, false).outcome.kind,
      });
    }
  }
  writeFileAtomic(join(dir, 'manifest.json'), JSON.stringify(entries, null, 2) + '\n');
  return entries;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const entries = refresh();
  console.log(`${entries.length} regression traces written to ${REGRESSIONS}`);
}
