// Checkpoints: a search stopped at any point between two expansions,
// written out, read back and run on gives what the uninterrupted search
// gives: counts, verdicts, the very counterexamples, the liveness lassos.
import { afterAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { createHash } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { check, CheckSession } from '../check.js';
import { compileModel, selectProperties, type CompiledModel, type FairnessMode } from '../model.js';
import type { CheckOptions, CheckResult } from '../result.js';
import { graphModel, graphSpec } from '../test-support/randomModel.js';
import { resultSummary as summary } from '../test-support/summary.js';
import { liveModel, liveSpec } from '../test-support/naiveLiveness.js';
import { Checkpointer, checkpointIdentity, resumeSession } from './checkpoint.js';
import { SectionWriter } from './sections.js';
import { defineLayout, int } from '../state/layout.js';
import { defineModel, invariant, modelOf } from '../model.js';
import { builtinModels } from '../../cli/registry.js';

const root = mkdtempSync(join(tmpdir(), 'clockcheck-ckpt-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let dirs = 0;
const freshDir = () => join(root, `d${dirs++}`);

/** Run with a checkpoint and a resume after each of `pauses` expansions (counted from where the previous session stood). */
function resumedRun(m: CompiledModel, opts: CheckOptions, pauses: readonly number[]): CheckResult {
  const dir = freshDir();
  const id = checkpointIdentity(m, opts);
  let s = new CheckSession(m, opts);
  let written = 0;
  for (const k of pauses) {
    s.run(k);
    if (s.finished) break;
    const w = new Checkpointer(dir, written++ > 0);
    w.write(s, id);
    w.close();
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
  const w = new Checkpointer(dir);
  w.write(s, checkpointIdentity(m, opts));
  w.close();
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

describe('the folder and the files', () => {
  const grid = (step: 1 | 2) =>
    defineModel({
      name: 'grid',
      description: 'two counters',
      params: {},
      build: () => {
        const layout = defineLayout({ a: int(0, 40), b: int(0, 40) });
        return modelOf(layout, {
          init: () => {},
          actions:
            step === 1
              ? [
                  { name: 'incA', enabled: (s) => s.a < 40, step: (s) => void s.a++ },
                  { name: 'incB', enabled: (s) => s.b < 40, step: (s) => void s.b++ },
                ]
              : [
                  { name: 'incA', enabled: (s) => s.a < 40, step: (s) => void s.a++ },
                  { name: 'incB', enabled: (s) => s.b < 40, step: (s) => void (s.b = Math.min(s.b + 2, 40)) },
                ],
          properties: [invariant('inRange', (s) => s.a <= 40, 'holds')],
        });
      },
    });
  const opts: CheckOptions = {};

  function checkpointOf(m: CompiledModel, source?: string): string {
    const dir = freshDir();
    const s = new CheckSession(m, opts);
    s.run(300);
    const w = new Checkpointer(dir);
    w.write(s, checkpointIdentity(m, opts, source));
    w.close();
    return dir;
  }

  it('a model whose code changed since the checkpoint is refused, with the same fields and actions (a step fixed)', () => {
    const dir = checkpointOf(compileModel(grid(1)));
    expect(() => resumeSession(dir, compileModel(grid(2)), opts)).toThrow(/model grid has changed since the checkpoint \(its code differs\)/);
    // The unchanged model resumes to the whole run.
    const r = resumeSession(dir, compileModel(grid(1)), opts).session;
    r.run();
    expect(r.result().stats.distinct).toBe(41 * 41);
  });

  it("so is one whose caller's source digest changed (a fix in a helper the model's functions call)", () => {
    const m = compileModel(grid(1));
    const dir = checkpointOf(m, 'sources A');
    expect(() => resumeSession(dir, m, opts, 'sources B')).toThrow(/its code differs/);
    expect(() => resumeSession(dir, m, opts, 'sources A')).not.toThrow();
  });

  it('a data file no manifest names (a crash between the two renames) is removed when the folder is taken up again', () => {
    const m = compileModel(grid(1));
    const dir = checkpointOf(m);
    const named = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')).data as string;
    writeFileSync(join(dir, 'data-000099.bin'), 'orphan');
    writeFileSync(join(dir, 'manifest.json.123.tmp'), 'half');
    const w = new Checkpointer(dir, true);
    expect(readdirSync(dir).sort()).toEqual(['checkpoint.lock', named, 'manifest.json']);
    w.close();
    expect(readdirSync(dir).sort()).toEqual([named, 'manifest.json']);
  });

  it('a folder another live run holds is refused; a lock left by a dead process is taken over', () => {
    const dir = freshDir();
    mkdirSync(dir);
    // The parent of this test process: alive, and not this process.
    writeFileSync(join(dir, 'checkpoint.lock'), `${process.ppid}\n`);
    expect(() => new Checkpointer(dir)).toThrow(new RegExp(`is in use by another clockcheck run \\(pid ${process.ppid}\\)`));
    const dead = spawnSync(process.execPath, ['-e', '0']).pid!;
    writeFileSync(join(dir, 'checkpoint.lock'), `${dead}\n`);
    const w = new Checkpointer(dir);
    expect(readFileSync(join(dir, 'checkpoint.lock'), 'utf8')).toBe(`${process.pid}\n`);
    w.close();
    expect(readdirSync(dir)).toEqual([]);
  });

  it('a section written in slices is hashed slice by slice: the manifest checksum is the data file\'s', () => {
    const file = join(freshDir() + '.bin');
    const w = new SectionWriter(file, 7);
    const a = new Uint32Array(1000).map((_, i) => i * 2654435761);
    w.section('a', 4, [a.subarray(0, 600), a.subarray(600)]);
    const { bytes, sha256 } = w.close();
    const content = readFileSync(file);
    expect(bytes).toBe(content.length);
    expect(sha256).toBe(createHash('sha256').update(new Uint8Array(content)).digest('hex'));
    expect(w.sections).toEqual([{ name: 'a', offset: bytes - 4000, width: 4, bytes: 4000 }]);
  });
});
