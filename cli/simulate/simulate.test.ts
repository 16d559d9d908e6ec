// `clockcheck simulate` as users run it: a real process, real exit codes.
import { afterAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { run } from '../test-support.js';

const made: string[] = [];
function tempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  made.push(dir);
  return dir;
}
afterAll(() => {
  for (const dir of made) rmSync(dir, { recursive: true, force: true });
});

/** What must not depend on the run: everything but timings and the worker count. */
function answer(stdout: string): unknown {
  const j = JSON.parse(stdout);
  const { foundSeconds: _f, shrinkSeconds: _s, ...violation } = j.violation ?? {};
  return { violation, properties: j.properties, replay: j.replay };
}

describe('clockcheck simulate', () => {
  it('v3 at 8 vCPUs and 6 suspends, swarm, seed 1: finds and shrinks a violation; the saved trace replays, shows, and the printed path replays the same walk', () => {
    const dir = tempDir('clockcheck-sim-');
    const r = run('simulate', 'v3', '--param', 'vcpus=8', '--param', 'suspends=6', '--swarm', '--seed', '1', '--traces', dir);
    expect([r.code, r.stderr]).toEqual([1, '']);
    // A safety violation (the lost second suspend: a vCPU enters with its TSC ahead), shrunk to
    // BFS's shortest at this size (12 steps, as at 2x2); the liveness properties get no verdict.
    expect(r.stdout).toMatch(/monoNoJump\s+step\s+VIOLATED\s+12 steps/);
    expect(r.stdout).toMatch(/monoNoJump violated in run 344, at step 63 of its walk/);
    expect(r.stdout).toMatch(/shrunk by fast-check to 18 steps .*; cutting loops and dropping steps: 12 steps/);
    expect(r.stdout).toContain('fast-check: seed 1, path "');
    expect(r.stdout).toMatch(/bootCatchesUp\s+leadsTo\s+unknown\s+liveness: simulation gives no verdict/);
    expect(r.stdout).toMatch(/vcpuEventuallyEnters\s+leadsTo\s+unknown\s+liveness: simulation gives no verdict/);
    expect(r.stdout).not.toMatch(/\sholds\s/);
    const files = readdirSync(dir);
    expect(files).toEqual(['kvm-suspend-time.v3.monoNoJump.cctrace']);
    const replayed = run('replay', join(dir, files[0]!));
    expect(replayed.code).toBe(1);
    expect(replayed.stdout).toContain('violation reproduced: monoNoJump is violated at the last step (12)');
    expect(run('show', join(dir, files[0]!)).code).toBe(0);
    // The replay command as printed, run as written, walks to the same counterexample.
    const cmd = /replay: clockcheck (simulate .*)/.exec(r.stdout)![1]!.split(' ');
    expect(cmd).toContain('--path');
    const again = run(...cmd, '--json');
    expect(again.code).toBe(1);
    const first = run('simulate', 'v3', '--param', 'vcpus=8', '--param', 'suspends=6', '--swarm', '--seed', '1', '--json');
    const trace = (out: string) => JSON.parse(out).properties.find((p: { trace: unknown }) => p.trace).trace;
    expect(trace(again.stdout)).toEqual(trace(first.stdout));
  });

  it('the same seed gives the same answer with one worker or two, run after run', () => {
    // Run 85 is in the 11th block of eight: both workers walk blocks before it.
    const args = ['simulate', 'v3', '--property', 'monoNoRewind', '--seed', '2', '--runs', '3000', '--json'];
    const one = run(...args);
    const two = run(...args, '--workers', '2');
    expect(one.code).toBe(1);
    expect(JSON.parse(one.stdout).violation.run).toBe(85);
    expect(answer(two.stdout)).toEqual(answer(one.stdout));
    expect(JSON.parse(two.stdout).workers).toBe(2);
    expect(answer(run(...args).stdout)).toEqual(answer(one.stdout));
  });

  it('exit 0 when no walk violates anything: the verdicts stay unknown and it says simulation cannot show they hold', () => {
    const r = run('simulate', 'v3-fixed', '--runs', '200', '--seed', '3');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('no violation found in 200 runs of up to 100 steps');
    expect(r.stdout).toMatch(/bootExact\s+invariant\s+unknown\s+no violation in 200 runs/);
    expect(r.stdout).toContain('simulation cannot show that a property holds');
    // Ten properties, none said to hold: not the liveness ones, not deadlock (decided on the state graph).
    expect(r.stdout.match(/^ {2}\w+\s+(invariant|step|leadsTo|deadlock)\s+unknown\s/gm)).toHaveLength(11);
    expect(r.stdout).toMatch(/noSleepInAtomic\s+invariant\s+unknown\s+no violation in 200 runs/);
    expect(r.stdout).not.toMatch(/\s(invariant|step|leadsTo|deadlock)\s+holds/);
    expect(r.stdout).toMatch(/vcpuEventuallyEnters\s+leadsTo\s+unknown\s+liveness: simulation gives no verdict/);
    expect(r.stdout).toMatch(/deadlock\s+deadlock\s+unknown\s+no dead end in 200 runs; stuck with only stuttering steps left is decided on the state graph/);
  });

  it('--json gives the results document, as a file for merge or on stdout', () => {
    const dir = tempDir('clockcheck-simjson-');
    const file = join(dir, 'sim.json');
    // Seed 2's first failing run is 85 (monoNoJump).
    const r = run('simulate', 'v3', '--seed', '2', '--runs', '100', '--json', file);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain(`results written: ${file}`);
    const j = JSON.parse(run('simulate', 'v3', '--seed', '2', '--runs', '100', '--json').stdout);
    expect(j).toMatchObject({ format: 'clockcheck-results', version: 1, command: 'simulate', shard: { index: 1, count: 1 }, from: 0, to: 100 });
    expect(j.spec).toMatchObject({ model: 'v3', seed: 2, runs: 100, depth: 100, swarm: false });
    expect(j.violation).toMatchObject({ property: 'monoNoJump', run: 85, steps: 12 });
    expect(j.properties.map((p: { name: string; verdict: string }) => [p.name, p.verdict])).toEqual([
      ['monoNoRewind', 'unknown'],
      ['monoNoJump', 'violated'],
      ['bootNoRewind', 'unknown'],
      ['bootNotAhead', 'unknown'],
      ['bootExact', 'unknown'],
      ['bootCatchesUp', 'unknown'],
      ['vcpuEventuallyEnters', 'unknown'],
      ['lockOrder', 'unknown'],
      ['noSleepInAtomic', 'unknown'],
      ['noWarn', 'unknown'],
      ['deadlock', 'unknown'],
    ]);
    expect(JSON.parse(readFileSync(file, 'utf8')).violation).toMatchObject({ property: 'monoNoJump', run: 85, steps: 12, path: j.violation.path });
  });
});

describe("README's simulation walk-through", () => {
  it('runs as written, with the exit codes it states', () => {
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    const block = readme.split('### Simulation walk-through')[1]!.split('\n\n')[1]!;
    const steps = block.split('\n').map((line) => {
      const [cmd, comment] = line.trim().split(/\s+# /);
      return { args: cmd!.trim().split(/\s+/).slice(2), code: Number(/^exit (\d+)/.exec(comment ?? '')?.[1]) };
    });
    expect(steps.map((s) => s.code)).toEqual([1, 1, 1, 0]);
    const dir = tempDir('clockcheck-simwalk-');
    for (const { args, code } of steps) {
      const r = run(...args.map((a) => (a.startsWith('sim/') ? join(dir, a) : a)));
      expect([args.join(' '), r.code, r.stderr]).toEqual([args.join(' '), code, '']);
      if (args.includes('--path')) expect(r.stdout).toMatch(/monoNoJump\s+step\s+VIOLATED\s+12 steps/);
    }
  });
});

describe('simulate: bad usage, one line, exit 2', () => {
  const cases: [string[], string][] = [
    [['simulate', 'v3', '--seed', 'abc'], "clockcheck: error: --seed: 'abc' is not an integer from -2147483648 to 2147483647"],
    [['simulate', 'v3', '--runs', '0'], "clockcheck: error: --runs: '0' is not a whole number >= 1"],
    [['simulate', 'v3', '--depth', 'deep'], "clockcheck: error: --depth: 'deep' is not a whole number >= 1"],
    [['simulate', 'v3', '--max-seconds', '0'], "clockcheck: error: --max-seconds: '0' is not a positive number of seconds"],
    [['simulate', 'v3', '--seed', '1', '--path', '3:x'], "clockcheck: error: --path: '3:x' is not a fast-check path (numbers separated by colons, e.g. 12:0:3)"],
    [['simulate', 'v3', '--seed', '1', '--path', '3', '--shard', '1/2'], 'clockcheck: error: --path replays one walk; it cannot be sharded'],
    [['simulate', 'v3', '--shard', '3/2'], "clockcheck: error: --shard: '3/2' is not i/n with 1 <= i <= n <= 10000 (e.g. 2/4)"],
    [['simulate', 'v3', '--property', 'nope'], 'clockcheck: error: model v3 has no property nope (it has: monoNoRewind, monoNoJump, bootNoRewind, bootNotAhead, bootExact, bootCatchesUp, vcpuEventuallyEnters, lockOrder, noSleepInAtomic, noWarn, deadlock)'],
    [
      ['simulate', 'v3', '--property', 'bootCatchesUp,vcpuEventuallyEnters'],
      "clockcheck: error: simulation cannot decide bootCatchesUp, vcpuEventuallyEnters: a finite walk cannot violate a liveness property; check them with 'clockcheck check', or choose other properties with --property",
    ],
    [['simulate', 'v3', '-p', 'vcpus=13'], 'clockcheck: error: parameter vcpus=13 is out of range for model v3 (1..12)'],
    [['simulate'], "clockcheck: error: simulate takes one model (a name from 'clockcheck list', or a path), got 0"],
  ];
  for (const [args, line] of cases) {
    it(args.join(' '), () => {
      const r = run(...args);
      expect([r.code, r.stderr, r.stdout]).toEqual([2, line + '\n', '']);
    });
  }
});
