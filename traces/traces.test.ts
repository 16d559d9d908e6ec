import { afterAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { decode, encode } from '@msgpack/msgpack';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { check, compileModel, instanceByLabel, replayInstances } from '../checker/index.js';
import { graphModel, graphSpec } from '../checker/test-support/randomModel.js';
import { kvmModels } from '../specs/kvm.js';
import { decodeTrace, encodeTrace, FORMAT_VERSION, TraceFileError, traceFileOf, type TraceFile } from './format.js';
import { readTraceFile, writeFileAtomic } from './io.js';
import { toItf } from './itf.js';
import { REGRESSIONS, type ManifestEntry } from './refresh.js';
import { replayTrace } from './replay.js';
import { toSvg } from './views/chart.js';
import { run } from '../cli/test-support.js';
import { wellFormed } from './test-support.js';

// Every folder a test makes is removed when the file's tests are done.
const made: string[] = [];
function tempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  made.push(dir);
  return dir;
}
afterAll(() => {
  for (const dir of made) rmSync(dir, { recursive: true, force: true });
});

const byName = new Map(kvmModels.map((m) => [m.name, m]));
const manifest: ManifestEntry[] = JSON.parse(readFileSync(join(REGRESSIONS, 'manifest.json'), 'utf8'));
const baselineJump = join(REGRESSIONS, 'kvm-suspend-time.baseline.monoNoJump.default.cctrace');
// Written by clockcheck before lassos (format version 1) and action docs, for an older model layout.
const v1Fixture = new URL('./fixtures/format-v1.baseline.monoNoJump.cctrace', import.meta.url).pathname;

function traceOf(variant: string, params: Record<string, number>, property: string): TraceFile {
  const def = byName.get(variant)!;
  const m = compileModel(def, params);
  const p = check(m, { continueAfterViolation: true }).properties.find((x) => x.name === property)!;
  return traceFileOf(m, { name: def.name, family: def.family, source: def.name }, p.trace!, 'test', p.doc);
}

describe('regression traces', () => {
  it('the manifest lists exactly the files in traces/regressions/', () => {
    const files = readdirSync(REGRESSIONS).filter((f) => f.endsWith('.cctrace')).sort();
    expect(manifest.map((e) => e.file).sort()).toEqual(files);
    expect(files.length).toBeGreaterThanOrEqual(20);
  });

  for (const e of manifest) {
    it(`${e.file}: reproduces in ${e.variant}${e.againstV3Fixed ? `; against v3-fixed: ${e.againstV3Fixed}` : ''}`, () => {
      const t = readTraceFile(join(REGRESSIONS, e.file));
      expect([t.variant, t.property.name, t.actions.length]).toEqual([e.variant, e.property, e.steps]);
      expect(replayTrace(t, byName.get(e.variant)!, true).outcome.kind).toBe('reproduced');
      if (e.againstV3Fixed) expect(replayTrace(t, byName.get('v3-fixed')!, false).outcome.kind).toBe(e.againstV3Fixed);
    });
  }

  it('every arm64 design has its violations at the defaults among them, and x86 entries are replayed against v3-fixed', () => {
    const arm64 = manifest.filter((e) => e.variant.startsWith('arm64-'));
    expect(new Set(arm64.filter((e) => e.config === e.variant).map((e) => e.variant))).toEqual(
      new Set(['arm64-baseline', 'arm64-v3', 'arm64-v3-ecv', 'arm64-userspace', 'arm64-stolen-time']),
    );
    expect(arm64.every((e) => e.againstV3Fixed === undefined)).toBe(true);
    expect(manifest.filter((e) => !e.variant.startsWith('arm64-')).every((e) => e.againstV3Fixed !== undefined)).toBe(true);
  });
});

describe('round trip', () => {
  it('any trace the checker produces encodes and decodes to an equal trace, and replays to its violation', () => {
    fc.assert(
      fc.property(graphSpec, (g) => {
        const def = graphModel(g);
        const m = compileModel(def);
        for (const p of check(m, { continueAfterViolation: true }).properties) {
          if (!p.trace) continue;
          const t = traceFileOf(m, { name: def.name, source: 'test' }, p.trace, 'test', p.doc);
          const back = decodeTrace(encodeTrace(t));
          expect(back).toEqual(t);
          const r = replayTrace(back, def, true).outcome;
          expect(r).toEqual({ kind: 'reproduced', step: p.trace.actions.length, steps: p.trace.actions.length });
        }
      }),
      { numRuns: 150 },
    );
  });

  it('a KVM trace round-trips with its observations and notes', () => {
    const t = traceOf('v3', { canFail: 0 }, 'monoNoJump');
    const back = decodeTrace(encodeTrace(t));
    expect(back).toEqual(t);
    expect(back.notes.at(-1)).toBe('kernel read on vCPU 0: MONO=1 BOOT=1 (MONO +1 over 0 awake)');
    expect(back.observed.at(-1)).toMatchObject({ 'host.mono': 0, 'host.boot': 2, 'mono@0': 1, 'read.mono': 1 });
  });
});

describe('action docs in the trace file', () => {
  it('a KVM trace carries what each action stands for in the kernel, and keeps it through a round trip', () => {
    const t = traceOf('baseline', {}, 'monoNoJump');
    expect(t.actionDocs?.vcpuRun).toMatch(/^vcpu_enter_guest: /);
    expect(decodeTrace(encodeTrace(t)).actionDocs).toEqual(t.actionDocs);
  });

  it('a file written before action docs existed still reads, without them', () => {
    const old = readTraceFile(v1Fixture);
    expect(old.actionDocs).toBeUndefined();
    expect(old.actions).toHaveLength(6);
  });

  it('action docs that are not a map of strings: a TraceFileError naming the key', () => {
    const t = traceOf('baseline', {}, 'monoNoJump');
    for (const bad of [['x'], { vcpuRun: 7 }, 'docs']) {
      expect(() => decodeTrace(encodeTrace({ ...t, actionDocs: bad as unknown as Record<string, string> }))).toThrow(
        'trace.actionDocs is not a map of strings',
      );
    }
  });
});

describe('bad trace files', () => {
  const good = new Uint8Array(readFileSync(baselineJump));

  it('truncated at every byte offset: a TraceFileError, never anything else', () => {
    for (let n = 0; n < good.length; n++) {
      expect(() => decodeTrace(good.subarray(0, n)), `offset ${n}`).toThrow(TraceFileError);
    }
  });

  it('random bytes: a TraceFileError', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
        expect(() => decodeTrace(bytes)).toThrow(TraceFileError);
      }),
      { numRuns: 500 },
    );
  });

  it('valid msgpack of the wrong shape: says what is wrong', () => {
    expect(() => decodeTrace(encode(42))).toThrow('not a clockcheck trace: the data is not a map');
    expect(() => decodeTrace(encode({ format: 'other' }))).toThrow('format is "other", expected "clockcheck-trace"');
    const t = decodeTrace(good);
    const raw = (over: Record<string, unknown>) => encode({ ...(JSON.parse(JSON.stringify({ ...t, states: null })) as object), states: good.subarray(0, 0), ...over });
    expect(() => decodeTrace(raw({ version: FORMAT_VERSION + 1, writer: '9.9.9' }))).toThrow(
      `the trace has format version ${FORMAT_VERSION + 1}, written by a newer clockcheck (9.9.9); this one reads version ${FORMAT_VERSION}`,
    );
    expect(() => decodeTrace(raw({ actions: 'x' }))).toThrow('trace.actions is missing or not a list');
    const words = decodeTrace(good).layout.words;
    expect(() => decodeTrace(raw({}))).toThrow(`trace.states holds 0 bytes, expected ${7 * words * 4} for 7 states of ${words} words`);
  });

  const dir = tempDir('clockcheck-bad-');
  const variantOf = (edit: (t: TraceFile) => TraceFile, name: string) => {
    const path = join(dir, name);
    writeFileSync(path, encodeTrace(edit(decodeTrace(good))));
    return path;
  };
  // [what, file, message, whether `show` (which never loads the model) must refuse it too]
  const cases: [string, string, string, boolean][] = [
    ['empty', (writeFileSync(join(dir, 'empty'), ''), join(dir, 'empty')), 'clockcheck: bad trace: ' + join(dir, 'empty') + ': the file is empty', true],
    ['truncated', (writeFileSync(join(dir, 't'), good.subarray(0, 100)), join(dir, 't')), 'not valid msgpack', true],
    ['unknown model', variantOf((t) => ({ ...t, model: { ...t.model, source: 'v9' } }), 'model'), "the trace's model 'v9' cannot be loaded: unknown model 'v9'", false],
    ['parameters out of range', variantOf((t) => ({ ...t, params: { ...t.params, vcpus: 13 } }), 'params'), "the trace's parameters do not fit model baseline: parameter vcpus=13 is out of range", false],
    ['unknown action', variantOf((t) => ({ ...t, actions: t.actions.map((a, i) => (i === 2 ? { ...a, family: 'hostNap', label: 'hostNap(1)' } : a)) }), 'action'), 'action hostNap(1) (step 3) does not exist in model baseline', false],
    ['no such file', join(dir, 'nope'), 'no such file', true],
  ];
  for (const [what, path, message, showRefuses] of cases) {
    it(`${what}: one line on stderr, exit 6`, () => {
      const r = run('replay', path);
      expect(r.code).toBe(6);
      expect(r.stderr.split('\n')).toHaveLength(2);
      expect(r.stderr).toContain(message);
      if (showRefuses) expect(run('show', path).code).toBe(6);
    });
  }
});

describe('replay from the command line', () => {
  it('reproduced: exit 1; another variant where it holds: exit 0; diverges: exit 5 with the step', () => {
    const same = run('replay', baselineJump);
    expect([same.code, same.stdout]).toEqual([1, 'baseline → baseline: step monoNoJump, 6 steps\nviolation reproduced: monoNoJump is violated at the last step (6)\n']);
    const v3 = run('replay', baselineJump, '--variant', 'v3');
    expect(v3.code).toBe(0);
    expect(v3.stdout).toContain('every step replays and monoNoJump holds on this trace in v3');
    const strict = run('replay', baselineJump, '--variant', 'guest-sync-strict');
    expect(strict.code).toBe(5);
    expect(strict.stdout).toContain('trace diverges at step 2: freezeTasks is not enabled');
  });

  it('a recorded state that no longer matches: exit 5 naming the fields', () => {
    const t = decodeTrace(new Uint8Array(readFileSync(baselineJump)));
    const states = t.states.map((s) => s.slice());
    states[3]![0] = states[3]![0]! ^ (1 << 5); // flip a bit of a field in state 3
    const dir = tempDir('clockcheck-div-');
    writeFileSync(join(dir, 'x.cctrace'), encodeTrace({ ...t, states }));
    const r = run('replay', join(dir, 'x.cctrace'));
    expect(r.code).toBe(5);
    expect(r.stdout).toMatch(/trace diverges at step 3: state 3 differs from the recorded one\n {2}\S+: recorded \S+, replayed \S+/);
  });

  it('check --traces writes one file per violation, named after family, variant and property', () => {
    const dir = tempDir('clockcheck-out-');
    const r = run('check', 'baseline', '--continue', '--traces', dir);
    expect(r.code).toBe(1);
    expect(readdirSync(dir).sort()).toEqual(['kvm-suspend-time.baseline.bootCatchesUp.cctrace', 'kvm-suspend-time.baseline.monoNoJump.cctrace']);
    expect(run('replay', join(dir, 'kvm-suspend-time.baseline.bootCatchesUp.cctrace')).code).toBe(1);
  });

  it("README's walk-through runs as written, with the exit codes it states", () => {
    const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
    const block = readme.split('### Walk-through')[1]!.split('\n\n')[1]!;
    const steps = block.split('\n').map((line) => {
      const [cmd, comment] = line.trim().split(/\s+# /);
      return { args: cmd!.trim().split(/\s+/).slice(2), code: Number(/^exit (\d+)/.exec(comment ?? '')?.[1]) };
    });
    expect(steps.map((s) => s.code)).toEqual([1, 0, 0, 0, 1, 0]);
    const dir = tempDir('clockcheck-walk-');
    for (const { args, code } of steps) {
      const r = run(...args.map((a) => (a.startsWith('out/') || a === 'jump.svg' || a === 'jump.html' ? join(dir, a) : a)));
      expect([args.join(' '), r.code, r.stderr]).toEqual([args.join(' '), code, '']);
    }
    expect(readFileSync(join(dir, 'jump.svg'), 'utf8')).toMatch(/^<svg/);
    expect(readFileSync(join(dir, 'jump.html'), 'utf8')).toMatch(/^<!doctype html>\n[\s\S]*<section class="explorer"[^>]* data-key="baseline\/monoNoJump" data-last="6">/);
  });

  it('a model file trace records its path and replays from it', () => {
    const dir = tempDir('clockcheck-file-');
    expect(run('check', 'examples/peterson.ts', '-p', 'swapped=1', '--traces', dir).code).toBe(1);
    const t = readTraceFile(join(dir, 'peterson.mutualExclusion.cctrace'));
    expect(t.model.source).toMatch(/examples\/peterson\.ts$/);
    expect(run('replay', join(dir, 'peterson.mutualExclusion.cctrace')).code).toBe(1);
  });

  it('an unwritable --traces folder is a usage error, and nothing half-written is left', () => {
    const dir = tempDir('clockcheck-ro-');
    writeFileSync(join(dir, 'file'), 'x');
    const r = run('check', 'baseline', '--traces', join(dir, 'file'));
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^clockcheck: error: cannot write trace .*kvm-suspend-time\.baseline\.\w+\.cctrace: EEXIST/);
    expect(r.stderr.split('\n')).toHaveLength(2);
    expect(readdirSync(dir)).toEqual(['file']);
  });
});

describe('atomic writes', () => {
  it('a failed write leaves neither the target nor a temporary file', () => {
    const dir = tempDir('clockcheck-atomic-');
    mkdirSync(join(dir, 'target'));
    expect(() => writeFileAtomic(join(dir, 'target'), 'data')).toThrow();
    expect(readdirSync(dir)).toEqual(['target']);
    writeFileAtomic(join(dir, 'ok.bin'), 'data');
    expect(readFileSync(join(dir, 'ok.bin'), 'utf8')).toBe('data');
    expect(readdirSync(dir).sort()).toEqual(['ok.bin', 'target']);
  });
});

describe('SVG', () => {
  it('is well-formed, has one line per clock, the suspend shaded and the violating read marked', () => {
    const t = traceOf('v3', { canFail: 0 }, 'monoNoRewind');
    const svg = toSvg(t);
    expect(wellFormed(svg)).toBe(true);
    const clocks = [...svg.matchAll(/<g class="clock" data-key="([^"]+)"/g)].map((m) => m[1]);
    expect(clocks).toEqual(['host.mono', 'host.boot', 'mono@0', 'boot@0', 'mono@1', 'boot@1', 'vdso.mono@1']);
    expect(svg).toContain('class="band" data-key="host.suspended"');
    expect(svg.match(/class="read violating-read"/g)).toHaveLength(2); // read.mono and read.boot at the last step
    expect(svg).toContain('violates monoNoRewind');
    expect(wellFormed('<svg><g></svg>')).toBe(false);
  });

  it('show --svg and --itf write files; show alone prints the table with the violating step marked', () => {
    const dir = tempDir('clockcheck-show-');
    const r = run('show', baselineJump, '--svg', join(dir, 'a.svg'), '--itf', join(dir, 'a.itf.json'));
    expect(r.code).toBe(0);
    expect(existsSync(join(dir, 'a.svg')) && existsSync(join(dir, 'a.itf.json'))).toBe(true);
    const table = run('show', baselineJump).stdout;
    expect(table).toMatch(/step\s+action\s+host\.mono\s+host\.boot\s+read\.mono\s+read\.boot\s+mono@0\s+boot@0\s+changed/);
    expect(table).toMatch(/6\s+readClock\(0,0\)\s+0\s+1\s+1\s+1\s+1\s+1\s+kernel read on vCPU 0: MONO=1 BOOT=1/);
    expect(table).toContain('◀ violates monoNoJump');
  });
});

describe('ITF', () => {
  const require = createRequire(import.meta.url);
  const { ofItf } = require('@informalsystems/quint/dist/src/itf.js') as { ofItf: (x: unknown) => unknown[] };

  it("Quint's own ITF reader accepts every regression trace we export", () => {
    for (const e of manifest) {
      const t = readTraceFile(join(REGRESSIONS, e.file));
      const itf = JSON.parse(JSON.stringify(toItf(t)));
      const states = ofItf(itf);
      expect(states, e.file).toHaveLength(t.states.length);
    }
  });

  it('carries the state variables, actions and values, with big integers as #bigint', () => {
    const t = decodeTrace(new Uint8Array(readFileSync(baselineJump)));
    const itf = toItf(t) as { vars: string[]; states: Record<string, unknown>[] };
    expect(itf.vars).toContain('hostPhase');
    expect(itf.states.at(-1)).toMatchObject({ '#meta': { index: 6, action: 'readClock(0,0)' }, lastMono: 1, hostPhase: 'thawed' });
    expect((itf.states[0]!.vcpu as unknown[])[0]).toMatchObject({ pc: 'run', reqSuspendTimeAdj: false });
    const big = toItf({ ...t, layout: { ...t.layout, fields: [{ path: 'x', kind: 'int', min: 2 ** 53, max: 2 ** 53 + 1, word: 0, shift: 0, mask: 1 }] } }) as {
      states: Record<string, unknown>[];
    };
    expect(big.states[0]!.x).toEqual({ '#bigint': String(2 ** 53) });
    expect(ofItf(JSON.parse(JSON.stringify(big)))).toHaveLength(t.states.length);
  });
});

/** The packed state block of a trace file, as encodeTrace writes it. */
function encodeTraceStates(t: TraceFile): Uint8Array {
  return (decode(encodeTrace(t)) as { states: Uint8Array }).states;
}

describe('lasso traces (format version 2)', () => {
  const spin = () => traceOf('v3', { suspends: 1 }, 'vcpuEventuallyEnters');

  it('carry the loop start, the subject and the fairness through a file, and replay as a closing, fair loop', () => {
    const t = spin();
    expect([t.version, t.loopStart, t.subject, t.subjectName, t.fairness]).toEqual([FORMAT_VERSION, 6, 0, 'vCPU 0', 'model']);
    const back = decodeTrace(encodeTrace(t));
    expect([back.loopStart, back.subject, back.subjectName, back.fairness, back.property.kind]).toEqual([6, 0, 'vCPU 0', 'model', 'leadsTo']);
    expect(replayTrace(back, byName.get('v3')!, true).outcome).toEqual({ kind: 'reproduced', step: 10, steps: 10 });
    // v3-fixed takes the vCPU in on the first pass after PM_POST_SUSPEND: the recorded loop cannot be replayed there.
    expect(replayTrace(back, byName.get('v3-fixed')!, false).outcome.kind).toBe('diverged');
  });

  it('replay, show and ITF: the loop is named, marked and exported', () => {
    const dir = tempDir('clockcheck-lasso-');
    const file = join(dir, 'spin.cctrace');
    writeFileSync(file, encodeTrace(spin()));
    const r = run('replay', file);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('lasso: 6 steps, then a loop of 4 repeated forever, for vCPU 0');
    expect(r.stdout).toContain('violation reproduced: the loop of steps 7..10 closes and repeats forever, fairly');
    const s = run('show', file);
    expect(s.code).toBe(0);
    expect(s.stdout).toContain('↻ the loop starts here');
    expect(s.stdout).toContain('↺ back to step 6, forever');
    expect((toItf(readTraceFile(file)) as { loop: number }).loop).toBe(6);
  });

  it('a loop that does not close diverges (exit 5); an unfair one holds, saying which actor it starves', () => {
    const t = spin();
    const dir = tempDir('clockcheck-lasso-bad-');
    // Drop the last step: the run no longer comes back to where the loop starts.
    const open = { ...t, actions: t.actions.slice(0, -1), states: t.states.slice(0, -1), observed: t.observed.slice(0, -1), notes: t.notes.slice(0, -1) };
    writeFileSync(join(dir, 'open.cctrace'), encodeTrace(open));
    const r = run('replay', join(dir, 'open.cctrace'));
    expect(r.code).toBe(5);
    expect(r.stdout).toContain('the loop does not close: state 9 is not state 6, where the loop starts');
    // Only vCPU 0 spins in the loop while vCPU 1, in guest mode throughout, never exits: not weakly fair to its thread.
    const def = byName.get('v3')!;
    const m = compileModel(def, { suspends: 1 });
    const labels = [...t.actions.slice(0, 6).map((a) => a.label), 'vcpuRun(0)', 'vcpuRetry(0)'];
    const trace = replayInstances(m, 0, labels.map((l) => instanceByLabel(m, l)!.index), 'vcpuEventuallyEnters', 'leadsTo');
    const unfair = traceFileOf(m, { name: def.name, family: def.family, source: def.name }, { ...trace, loopStart: 6, subject: 0, subjectName: 'vCPU 0', fairness: 'model' }, 'test', '');
    expect(replayTrace(unfair, def, true).outcome).toEqual({
      kind: 'holds',
      steps: 8,
      reason: "the loop is not weakly fair to vcpuThread(1) (fairness 'model')",
    });
    // Without fairness the same loop is a counterexample.
    expect(replayTrace({ ...unfair, fairness: 'none' }, def, true).outcome.kind).toBe('reproduced');
  });

  it('a file must say where the loop of a liveness counterexample starts, and only there', () => {
    const t = spin();
    expect(() => decodeTrace(encodeTrace({ ...t, loopStart: null }))).toThrow('trace.loopStart is missing: a leadsTo counterexample is a lasso');
    expect(() => decodeTrace(encodeTrace({ ...t, loopStart: 99 }))).toThrow('trace.loopStart is missing or not an integer in 0..10');
    expect(() => decodeTrace(encodeTrace({ ...t, fairness: 'sometimes' as never }))).toThrow('trace.fairness "sometimes" is not one of');
    const safety = traceOf('baseline', {}, 'monoNoJump');
    expect(() => decodeTrace(encodeTrace({ ...safety, loopStart: 2 }))).toThrow('trace.loopStart is set, but a step counterexample is not a lasso');
  });

  it('format version 1 files (before lassos) still read; one of the current model replays', () => {
    // A file from an older clockcheck: it reads and shows; against today's model its layout has changed.
    const old = readTraceFile(v1Fixture);
    expect([old.version, old.loopStart, old.subject, old.fairness]).toEqual([1, null, null, null]);
    expect(run('show', v1Fixture).code).toBe(0);
    expect(replayTrace(old, byName.get('baseline')!, true).outcome).toMatchObject({ kind: 'diverged', reason: 'the state layout of baseline changed since the trace was written' });
    // The same trace as a version 1 file of today's model: no loop keys at all.
    const now = traceOf('baseline', {}, 'monoNoJump');
    const { loopStart: _l, subject: _s, subjectName: _n, fairness: _f, ...rest } = now;
    const dir = tempDir('clockcheck-v1-');
    writeFileSync(join(dir, 'v1.cctrace'), encode({ ...rest, version: 1, states: encodeTraceStates(now) }));
    const back = readTraceFile(join(dir, 'v1.cctrace'));
    expect([back.version, back.loopStart]).toEqual([1, null]);
    expect(replayTrace(back, byName.get('baseline')!, true).outcome.kind).toBe('reproduced');
  });
});
