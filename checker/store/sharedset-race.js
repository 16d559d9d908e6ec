// Test helper for sharedset.test.ts: a thread that inserts a range of
// fingerprints into a shared table and reports how many it stored.
import { register } from 'tsx/esm/api';
import { parentPort, workerData } from 'node:worker_threads';

register();
const { SharedFingerprintSet } = await import('./sharedset.ts');
const set = new SharedFingerprintSet(workerData.table);
set.quota = Infinity;
const go = new Int32Array(workerData.go);
// Start together, so that both threads race for the same slots.
Atomics.add(go, 0, 1);
while (Atomics.load(go, 0) < workerData.threads);
let stored = 0;
for (let k = workerData.from; k < workerData.to; k++) {
  const hi = Math.imul(k, 0x9e3779b1) >>> 0;
  const lo = ((k % 1000) * 4 + 2) >>> 0; // few distinct low halves: long probe runs
  if (set.insert(null, 0, hi, lo, 0) === -1) stored++;
}
parentPort.postMessage(stored);
