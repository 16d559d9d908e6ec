// The shared visited set under contention: threads that insert the same
// fingerprints at the same moment must store each exactly once.
import { describe, expect, it } from 'vitest';
import { Worker } from 'node:worker_threads';
import { rehash, SharedFingerprintSet, sharedTable } from './sharedset.js';

const fp = (k: number) => [Math.imul(k, 0x9e3779b1) >>> 0, ((k % 1000) * 4 + 2) >>> 0] as const;

function race(table: SharedArrayBuffer, ranges: [number, number][]): Promise<number[]> {
  const go = new SharedArrayBuffer(4);
  return Promise.all(
    ranges.map(
      ([from, to]) =>
        new Promise<number>((resolve, reject) => {
          const w = new Worker(new URL('./sharedset-race.js', import.meta.url), { workerData: { table, go, from, to, threads: ranges.length } });
          w.once('message', (n: number) => {
            resolve(n);
            void w.terminate();
          });
          w.once('error', reject);
        }),
    ),
  );
}

describe('SharedFingerprintSet', () => {
  it('three threads racing over overlapping ranges store the union once', async () => {
    const table = sharedTable(1 << 17);
    // 0..40000, 20000..60000, 0..60000: every fingerprint is wanted by two or three threads.
    const stored = await race(table, [
      [0, 40000],
      [20000, 60000],
      [0, 60000],
    ]);
    expect(stored.reduce((a, b) => a + b, 0)).toBe(60000);
    const set = new SharedFingerprintSet(table);
    const empty = new Uint32Array(0);
    for (let k = 0; k < 60000; k++) expect(set.get(empty, 0, ...fp(k))).toBe(0);
    expect(set.get(empty, 0, ...fp(60000))).toBe(-1);
    const slots = new Uint32Array(table);
    let used = 0;
    for (let i = 1; i < slots.length; i += 2) if (slots[i] !== 0) used++;
    expect(used).toBe(60000);
  });

  it('rehash keeps every fingerprint; a quota marks the set full', () => {
    const table = sharedTable(1024);
    const set = new SharedFingerprintSet(table);
    set.quota = 500;
    const empty = new Uint32Array(0);
    for (let k = 0; k < 500; k++) expect(set.insert(empty, 0, ...fp(k), 0)).toBe(-1);
    expect(set.full).toBe(true);
    expect(set.insert(empty, 0, ...fp(7), 0)).toBe(0);
    const grown = rehash(table, 4096);
    set.attach(grown);
    expect(set.bytes).toBe(4096 * 8);
    for (let k = 0; k < 500; k++) expect(set.get(empty, 0, ...fp(k))).toBe(0);
    expect(set.get(empty, 0, ...fp(500))).toBe(-1);
    expect(set.size).toBe(500);
  });
});
