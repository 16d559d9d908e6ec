// Refreshes the counterexamples quoted in docs/findings.md from what the tool
// prints today, so the document cannot drift from the model. Each quote is
// delimited by markers naming the run that produced it:
//
//   <!-- trace: compare --variants v3 --param canFail=0 :: monoNoJump -->
//   ```
//   (replaced by the "Counterexample for monoNoJump" block of that run)
//   ```
//   <!-- /trace -->
//
// The tables between <!-- name --> and <!-- /name --> markers are rebuilt
// too: the verdicts at the defaults (x86-defaults, arm64-defaults) and every
// design against each premise (premise-matrix, a few minutes).
//
// Usage: node bin/run-ts.js docs/refresh-findings.ts [--check] [--no-matrix]
// --check rewrites nothing and exits 1 when a quote differs from the run.

import { execFileSync } from 'node:child_process';
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { check as checkModel, compileModel } from '../checker/index.js';
import { kvmModels } from '../specs/kvm.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const docPath = join(root, 'docs', 'findings.md');
const check = process.argv.includes('--check');
const withMatrix = !process.argv.includes('--no-matrix');

const marker = /<!-- trace: (.+?) :: (\S+) -->\n[\s\S]*?<!-- \/trace -->/g;
const runs = new Map<string, string>();

function run(args: string): string {
  let out = runs.get(args);
  if (out === undefined) {
    try {
      out = execFileSync('node', ['bin/clockcheck.js', ...args.split(/\s+/), '--quiet', '--no-color'], { cwd: root, encoding: 'utf8', maxBuffer: 1 << 28 });
    } catch (e) {
      // compare exits 1 when a verdict differs from specs/ and check exits 1 on a violation: the output is still the output.
      const err = e as { stdout?: string; status?: number };
      if (err.status !== 1 || err.stdout === undefined) throw new Error(`clockcheck ${args}: exit ${err.status}`);
      out = err.stdout;
    }
    runs.set(args, out);
  }
  return out;
}

function counterexample(args: string, property: string): string {
  const lines = run(args).split('\n');
  const start = lines.findIndex((l) => l.startsWith(`Counterexample for ${property} (`));
  if (start < 0) throw new Error(`clockcheck ${args}: no counterexample for ${property}`);
  let end = start + 1;
  while (end < lines.length && !/^(Counterexample for |── |\s*$)/.test(lines[end]!)) end++;
  return lines.slice(start, end).join('\n');
}

process.on('uncaughtException', (e) => {
  console.error(`refresh-findings: ${e instanceof Error ? e.message : String(e)}`);
  process.exit(2);
});

// ---- the premise matrix -----------------------------------------------------

const matrixDesigns = ['baseline', 'v1', 'v3', 'v3-fixed', 'marc-userspace', 'marc-userspace-strong', 'guest-sync-strict', 'guest-sync-timeout', 'mutant-fix-under-kvm-lock'];
const matrixPremises: [string, Record<string, number>][] = [
  ['(defaults)', {}],
  ['hostTsc=1', { hostTsc: 1 }],
  ['hostTsc=2', { hostTsc: 2 }],
  ['sleepError=1', { sleepError: 1 }],
  ['tscGranularity=2', { tscGranularity: 2 }],
  ['guestClock=1', { guestClock: 1 }],
  ['guestClock=1 hostTsc=2', { guestClock: 1, hostTsc: 2 }],
  ['unstableTsc=1', { unstableTsc: 1 }],
  ['tscScaling=1', { tscScaling: 1 }],
  ['lateEnable=1', { lateEnable: 1 }],
  ['reboot=1', { reboot: 1 }],
  ['reboot=1 asyncPf=1', { reboot: 1, asyncPf: 1 }],
  ['migrate=1', { migrate: 1 }],
  ['vmIoctl=1', { vmIoctl: 1 }],
  ['vmmNotice=1', { vmmNotice: 1 }],
  ['vmmNotice=2', { vmmNotice: 2 }],
  ['vmmNotice=2 sleepError=1', { vmmNotice: 2, sleepError: 1 }],
  ['vmmNotice=2 hostTsc=2', { vmmNotice: 2, hostTsc: 2 }],
  ['vmmNotice=2 reboot=1', { vmmNotice: 2, reboot: 1 }],
  ['vcpus=1 suspends=3', { vcpus: 1, suspends: 3 }],
];
const short: Record<string, string> = {
  monoNoRewind: 'mNR', monoNoJump: 'mNJ', bootNoRewind: 'bNR', bootNotAhead: 'bNA', bootExact: 'bEx', bootCatchesUp: 'bCU',
  vcpuEventuallyEnters: 'vEE', lockOrder: 'lock', noSleepInAtomic: 'atomic', noWarn: 'warn', deadlock: 'dead',
};

function violations(design: string, params: Record<string, number>): Map<string, string> {
  const def = kvmModels.find((d) => d.name === design);
  if (!def) throw new Error(`no KVM design ${design}`);
  const r = checkModel(compileModel(def, params), { continueAfterViolation: true });
  const out = new Map<string, string>();
  for (const p of r.properties) {
    if (p.verdict === 'unknown') throw new Error(`${design} ${JSON.stringify(params)}: ${p.name} unknown`);
    if (p.verdict !== 'violated') continue;
    const t = p.trace!;
    out.set(p.name, t.loopStart !== undefined ? `${t.loopStart}+${t.actions.length - t.loopStart}` : `${t.actions.length}`);
  }
  return out;
}

/** The verdict table at the defaults, as `compare --md` prints it (without times). */
function defaultsTable(designs: readonly string[]): string {
  const rows: string[] = [];
  for (const [i, design] of designs.entries()) {
    const def = kvmModels.find((d) => d.name === design);
    if (!def) throw new Error(`no KVM design ${design}`);
    const r = checkModel(compileModel(def, {}), { continueAfterViolation: true });
    if (i === 0) {
      rows.push(`| variant | ${r.properties.map((p) => p.name).join(' | ')} | states |`);
      rows.push(`|---|${r.properties.map(() => ':-:').join('|')}|--:|`);
    }
    const cells = r.properties.map((p) => {
      if (p.verdict === 'holds') return '✓';
      if (p.verdict !== 'violated') return '?';
      const t = p.trace!;
      return t.loopStart !== undefined ? `✗ ${t.loopStart}+${t.actions.length - t.loopStart}` : `✗ ${t.actions.length}`;
    });
    rows.push(`| ${design} | ${cells.join(' | ')} | ${r.stats.distinct.toLocaleString('en-US')} |`);
  }
  return rows.join('\n');
}

const tables: Record<string, () => string> = {
  'premise-matrix': () => premiseMatrix(),
  'x86-defaults': () => defaultsTable(matrixDesigns),
  'arm64-defaults': () => defaultsTable(['arm64-baseline', 'arm64-v3', 'arm64-v3-ecv', 'arm64-userspace', 'arm64-stolen-time', 'arm64-guest-sync']),
};

function premiseMatrix(): string {
  const rows: string[] = [];
  rows.push(`| premise | ${matrixDesigns.join(' | ')} |`);
  rows.push(`|---|${matrixDesigns.map(() => '---').join('|')}|`);
  const defaults = new Map(matrixDesigns.map((d) => [d, violations(d, {})]));
  for (const [name, params] of matrixPremises) {
    const cells = matrixDesigns.map((d) => {
      const v = Object.keys(params).length === 0 ? defaults.get(d)! : violations(d, params);
      const base = defaults.get(d)!;
      const changed = [...new Set([...v.keys(), ...base.keys()])].some((k) => v.has(k) !== base.has(k));
      const text = v.size === 0 ? '·' : [...v].map(([k, n]) => `${short[k] ?? k} ${n}`).join(', ');
      return changed ? `**${text}**` : text;
    });
    rows.push(`| ${name} | ${cells.join(' | ')} |`);
  }
  rows.push('');
  rows.push(`(${Object.entries(short).map(([k, v]) => `${v}: ${k}`).join(', ')}.)`);
  return rows.join('\n');
}

const doc = readFileSync(docPath, 'utf8');
let stale = 0;
let withTable = doc;
for (const [name, make] of Object.entries(tables)) {
  if (name === 'premise-matrix' && !withMatrix) continue;
  withTable = withTable.replace(new RegExp(`<!-- ${name} -->\\n[\\s\\S]*?<!-- /${name} -->`), (whole) => {
    const fresh = `<!-- ${name} -->\n${make()}\n<!-- /${name} -->`;
    if (fresh !== whole) {
      stale++;
      if (check) console.error(`stale: the table ${name}`);
    }
    return fresh;
  });
}
const next = withTable.replace(marker, (whole, args: string, property: string) => {
  const fresh = `<!-- trace: ${args} :: ${property} -->\n\`\`\`\nclockcheck ${args}\n${counterexample(args, property)}\n\`\`\`\n<!-- /trace -->`;
  if (fresh !== whole) {
    stale++;
    if (check) console.error(`stale: ${args} :: ${property}`);
  }
  return fresh;
});
if (check) {
  console.log(stale === 0 ? `docs/findings.md: every quoted counterexample is current (${runs.size} runs)` : `docs/findings.md: ${stale} quoted counterexamples differ from the tool's output`);
  process.exit(stale === 0 ? 0 : 1);
}
if (next !== doc) {
  writeFileSync(docPath + '.tmp', next);
  renameSync(docPath + '.tmp', docPath);
}
console.log(`docs/findings.md: ${stale} of the quoted counterexamples refreshed (${runs.size} runs)`);
