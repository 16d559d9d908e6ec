// The search that moves to disk (--spill) against the search in memory: the
// same counts, verdicts, counterexamples and coverage, wherever it moves
// and however small its tables are (so that they are cleared, candidate
// keys are written as runs and merged, and the visited runs compacted).
import { afterAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { check } from '../check.js';
import { compileModel, selectProperties, type CompiledModel } from '../model.js';
import type { CheckOptions, CheckResult } from '../result.js';
import { graphModel, graphSpec } from '../test-support/randomModel.js';
import { resultSummary as summary } from '../test-support/summary.js';
import { radixSort } from './radix.js';
import { builtinModels } from '../../cli/registry.js';

const dir = mkdtempSync(join(tmpdir(), 'clockcheck-spill-test-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function spilled(m: CompiledModel, opts: CheckOptions, t: NonNullable<CheckOptions['spillForTests']>): CheckResult {
  const r = check(m, { ...opts, spill: dir, maxMemoryBytes: 2 ** 40, spillForTests: t });
  // The search's folder inside the one given is gone.
  expect(readdirSync(dir)).toEqual([]);
  return r;
}

const tables = fc.record({
  atStates: fc.integer({ min: 0, max: 60 }),
  recent: fc.integer({ min: 1, max: 40 }),
  level: fc.integer({ min: 1, max: 40 }),
  keys: fc.integer({ min: 1, max: 40 }),
});

describe('radix sort', () => {
  it('sorts fingerprint records by (hi, lo), unsigned, keeping the order of equal ones', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.integer({ min: 0, max: 5 }), fc.integer({ min: 0, max: 5 })), { maxLength: 200 }), fc.constantFrom(2, 3, 5), (pairs, stride) => {
        // Spread the small values over the 32 bits so every digit matters.
        const spread = (v: number) => (v * 0x33333333) >>> 0;
        const a = new Uint32Array(pairs.length * stride);
        pairs.forEach(([h, l], i) => {
          a[i * stride] = spread(h);
          a[i * stride + 1] = spread(l);
          for (let j = 2; j < stride; j++) a[i * stride + j] = i;
        });
        const expected = pairs
          .map(([h, l], i) => [spread(h), spread(l), i] as const)
          .sort((x, y) => x[0] - y[0] || x[1] - y[1] || x[2] - y[2]);
        radixSort(a, pairs.length, stride, new Uint32Array(a.length));
        expect(Array.from({ length: pairs.length }, (_, i) => [a[i * stride]!, a[i * stride + 1]!, ...(stride > 2 ? [a[i * stride + 2]!] : [])])).toEqual(
          expected.map((e) => [e[0], e[1], ...(stride > 2 ? [e[2]] : [])]),
        );
      }),
      { numRuns: 300 },
    );
  });
});

describe('--spill: the search in memory, on random transition systems', () => {
  it('the same counts, verdicts, counterexamples and coverage, moved to disk at any point, with tables of a few entries', () => {
    fc.assert(
      fc.property(graphSpec, fc.boolean(), tables, (g, cont, t) => {
        const m = compileModel(graphModel(g));
        const opts: CheckOptions = { continueAfterViolation: cont };
        expect(summary(spilled(m, opts, t))).toEqual(summary(check(m, opts)));
      }),
      { numRuns: 300 },
    );
  });
});

describe('--spill: the KVM model', () => {
  const v3 = builtinModels().get('v3')!.definition;
  const m = selectProperties(compileModel(v3, { vcpus: 2, suspends: 1 }), ['monoNoRewind', 'monoNoJump', 'bootNoRewind', 'bootExact', 'lockOrder', 'noWarn']);
  const small = { recent: 700, level: 300, keys: 500 };
  it('v3 2x1, every state: moved to disk early, late, and at the start', () => {
    const opts: CheckOptions = { continueAfterViolation: true };
    const whole = summary(check(m, opts));
    for (const atStates of [0, 1500, 9000]) expect(summary(spilled(m, opts, { atStates, ...small }))).toEqual(whole);
  });

  it('v3 2x2 stopping at the first violation: the same counts at the stop', () => {
    const m2 = selectProperties(compileModel(v3, { vcpus: 2, suspends: 2 }), ['monoNoRewind', 'monoNoJump', 'bootExact', 'noWarn']);
    const whole = summary(check(m2, {}));
    expect(whole.stopReason).toBe('violation');
    expect(whole.complete).toBe(false);
    for (const atStates of [0, 2000, 20_000]) expect(summary(spilled(m2, {}, { atStates, ...small }))).toEqual(whole);
  });

  it('v3 2x1 with --symmetry: the same stored and unreduced counts', () => {
    const opts: CheckOptions = { continueAfterViolation: true, symmetry: true };
    expect(summary(spilled(m, opts, { atStates: 1000, ...small }))).toEqual(summary(check(m, opts)));
  });

  it('refuses in one line what it cannot do', () => {
    const all = compileModel(v3, { vcpus: 2, suspends: 1 });
    const o = { spill: dir, maxMemoryBytes: 2 ** 30 };
    expect(() => check(m, { spill: dir })).toThrow(/^--spill needs --max-memory/);
    expect(() => check(all, o)).toThrow(/bootCatchesUp, vcpuEventuallyEnters, deadlock \(with stuttering steps\) cannot be checked with --spill/);
    expect(() => check(m, { ...o, exact: true })).toThrow(/leave out --exact/);
    expect(() => check(m, { ...o, strategy: 'dfs' })).toThrow(/breadth-first search only/);
    expect(() => check(m, { ...o, maxDepth: 3 })).toThrow(/--max-depth/);
    expect(() => check(m, { ...o, maxStates: 3 })).toThrow(/--max-states/);
  });
});
