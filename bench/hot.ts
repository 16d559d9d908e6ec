// `node bin/run-ts.js bench/hot.ts [design] [vcpus] [runs] [workers]`: the
// search alone, in one process, best of several runs, for measuring changes
// to the hot path without Node's start-up and the VM's run-to-run noise in
// one number. With workers > 1 it times checkParallel (worker start-up
// included, as a user would see it).
import { check, checkParallel, compileModel, selectProperties } from '../checker/index.js';
import { registryModule, resolveModel } from '../cli/registry.js';

const [design = 'v3', vcpus = '3', runs = '5', workers = '1'] = process.argv.slice(2);
const m = selectProperties(compileModel(await resolveModel(design), { vcpus: Number(vcpus) }), []);
const times: number[] = [];
let distinct = 0;
for (let i = 0; i < Number(runs); i++) {
  const r =
    Number(workers) > 1
      ? await checkParallel(m, { module: registryModule, export: 'resolveModel', args: [design] }, { workers: Number(workers) })
      : check(m);
  times.push(r.stats.seconds);
  distinct = r.stats.distinct;
}
times.sort((a, b) => a - b);
console.log(
  `${design} vcpus=${vcpus} workers=${workers}: ${distinct} states; best ${times[0]!.toFixed(3)} s, median ${times[times.length >> 1]!.toFixed(3)} s (${Math.round(distinct / times[0]!)} states/s)`,
);
