// The command line as users run it: a real process, real exit codes.
import { describe, expect, it } from 'vitest';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { compareExitCode, mismatches, runCompare, runCompareParallel } from './compare/compare.js';
import { run } from './test-support.js';

describe('clockcheck check', () => {
  it('exit 0 and the verdict table when everything holds', () => {
    const r = run('check', 'peterson');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/mutualExclusion\s+invariant\s+holds/);
    expect(r.stdout).toContain('20 distinct states, 34 transitions');
    expect(r.stderr).toBe('');
  });

  it('exit 1 and a numbered counterexample with the fields each step changed', () => {
    const r = run('check', 'peterson', '--param', 'swapped=1');
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/mutualExclusion\s+invariant\s+VIOLATED\s+6 steps/);
    expect(r.stdout).toMatch(/\n\s+1\s+request\(0\)\s+proc\[0\]\.pc=setFlag turn=1\n/);
    expect(r.stdout).toMatch(/6\s+enter\(0\)\s+proc\[0\]\.pc=critical ◀ violates mutualExclusion/);
  });

  it('exit 3 when a bound leaves a verdict unknown, with a coverage warning', () => {
    const r = run('check', 'peterson', '--max-depth', '2');
    expect(r.code).toBe(3);
    expect(r.stdout).toContain('incomplete: stopped by the depth bound');
    expect(r.stdout).toContain('warning: never fired: enter(0), enter(1), leave(0), leave(1)');
  });

  it('exit 3 when a budget cuts a run that checks no property', () => {
    const r = run('check', 'peterson', '--property', 'none', '--max-states', '5');
    expect(r.stdout).toContain('incomplete: stopped by --max-states');
    expect(r.code).toBe(3);
    expect(run('check', 'peterson', '--property', 'none').code).toBe(0);
  });

  it('--json gives the result as data', () => {
    const r = run('check', 'diehard', '--json', '--strategy', 'dfs', '--continue');
    expect(r.code).toBe(1);
    const j = JSON.parse(r.stdout);
    expect(j.strategy).toBe('dfs');
    expect(j.properties[0].verdict).toBe('violated');
    expect(j.properties[0].trace.steps[0]).toEqual({ index: 0, action: 'initial', changes: { small: 0, big: 0 }, observed: {} });
    expect(j.properties[0].trace.steps.at(-1).changes.big).toBe(4);
  });

  it('--workers 2 and --property give the counts of one thread for the properties asked', () => {
    const one = JSON.parse(run('check', 'v3', '-p', 'vcpus=2', '-p', 'suspends=1', '--json', '--property', 'monoNoRewind,bootExact').stdout);
    const two = JSON.parse(run('check', 'v3', '-p', 'vcpus=2', '-p', 'suspends=1', '--json', '--property', 'monoNoRewind,bootExact', '-w', '2').stdout);
    expect(two.properties.map((p: { name: string }) => p.name)).toEqual(['monoNoRewind', 'bootExact']);
    expect(two.stats.workers).toBe(2);
    for (const k of ['distinct', 'transitions', 'depth']) expect(two.stats[k]).toBe(one.stats[k]);
    expect(two.properties.map((p: { verdict: string }) => p.verdict)).toEqual(one.properties.map((p: { verdict: string }) => p.verdict));
  });

  it('--max-memory stops cleanly: unknown verdicts, the statistics so far, the traces already found', () => {
    const dir = mkdtempSync(join(tmpdir(), 'clockcheck-mem-'));
    try {
      const r = run('check', 'v3', '-p', 'vcpus=3', '--continue', '--max-memory', '100M', '--json', '--traces', dir);
      expect(r.code).toBe(1); // violations were found before the budget stopped the search
      const j = JSON.parse(r.stdout);
      expect(j.complete).toBe(false);
      expect(j.stopReason).toBe('memory');
      expect(j.stats.distinct).toBeGreaterThan(10_000);
      expect(j.stats.distinct).toBeLessThan(1_731_252);
      const verdicts = Object.fromEntries(j.properties.map((p: { name: string; verdict: string }) => [p.name, p.verdict]));
      expect(verdicts.monoNoJump).toBe('violated');
      expect(verdicts.bootExact).toBe('unknown');
      expect(readdirSync(dir).sort()).toEqual(j.traceFiles.map((f: string) => basename(f)).sort());
      expect(j.traceFiles.length).toBe(Object.values(verdicts).filter((v) => v === 'violated').length);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('--max-memory with 2 workers: the same clean stop', () => {
    const r = run('check', 'v3', '-p', 'vcpus=3', '--continue', '--max-memory', '160M', '--json', '-w', '2', '--property', 'safety');
    expect(r.code).toBe(1);
    const j = JSON.parse(r.stdout);
    expect(j.stopReason).toBe('memory');
    expect(j.stats.distinct).toBeLessThan(1_731_252);
    expect(j.properties.find((p: { name: string }) => p.name === 'bootExact').verdict).toBe('unknown');
  });

  it('--property none explores without checking anything', () => {
    const r = run('check', 'peterson', '--property', 'none');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('20 distinct states, 34 transitions');
    expect(r.stdout).not.toContain('mutualExclusion');
  });

  it('checks a model file by path, with parameters', () => {
    const r = run('check', 'examples/diehard.ts', '-p', 'goal=3');
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/bigNotGoal\s+invariant\s+VIOLATED\s+2 steps/);
  });
});

describe('clockcheck check: liveness', () => {
  it("v3's retry spin is a lasso: exit 1, the loop marked, fair under the model's fairness", () => {
    const r = run('check', 'v3', '--property', 'vcpuEventuallyEnters');
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/vcpuEventuallyEnters\s+leadsTo\s+VIOLATED\s+lasso 6\+4 steps/);
    expect(r.stdout).toContain('lasso: 6 steps, then a loop of 4 repeated forever, for vCPU 0');
    expect(r.stdout).toContain("fairness (the model's): weak: vcpuThread(0), vcpuThread(1); strong: hostSuspend, irqDelivery(0), irqDelivery(1)");
    expect(r.stdout).toMatch(/vcpuRetry\(0\)\s+vcpu\[0\]\.pc=run vcpu\[0\]\.reqSuspendTimeAdj=true/);
    expect(r.stdout).toContain('↺ back to step 6, forever');
    expect(r.stdout).toMatch(/liveness graph [\d.]+ [KM]iB \([\d,]+ edges/);
  });

  it('v3-fixed holds every property, liveness included; without fairness a vCPU may starve', () => {
    const fair = run('check', 'v3-fixed', '--continue');
    expect(fair.code).toBe(0);
    expect(fair.stdout).toMatch(/bootCatchesUp\s+leadsTo\s+holds/);
    expect(fair.stdout).toMatch(/vcpuEventuallyEnters\s+leadsTo\s+holds/);
    const unfair = run('check', 'v3-fixed', '--property', 'vcpuEventuallyEnters', '--fairness', 'none');
    expect(unfair.code).toBe(1);
    expect(unfair.stdout).toContain('fairness: none (every infinite run counts)');
  });

  it("--property safety and liveness pick the model's properties by kind", () => {
    const j = JSON.parse(run('check', 'v3-fixed', '--property', 'safety', '--json', '-w', '2').stdout);
    expect(j.properties.map((p: { name: string }) => p.name)).toEqual(['monoNoRewind', 'monoNoJump', 'bootNoRewind', 'bootNotAhead', 'bootExact', 'lockOrder', 'noSleepInAtomic', 'noWarn']);
    const l = JSON.parse(run('check', 'v3-fixed', '--property', 'liveness', '--json').stdout);
    expect(l.properties.map((p: { name: string; kind: string }) => [p.name, p.kind])).toEqual([
      ['bootCatchesUp', 'leadsTo'],
      ['vcpuEventuallyEnters', 'leadsTo'],
      ['deadlock', 'deadlock'],
    ]);
    expect(l.fairness.mode).toBe('model');
  });
});

describe('clockcheck compare', () => {
  it('exit 0 when every verdict is as recorded in specs/, with the table and the traces', () => {
    const r = run('compare', '--variants', 'baseline,v3', '-p', 'suspends=1,canFail=0');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/baseline\s+✓\s+✗ 6\s+✓\s+✓\s+✓\s+✗ 7\+4\s+✓\s+✓\s+✓\s+✓\s+✓\s+[\d,]+\s/);
    // v3/one-suspend in specs/configs.ts: every one of the eleven properties holds.
    expect(r.stdout).toMatch(/v3\s+✓\s+✓\s+✓\s+✓\s+✓\s+✓\s+✓\s+✓\s+✓\s+✓\s+✓\s+[\d,]+\s/);
    expect(r.stdout).toContain('every verdict matches the expectation recorded in specs/');
    expect(r.stdout).toMatch(/readClock\(0,0\)\s+kernel read on vCPU 0: MONO=1 BOOT=1 \(MONO \+1 over 0 awake\)/);
  });

  it('says so when specs/ records nothing for the parameters, and still exits 0', () => {
    const r = run('compare', '--variants', 'v3', '-p', 'suspends=1,canFail=0,maxSleep=3', '--no-traces');
    expect(r.stdout).toContain('no expectation recorded in specs/ for these parameters: v3');
    expect(r.code).toBe(0);
  });

  it('exit 1 when a verdict or a trace length differs from specs/, naming it; 3 when unknown', () => {
    const rows = runCompare(['baseline'], { suspends: 1, canFail: 0 }, {});
    expect(compareExitCode(rows)).toBe(0);
    const wrongVerdict = [{ ...rows[0]!, expected: { ...rows[0]!.expected!, monoNoJump: { verdict: 'holds' as const, why: 'pretend' } } }];
    expect(mismatches(wrongVerdict[0]!)).toEqual(['baseline monoNoJump: expected holds, got violated']);
    expect(compareExitCode(wrongVerdict)).toBe(1);
    const wrongLength = [{ ...rows[0]!, expected: { ...rows[0]!.expected!, monoNoJump: { verdict: 'violated' as const, steps: 5, why: 'pretend' } } }];
    expect(mismatches(wrongLength[0]!)).toEqual(['baseline monoNoJump: expected a 5-step counterexample, got 6']);
    const bounded = runCompare(['baseline'], { suspends: 1, canFail: 0 }, { maxDepth: 3 });
    expect(compareExitCode(bounded)).toBe(3);
  });

  it('--workers 2 checks variants in threads and gives the same rows, in order, as one thread', async () => {
    const params = { suspends: 1, canFail: 1 };
    const variants = ['v3', 'baseline', 'mutant-no-retry'];
    const one = runCompare(variants, params, {});
    const started: string[] = [];
    const two = await runCompareParallel(variants, params, {}, 2, (v) => started.push(v));
    expect(started.sort()).toEqual([...variants].sort());
    expect(two.map((r) => r.variant)).toEqual(variants);
    const summary = (rows: typeof one) =>
      rows.map((r) => [r.variant, r.result.stats.distinct, r.result.stats.transitions, r.result.properties.map((p) => `${p.name}:${p.verdict}:${p.trace?.actions.length ?? '-'}`)]);
    expect(summary(two)).toEqual(summary(one));
    expect(two.flatMap(mismatches)).toEqual([]);
    // The traces cross the thread boundary intact: same actions as one thread found.
    const jump = (rows: typeof one) => rows[1]!.result.properties.find((p) => p.name === 'monoNoJump')!.trace!.actions.map((a) => a.label);
    expect(jump(two)).toEqual(jump(one));
    const cli = run('compare', '--variants', 'baseline,v1', '-w', '2', '--no-traces');
    expect(cli.code).toBe(0);
    expect(cli.stdout).toMatch(/v1\s+✓\s+✓\s+✓\s+✓\s+✓\s+✓\s+✓\s+✓\s+✗ 3\s+✓\s+✓\s+5,052/);
  });

  it('--arch arm64: the arm64 designs in a table of their own properties, every verdict as specs/ records', () => {
    const r = run('compare', '--arch', 'arm64', '--no-traces', '-p', 'suspends=1,canFail=0');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('clockcheck compare · arm64 · vcpus=2 suspends=1 maxAwake=2 maxSleep=1');
    expect(r.stdout).toMatch(/variant\s+monoNoRewind\s+monoNoJump\s+bootNoRewind\s+bootNotAhead\s+bootExact\s+bootCatchesUp\s+vcpuEventuallyEnters\s+countersAgree\s+timerDeadline\s+architecturalCounter\s+deadlock\s+states\s+time/);
    expect(r.stdout).toMatch(/arm64-v3\s+✓\s+✓\s+✓\s+✓\s+✓\s+✓\s+✓\s+✗ 6\s+✓\s+✗ 6\s+✓\s+3,489/);
    expect(r.stdout).toMatch(/arm64-guest-sync\s+(✓\s+){11}[\d,]+\s/);
    expect(r.stdout).not.toMatch(/^\s+v3-fixed/m);
    expect(r.stdout).toContain('every verdict matches the expectation recorded in specs/');
  });

  it('variants of both architectures: a table each, with its own columns and parameters; --md a section each; --json names the architecture', () => {
    const args = ['compare', '--variants', 'baseline,arm64-baseline', '-p', 'suspends=1,canFail=0'];
    const r = run(...args, '--no-traces');
    expect(r.code).toBe(0);
    const heads = r.stdout.split('\n').filter((l) => l.startsWith('clockcheck compare'));
    expect(heads).toEqual([
      expect.stringContaining('clockcheck compare · x86 · vcpus=2 suspends=1 maxAwake=2 maxSleep=2 jumpTolerance=0 tscGranularity=1'),
      expect.stringContaining('clockcheck compare · arm64 · vcpus=2 suspends=1 maxAwake=2 maxSleep=1 jumpTolerance=0 canFail=0'),
    ]);
    expect(r.stdout).toMatch(/variant\s+monoNoRewind.*lockOrder\s+noSleepInAtomic\s+noWarn\s+deadlock/);
    expect(r.stdout).toMatch(/variant\s+monoNoRewind.*countersAgree\s+timerDeadline\s+architecturalCounter\s+deadlock/);
    const md = run(...args, '--md').stdout;
    expect(md).toContain('### arm64-baseline: monoNoJump (6 steps)');
    expect(run(...args, '--md', '--no-traces').stdout).not.toContain('### ');
    expect(md).toContain('## x86\n');
    expect(md).toContain('## arm64\n');
    expect(md).toMatch(/^\| arm64-baseline \| ✓ \| ✗ 6 \| ✓ \| ✓ \| ✓ \| ✗ 5\+4 \| ✓ \| ✓ \| ✗ 9 \| ✓ \| ✓ \| [\d,]+ \| [\d.]+ s \|$/m);
    const js = JSON.parse(run(...args, '--json').stdout);
    expect(js.map((x: { variant: string; arch: string }) => [x.variant, x.arch])).toEqual([['baseline', 'x86'], ['arm64-baseline', 'arm64']]);
  });

  it('list names each model\'s architecture and its parameters', () => {
    const r = run('list');
    expect(r.stdout).toContain('arm64-v3  (kvm arm64 design) RFC v3 ported');
    expect(r.stdout).toContain('v3  (kvm x86 design) RFC v3');
    expect(r.stdout).toContain('mutant-no-retry  (kvm x86 mutant)');
    expect(r.stdout).toMatch(/counterStops=0 {2}\[0\.\.1\]/);
  });

  it('--md gives a Markdown table and fenced traces; --json the data', () => {
    const md = run('compare', '--variants', 'baseline', '--md');
    expect(md.code).toBe(0);
    expect(md.stdout).toMatch(/^\| baseline \| ✓ \| ✗ 6 \| ✓ \| ✓ \| ✓ \| ✗ 7\+4 \| ✓ \| ✓ \| ✓ \| ✓ \| ✓ \| [\d,]+ \| [\d.]+ s \|$/m);
    expect(md.stdout).toContain('### baseline: monoNoJump (6 steps)');
    const js = JSON.parse(run('compare', '--variants', 'baseline', '--json').stdout);
    expect(js[0].variant).toBe('baseline');
    expect(js[0].mismatches).toEqual([]);
    expect(js[0].result.properties[1]).toMatchObject({ name: 'monoNoJump', verdict: 'violated' });
  });
});

describe('bad usage and broken models: one line, exit 2', () => {
  const cases: [string[], string][] = [
    [['check', 'nope'], "clockcheck: error: unknown model 'nope' (known: baseline, v1, v3, v3-fixed, marc-userspace, marc-userspace-strong, guest-sync-strict, guest-sync-timeout, mutant-request-after-entry, mutant-no-retry, mutant-post-clears-all, mutant-vm-adjust-per-vcpu, mutant-irq-before-adjust, mutant-inject-cumulative, mutant-fix-under-kvm-lock, arm64-baseline, arm64-v3, arm64-v3-ecv, arm64-userspace, arm64-stolen-time, arm64-guest-sync, diehard, peterson, lost-update; or give a path to a model file)"],
    [['check', 'peterson', '--param', 'x=1'], "clockcheck: error: model peterson has no parameter 'x' (known: swapped)"],
    [['check', 'peterson', '--param', 'swapped=3'], 'clockcheck: error: parameter swapped=3 is out of range for model peterson (0..1)'],
    [['check', 'peterson', '--param', 'swapped'], "clockcheck: error: --param expects name=value, got 'swapped'"],
    [['check', 'peterson', '--bogus'], "clockcheck: error: unknown option '--bogus' (see 'clockcheck help check')"],
    [['check', 'peterson', '--strategy', 'xfs'], "clockcheck: error: --strategy: 'xfs' is not one of bfs, dfs"],
    [['check', 'peterson', '--max-memory', '12Q'], "clockcheck: error: --max-memory: '12Q' is not a size (e.g. 512M, 2G)"],
    [['check', 'peterson', '--workers', '0'], "clockcheck: error: --workers: '0' is not 'auto' or a number from 1 to 64"],
    [['check', 'peterson', '-w', '2', '--strategy', 'dfs'], 'clockcheck: error: parallel search is breadth-first only; use --strategy bfs or one worker'],
    [['check', 'peterson', '--fairness', 'sometimes'], "clockcheck: error: --fairness: 'sometimes' is not one of model, none, weak, strong"],
    [['check', 'v3', '--property', 'vcpuEventuallyEnters', '--strategy', 'dfs'], 'clockcheck: error: property vcpuEventuallyEnters cannot be checked by a depth-first search (it needs the state graph a breadth-first search records); leave it out, or choose other properties with --property'],
    [['check', 'v3', '-w', '2'], 'clockcheck: error: properties bootCatchesUp, vcpuEventuallyEnters, deadlock (with stuttering steps) cannot be checked by several workers (the liveness graph is recorded by one thread); leave them out, or choose other properties with --property'],
    [['check', 'v3', '--symmetry', '--property', 'bootCatchesUp'], 'clockcheck: error: property bootCatchesUp cannot be checked with --symmetry (fairness per vCPU thread does not survive the quotient by permutations); leave it out, or choose other properties with --property'],
    [['check', 'peterson', '--property', 'nope'], 'clockcheck: error: model peterson has no property nope (it has: mutualExclusion, waitLeadsToCritical, deadlock)'],
    [['check', 'cli/fixtures/throws.ts', '-w', '2'], 'clockcheck: model error: action inc threw: x is three'],
    [['check', 'no/such/file.ts'], 'clockcheck: error: model file not found: no/such/file.ts'],
    [['check', 'cli/fixtures/throws.ts'], 'clockcheck: model error: action inc threw: x is three'],
    [['check', 'cli/fixtures/outOfRange.ts'], 'clockcheck: model error: action inc: field x = 3 is outside its declared range 0..2'],
    [['check'], "clockcheck: error: check takes one model (a name from 'clockcheck list', or a path), got 0"],
    [['frob'], "clockcheck: error: unknown command 'frob' (commands: check, compare, simulate, sweep, merge, replay, show, list)"],
    [['compare', '--variants', 'v4'], "clockcheck: error: unknown variant 'v4' (variants: baseline, v1, v3, v3-fixed, marc-userspace, marc-userspace-strong, guest-sync-strict, guest-sync-timeout, mutant-request-after-entry, mutant-no-retry, mutant-post-clears-all, mutant-vm-adjust-per-vcpu, mutant-irq-before-adjust, mutant-inject-cumulative, mutant-fix-under-kvm-lock, arm64-baseline, arm64-v3, arm64-v3-ecv, arm64-userspace, arm64-stolen-time, arm64-guest-sync)"],
    [['compare', '--arch', 'mips'], "clockcheck: error: unknown architecture 'mips' (architectures: x86, arm64)"],
    [['compare', '--arch', 'arm64', '--variants', 'v3'], "clockcheck: error: variant 'v3' is not an arm64 design (arm64: arm64-baseline, arm64-v3, arm64-v3-ecv, arm64-userspace, arm64-stolen-time, arm64-guest-sync)"],
    [['compare', '-p', 'hostTsc=1'], 'clockcheck: error: parameter hostTsc is x86 only (arm64 has none): choose the architecture with --arch x86'],
    [['compare', '--shard', '1/2'], "clockcheck: error: --shard: a results file holds one architecture's table, and these variants are x86 and arm64: choose one with --arch"],
    [['compare', '--variants', 'baseline,arm64-baseline', '--json', 'out.json'], "clockcheck: error: --json FILE: a results file holds one architecture's table, and these variants are x86 and arm64: choose one with --arch"],
    [['sweep', '--grid', 'vcpus=1..2', '--arch', 'sparc'], "clockcheck: error: unknown architecture 'sparc' (architectures: x86, arm64)"],
    [['compare', '--json', '--md'], 'clockcheck: error: --json and --md cannot be used together'],
    [['compare', '-w', '2', '-p', 'vcpus=13'], 'clockcheck: error: parameter vcpus=13 is out of range for model baseline (1..12)'],
    [['compare', '-w', 'many'], "clockcheck: error: --workers: 'many' is not 'auto' or a number from 1 to 64"],
    [['compare', '-p', 'vcpus=13'], 'clockcheck: error: parameter vcpus=13 is out of range for model baseline (1..12)'],
  ];
  for (const [args, line] of cases) {
    it(args.join(' '), () => {
      const r = run(...args);
      expect(r.code).toBe(2);
      expect(r.stderr).toBe(line + '\n');
      expect(r.stdout).toBe('');
    });
  }
});
