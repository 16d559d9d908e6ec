// `node bin/run-ts.js bench/hot.ts [design] [vcpus] [runs] [workers] [symmetry] [k=v ...]`:
// the search alone, in one process, best of several runs, for measuring
// changes to the hot path without Node's start-up and the VM's run-to-run
// noise in one number. With workers > 1 it times checkParallel (worker
// start-up included, as a user would see it). `symmetry` (the word) turns
// on symmetry reduction; k=v sets other model parameters (suspends=3).
import { check, checkParallel, compileModel, selectProperties } from '../checker/index.js';
import { registryModule, resolveModel } from '../cli/registry.js';

const [design = 'v3', vcpus = '3', runs = '5', workers = '1', ...rest] = process.argv.slice(2);
const symmetry = rest.includes('symmetry');
const params: Record<string, number> = { vcpus: Number(vcpus) };
for (const kv of rest.filter((a) => a.includes('='))) {
  const [k, v] = kv.split('=');
  params[k!] = Number(v);
}
const m = selectProperties(compileModel(await resolveModel(design), params), []);
const times: number[] = [];
let distinct = 0;
for (let i = 0; i < Number(runs); i++) {
  const r =
    Number(workers) > 1
      ? await checkParallel(m, { module: registryModule, export: 'resolveModel', args: [design] }, { workers: Number(workers), symmetry })
      : check(m, { symmetry });
  times.push(r.stats.seconds);
  distinct = r.stats.distinct;
}
times.sort((a, b) => a - b);
console.log(
  `${design} ${Object.entries(params).map(([k, v]) => `${k}=${v}`).join(' ')} workers=${workers}${symmetry ? ' symmetry' : ''}: ${distinct} states; best ${times[0]!.toFixed(3)} s, median ${times[times.length >> 1]!.toFixed(3)} s (${Math.round(distinct / times[0]!)} states/s)`,
);
