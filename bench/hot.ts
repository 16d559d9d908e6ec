// `node bin/run-ts.js bench/hot.ts [design] [vcpus] [runs]`: the search alone,
// in one process, best of several runs, for measuring changes to the hot path
// without Node's start-up and the VM's run-to-run noise in one number.
import { check, compileModel, selectProperties } from '../checker/index.js';
import { resolveModel } from '../cli/registry.js';

const [design = 'v3', vcpus = '3', runs = '5'] = process.argv.slice(2);
const m = selectProperties(compileModel(await resolveModel(design), { vcpus: Number(vcpus) }), []);
const times: number[] = [];
let distinct = 0;
for (let i = 0; i < Number(runs); i++) {
  const r = check(m);
  times.push(r.stats.seconds);
  distinct = r.stats.distinct;
}
times.sort((a, b) => a - b);
console.log(`${design} vcpus=${vcpus}: ${distinct} states; best ${times[0]!.toFixed(3)} s, median ${times[times.length >> 1]!.toFixed(3)} s (${Math.round(distinct / times[0]!)} states/s)`);
