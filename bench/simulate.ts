// The simulation section of `npm run bench` (also on its own:
// `node bin/run-ts.js bench/simulate.ts [--seeds 3] [--budget 20] [--bfs-budget 30]`).
//
// For each property v3 violates that a walk can decide (the safety ones:
// monoNoRewind, monoNoJump, bootNoRewind; the liveness ones, bootCatchesUp
// and vcpuEventuallyEnters, get no verdict from simulation and are left to
// exhaustive search), at 2 vCPUs x 2 suspends (where BFS finds
// everything), 4 x 3 and 8 x 6: the time random simulation takes to its
// first violation, uniform against swarm, over several seeds (median, and
// how many seeds found one within the budget); the length of the
// counterexample as found, after fast-check's shrinking and after the
// post-pass, against BFS's shortest; and the time BFS takes to the same
// property (one engine, stopping at its first violation, within a budget).
// One thread; figures only, nothing asserted.

import { parseArgs } from 'node:util';
import { availableParallelism } from 'node:os';
import { check, compileModel, selectProperties, simulate, walkJudges, type SimulationResult } from '../checker/index.js';
import { kvmModels } from '../specs/kvm.js';
import { configs } from '../specs/configs.js';

const { values: opt } = parseArgs({
  options: {
    seeds: { type: 'string', default: '3' },
    budget: { type: 'string', default: '20' },
    'bfs-budget': { type: 'string', default: '30' },
    depth: { type: 'string', default: '100' },
    sizes: { type: 'string', default: '2x2,4x3,8x6' },
  },
});
const seeds = Number(opt.seeds);
const budget = Number(opt.budget);
const bfsBudget = Number(opt['bfs-budget']);
const depth = Number(opt.depth);
const sizes = opt.sizes!.split(',').map((s) => s.split('x').map(Number) as [number, number]);

const v3 = kvmModels.find((m) => m.name === 'v3')!;
const expected = configs.find((c) => c.name === 'v3')!.expect;
const compiled = compileModel(v3, {});
const violatedByV3 = Object.entries(expected)
  .filter(([, e]) => e.verdict === 'violated')
  .map(([p]) => p);
const judged = (p: string) => walkJudges(compiled, compiled.properties.find((q) => q.name === p)!) === 'all';
const properties = violatedByV3.filter(judged);
const leftOut = violatedByV3.filter((p) => !judged(p));

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? NaN : s.length % 2 ? s[s.length >> 1]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};
const secs = (x: number) => (Number.isNaN(x) ? '-' : x < 10 ? x.toFixed(2) : x.toFixed(1));

// Rows print as they finish (the section takes minutes), so widths are fixed.
const WIDTHS = [4, 13, 6, 7, 7, 5, 6, 14, 7, 5, 6, 14, 8];
const line = (cells: string[]) => console.log('  ' + cells.map((c, i) => (i < 2 ? c.padEnd(WIDTHS[i]!) : c.padStart(WIDTHS[i]!))).join('  ').trimEnd());

interface Sim {
  found: number;
  time: number;
  runs: number;
  walk: number;
  shrunk: number;
  steps: number;
  shrinkTime: number;
}

function simulateSeeds(vcpus: number, suspends: number, property: string, swarm: boolean): Sim {
  const m = selectProperties(compileModel(v3, { vcpus, suspends }), [property]);
  const rs: SimulationResult[] = [];
  for (let seed = 1; seed <= seeds; seed++) rs.push(simulate(m, { seed, runs: 2 ** 31 - 1, depth, swarm, maxSeconds: budget }));
  const hits = rs.filter((r) => r.violation).map((r) => r.violation!);
  return {
    found: hits.length,
    time: median(hits.map((v) => v.foundSeconds)),
    runs: median(hits.map((v) => v.run + 1)),
    walk: median(hits.map((v) => v.foundSteps)),
    shrunk: median(hits.map((v) => v.shrunkSteps)),
    steps: median(hits.map((v) => v.steps)),
    shrinkTime: median(hits.map((v) => v.shrinkSeconds)),
  };
}

function bfs(vcpus: number, suspends: number, property: string): { seconds: number; steps: number | undefined; done: boolean } {
  const m = selectProperties(compileModel(v3, { vcpus, suspends }), [property]);
  const r = check(m, { maxSeconds: bfsBudget, maxMemoryBytes: 3 * 2 ** 30 });
  const p = r.properties[0]!;
  return { seconds: r.stats.seconds, steps: p.trace?.actions.length, done: p.verdict === 'violated' };
}

console.log(
  `simulation: v3, time to the first violation of each property (one thread, depth ${depth}, median of ${seeds} seeds, ` +
    `at most ${budget} s per seed; BFS at most ${bfsBudget} s); ${availableParallelism()} cores, Node ${process.version}`,
);
console.log('  found: seeds that found it; runs: walks up to and with the failing one; length: as found > fast-check shrink > post-pass (BFS: shortest)');
if (leftOut.length) console.log(`  not here: ${leftOut.join(', ')} (liveness: simulation gives no verdict; exhaustive search decides them)`);
console.log('');
// Warm the JIT up so that the first row does not pay for it.
simulate(compileModel(v3, {}), { seed: 0, runs: 200, depth, swarm: false });

line(['', '', 'BFS', '', 'uniform', '', '', '', 'swarm', '', '', '', '']);
line(['size', 'property', 's', 'length', 'found', 's', 'runs', 'length', 'found', 's', 'runs', 'length', 'shrink s']);
for (const [vcpus, suspends] of sizes) {
  for (const p of properties) {
    const b = bfs(vcpus, suspends, p);
    const u = simulateSeeds(vcpus, suspends, p, false);
    const s = simulateSeeds(vcpus, suspends, p, true);
    const len = (x: Sim) => (x.found ? `${x.walk} > ${x.shrunk} > ${x.steps}` : '-');
    line([
      `${vcpus}x${suspends}`,
      p,
      b.done ? secs(b.seconds) : `>${secs(b.seconds)}`,
      b.steps !== undefined ? String(b.steps) : '-',
      `${u.found}/${seeds}`,
      secs(u.time),
      Number.isNaN(u.runs) ? '-' : String(Math.round(u.runs)),
      len(u),
      `${s.found}/${seeds}`,
      secs(s.time),
      Number.isNaN(s.runs) ? '-' : String(Math.round(s.runs)),
      len(s),
      secs(median([u.shrinkTime, s.shrinkTime].filter((x) => !Number.isNaN(x)))),
    ]);
  }
}
