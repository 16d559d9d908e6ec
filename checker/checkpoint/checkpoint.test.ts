// Checkpoints: a search stopped at any point between two expansions,
// written out, read back and run on gives what the uninterrupted search
// gives: counts, verdicts, the very counterexamples, the liveness lassos.
import { afterAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { mkdtempSync, readdirSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { check, CheckSession } from '../check.js';
import { compileModel, selectProperties, type CompiledModel, type FairnessMode } from '../model.js';
import type { CheckOptions, CheckResult } from '../result.js';
import { graphModel, graphSpec } from '../test-support/randomModel.js';
import { liveModel, liveSpec } from '../test-support/naiveLiveness.js';
import { Checkpointer, checkpointIdentity, resumeSession } from './checkpoint.js';
import { builtinModels } from '../../cli/registry.js';

const root = mkdtempSync(join(tmpdir(), 'clockcheck-ckpt-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let dirs = 0;
const freshDir = () => join(root, `d${dirs++}`);

/** Everything a resumed run must reproduce. */
function summary(r: CheckResult) {
  return {
    complete: r.complete,
    stopReason: r.stopReason ?? null,
    distinct: r.stats.distinct,
    transitions: r.stats.transitions,
    depth: r.stats.depth,
    edges: r.stats.edges ?? null,
    unreduced: r.stats.unreduced ?? null,
    coverage: r.coverage.map((c) => c.count),
    properties: r.properties.map((p) => ({
      name: p.name,
      verdict: p.verdict,
      trace: p.trace ? { init: p.trace.initIndex, actions: p.trace.actions.map((a) => a.label), loopStart: p.trace.loopStart ?? null } : null,
    })),
  };
}

/** Run with a checkpoint and a resume after each of `pauses` expansions (counted from where the previous session stood). */
function resumedRun(m: CompiledModel, opts: CheckOptions, pauses: readonly number[]): CheckResult {
  const dir = freshDir();
  const id = checkpointIdentity(m, opts);
  let s = new CheckSession(m, opts);
  let written = 0;
  for (const k of pauses) {
    s.run(k);
    if (s.finished) break;
    new Checkpointer(dir, written++ > 0).write(s, id);
    s = resumeSession(dir, m, opts).session;
  }
  s.run();
  // One manifest and one data file: each checkpoint replaced the one before it.
  if (written) expect(readdirSync(dir).map((f) => f.replace(/\d+/, 'N')).sort()).toEqual(['data-N.bin', 'manifest.json']);
  return s.result();
}

const pauses = fc.array(fc.integer({ min: 0, max: 40 }), { minLength: 1, maxLength: 3 });

describe('checkpoint and resume: the uninterrupted run, on random transition systems', () => {
  it('safety: the same counts, verdicts and counterexamples (fingerprints or --exact, --continue or not, a depth bound or none)', () => {
    fc.assert(
      fc.property(
        graphSpec,
        fc.record({ exact: fc.boolean(), continueAfterViolation: fc.boolean(), maxDepth: fc.option(fc.integer({ min: 0, max: 8 }), { nil: undefined }) }),
        pauses,
        (g, o, ps) => {
          const opts: CheckOptions = { exact: o.exact, continueAfterViolation: o.continueAfterViolation, ...(o.maxDepth !== undefined ? { maxDepth: o.maxDepth } : {}) };
          const m = compileModel(graphModel(g));
          expect(summary(resumedRun(m, opts, ps))).toEqual(summary(check(m, opts)));
        },
      ),
      { numRuns: 200 },
    );
  });

  it('liveness: the recorded graph is restored, so the same lassos (and deadlock under stuttering) are found', () => {
    fc.assert(
      fc.property(
        liveSpec,
        fc.constantFrom<FairnessMode>('none', 'model', 'weak', 'strong'),
        fc.subarray(['a0', 'a1', 'a2', 'free']),
        fc.boolean(),
        pauses,
        (g, fairness, stutter, withDeadlock, ps) => {
          const base = compileModel(liveModel(g));
          const m: CompiledModel = withDeadlock
            ? {
                ...base,
                checkDeadlock: true,
                properties: [...base.properties, { name: 'deadlock', kind: 'deadlock', doc: '' }],
                stutterFamilies: Uint8Array.from(base.instances, (i) => (stutter.includes(i.family) ? 1 : 0)),
                stutterStep: undefined,
                legalEnd: (s: any) => s.node === 0,
              }
            : base;
          const opts: CheckOptions = { fairness, continueAfterViolation: true };
          expect(summary(resumedRun(m, opts, ps))).toEqual(summary(check(m, opts)));
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('checkpoint and resume: the KVM model', () => {
  const v3 = builtinModels().get('v3')!.definition;
  it('v3 2x1, every property (liveness and deadlock under stuttering on the recorded graph), several resumes mid-level', () => {
    const m = compileModel(v3, { vcpus: 2, suspends: 1 });
    const opts: CheckOptions = { continueAfterViolation: true };
    const whole = check(m, opts);
    expect(summary(resumedRun(m, opts, [1, 2500, 7000, 1]))).toEqual(summary(whole));
  });

  it('v3 2x1 with --symmetry and --exact, safety only', () => {
    const m = selectProperties(compileModel(v3, { vcpus: 2, suspends: 1 }), ['monoNoRewind', 'monoNoJump', 'bootExact', 'lockOrder']);
    for (const opts of [{ symmetry: true, continueAfterViolation: true }, { exact: true, continueAfterViolation: true }] as CheckOptions[]) {
      expect(summary(resumedRun(m, opts, [3000, 3000]))).toEqual(summary(check(m, opts)));
    }
  });
});

describe('refusals', () => {
  const v3 = builtinModels().get('v3')!.definition;
  const m = compileModel(v3, { vcpus: 2, suspends: 1 });
  const opts: CheckOptions = { continueAfterViolation: true };
  const dir = freshDir();
  const s = new CheckSession(m, opts);
  s.run(2000);
  new Checkpointer(dir).write(s, checkpointIdentity(m, opts));
  const files = () => Object.fromEntries(readdirSync(dir).map((f) => [f, readFileSync(join(dir, f), 'latin1')]));
  const before = files();

  it.each([
    ['another model', () => compileModel(builtinModels().get('baseline')!.definition, { vcpus: 2, suspends: 1 }), opts, /it is a checkpoint of model v3, not baseline/],
    ['another parameter', () => compileModel(v3, { vcpus: 2, suspends: 2 }), opts, /taken with --param suspends=1, this run has suspends=2/],
    ['other properties', () => selectProperties(m, ['monoNoJump']), opts, /checks --property monoNoRewind,.*, this run checks monoNoJump/],
    ['other options', () => m, { ...opts, exact: true }, /taken without --exact, this run is with it/],
    ['without --continue', () => m, {}, /taken with --continue, this run is without it/],
  ] as const)('%s: refused in one line, the folder untouched', (_what, model, o, message) => {
    expect(() => resumeSession(dir, model(), o)).toThrow(message);
    expect(files()).toEqual(before);
  });

  it('another format version, a manifest cut short, a data file cut short or changed: refused, the folder untouched', () => {
    const manifest = join(dir, 'manifest.json');
    const text = readFileSync(manifest, 'utf8');
    const data = join(dir, JSON.parse(text).data);
    const bytes = new Uint8Array(readFileSync(data));
    const tryIt = (change: () => void, message: RegExp) => {
      change();
      const changed = files();
      expect(() => resumeSession(dir, m, opts)).toThrow(message);
      expect(files()).toEqual(changed);
      writeFileSync(manifest, text);
      writeFileSync(data, bytes);
    };
    tryIt(() => writeFileSync(manifest, text.replace('"format": 1', '"format": 99')), /in format 99, this clockcheck reads format 1/);
    tryIt(() => writeFileSync(manifest, text.slice(0, 200)), /manifest.json is not valid JSON/);
    tryIt(() => writeFileSync(manifest, text.replace('clockcheck checkpoint', 'something else')), /bad magic/);
    tryIt(() => truncateSync(data, bytes.length - 100), /is \d+ bytes, the manifest says \d+ \(truncated\)/);
    tryIt(() => {
      const b = bytes.slice();
      b.set(new TextEncoder().encode('garbage!'));
      writeFileSync(data, b);
    }, /does not begin with a checkpoint's magic bytes/);
    tryIt(() => {
      const b = bytes.slice();
      b[b.length >> 1]! ^= 0xff;
      writeFileSync(data, b);
    }, /does not match the checksum in its manifest/);
    // And after all that, the checkpoint still resumes to the whole run.
    const r = resumeSession(dir, m, opts).session;
    r.run();
    expect(summary(r.result())).toEqual(summary(check(m, opts)));
  });
});
