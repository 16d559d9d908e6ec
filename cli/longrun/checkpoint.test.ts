// Long runs as users have them: a real process killed (SIGKILL), interrupted
// (SIGINT, SIGTERM) or stopped by a budget, then resumed from its
// checkpoint; the resumed run must be the uninterrupted one.
import { afterAll, describe, expect, it } from 'vitest';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { run, sleep, start, until } from '../test-support.js';

const root = mkdtempSync(join(tmpdir(), 'clockcheck-resume-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let n = 0;
const fresh = () => join(root, `c${n++}`);

/** What a resumed run must give exactly as the uninterrupted one. */
function essentials(j: any) {
  return {
    complete: j.complete,
    stopReason: j.stopReason,
    stats: { distinct: j.stats.distinct, transitions: j.stats.transitions, depth: j.stats.depth, edges: j.stats.edges ?? null, frontierPeak: j.stats.frontierPeak },
    properties: j.properties.map((p: any) => ({
      name: p.name,
      verdict: p.verdict,
      length: p.trace?.length ?? null,
      loopStart: p.trace?.loopStart ?? null,
      steps: p.trace?.steps.map((s: any) => s.action) ?? null,
    })),
    coverage: j.coverage,
  };
}

const manifestOf = (dir: string) => JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8'));
const snapshot = (dir: string) => Object.fromEntries(readdirSync(dir).map((f) => [f, readFileSync(join(dir, f), 'latin1')]));

// v3 at 2 vCPUs and 3 suspends, every property: 617,766 states, the liveness graph recorded (2-4 s).
const V3 = ['check', 'v3', '-p', 'vcpus=2', '-p', 'suspends=3', '--continue', '--json', '--quiet'];
let whole: any;
const uninterrupted = () => (whole ??= JSON.parse(run(...V3).stdout));

describe('check --checkpoint / --resume', () => {
  it('a run killed with SIGKILL mid-search resumes to the counts, verdicts and counterexamples of an uninterrupted run', async () => {
    const dir = fresh();
    const c = start(...V3, '--checkpoint', dir, '--checkpoint-every', '0.2');
    await until(() => existsSync(join(dir, 'manifest.json')), 'the first checkpoint');
    await sleep(150);
    process.kill(c.pid, 'SIGKILL');
    expect(await c.exited).toEqual({ code: null, signal: 'SIGKILL' });
    const m = manifestOf(dir);
    const s = m.search;
    expect(s.distinct).toBeLessThan(617_766);
    // Taken between two expansions inside a level, not at a level's end.
    expect(s.position.cur).toBeGreaterThan(s.graph.levelStart[s.position.depth]);
    expect(s.position.cur).toBeLessThan(s.position.levelEnd);
    expect(s.graph.expanded).toBe(s.position.cur);
    // The checkpoint, the dead run's lock, and at most the next checkpoint's
    // files: temporary ones, or its data file if the kill came between the
    // two renames (no manifest names it; the resume removes it).
    const files = readdirSync(dir).filter((f) => !/\.tmp$/.test(f));
    expect(files).toContain(m.data);
    expect(files).toContain('manifest.json');
    const others = files.filter((f) => f !== m.data && f !== 'manifest.json' && f !== 'checkpoint.lock');
    expect(others.length).toBeLessThanOrEqual(1);
    for (const f of others) expect(f).toMatch(/^data-\d+\.bin$/);

    const r = run(...V3, '--resume', dir);
    expect(r.code).toBe(1);
    const j = JSON.parse(r.stdout);
    expect(essentials(j)).toEqual(essentials(uninterrupted()));
    expect(j.properties.find((p: any) => p.name === 'bootCatchesUp').trace.loopStart).toBeGreaterThan(0);
    // The run is complete: the checkpoint would only resume to this result, so it is gone.
    expect(readdirSync(dir)).toEqual([]);
  });

  it('SIGINT writes a checkpoint where the search stands and prints the result so far; --resume finishes the run', async () => {
    const dir = fresh();
    const c = start(...V3, '--checkpoint', dir, '--checkpoint-every', '0.2');
    await until(() => existsSync(join(dir, 'manifest.json')), 'the first checkpoint');
    process.kill(c.pid, 'SIGINT');
    const exit = await c.exited;
    expect([1, 3]).toContain(exit.code); // 1 if a violation was found before the signal
    const j = JSON.parse(c.stdout);
    expect(j.stopReason).toBe('interrupted');
    expect(j.signal).toBe('SIGINT');
    expect(j.complete).toBe(false);
    expect(j.checkpoint.kept).toBe(true);
    expect(j.checkpoint.last.states).toBe(j.stats.distinct);
    expect(manifestOf(dir).search.distinct).toBe(j.stats.distinct);
    expect(j.properties.find((p: any) => p.name === 'bootExact').verdict).toBe('unknown');
    expect(j.properties.find((p: any) => p.name === 'bootCatchesUp').verdict).toBe('unknown');

    const r = run(...V3, '--resume', dir);
    expect(essentials(JSON.parse(r.stdout))).toEqual(essentials(uninterrupted()));
  });

  it('SIGTERM does the same, and a resumed run can be interrupted and resumed again', async () => {
    const dir = fresh();
    const args = ['check', 'v3-fixed', '-p', 'vcpus=3', '-p', 'suspends=2', '--json', '--quiet'];
    const c1 = start(...args, '--checkpoint', dir, '--checkpoint-every', '0.2');
    await until(() => existsSync(join(dir, 'manifest.json')), 'the first checkpoint');
    process.kill(c1.pid, 'SIGTERM');
    expect((await c1.exited).code).toBe(3);
    const first = manifestOf(dir).search.distinct;
    const c2 = start(...args, '--resume', dir, '--checkpoint-every', '0.2');
    await until(() => existsSync(join(dir, 'manifest.json')) && manifestOf(dir).search.distinct > first, 'a checkpoint of the resumed run');
    process.kill(c2.pid, 'SIGTERM');
    expect((await c2.exited).code).toBe(3);
    const r = run(...args, '--resume', dir);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(essentials(JSON.parse(r.stdout))).toEqual(essentials(JSON.parse(run(...args).stdout)));
  });

  it('a run stopped by --max-seconds leaves a checkpoint to go on from', () => {
    const dir = fresh();
    const stopped = run(...V3, '--checkpoint', dir, '--max-seconds', '0.4');
    const j = JSON.parse(stopped.stdout);
    expect(j.stopReason).toBe('time');
    // 1 if a violation was found in the 0.4 s, else 3 (incomplete).
    expect(stopped.code).toBe(j.properties.some((p: any) => p.verdict === 'violated') ? 1 : 3);
    expect(manifestOf(dir).search.distinct).toBe(j.stats.distinct);
    expect(essentials(JSON.parse(run(...V3, '--resume', dir).stdout))).toEqual(essentials(uninterrupted()));
  });
});

describe('check: SIGINT without a checkpoint', () => {
  const GRID = ['check', 'cli/fixtures/grid.ts', '--continue', '--json'];
  it('stops cleanly: the statistics so far, the counterexample already found kept and written, the rest unknown', async () => {
    const dir = fresh();
    const c = start(...GRID, '--traces', dir);
    // The first progress line comes after two seconds of search: the search is running.
    await until(() => /grid: [\d,]+ distinct/.test(c.stderr), 'a progress line');
    process.kill(c.pid, 'SIGINT');
    const exit = await c.exited;
    expect(exit.code).toBe(1); // `near` is violated: a violation outranks incomplete, as for every budget
    const j = JSON.parse(c.stdout);
    expect(j.stopReason).toBe('interrupted');
    expect(j.complete).toBe(false);
    expect(j.stats.distinct).toBeGreaterThan(1000);
    expect(j.stats.distinct).toBeLessThan(4096 * 4096);
    expect(j.properties.map((p: any) => [p.name, p.verdict, p.trace?.length ?? null])).toEqual([
      ['near', 'violated', 2],
      ['inRange', 'unknown', null],
      ['deadlock', 'unknown', null],
    ]);
    expect(j.traceFiles).toHaveLength(1);
    expect(readdirSync(dir)).toEqual(['grid.near.cctrace']);
    expect(c.stderr).toContain('SIGINT: stopping; send it again to quit at once');
  });

  it('exit 3 when nothing was violated before the signal: every verdict unknown', async () => {
    const c = start('check', 'cli/fixtures/grid.ts', '--property', 'inRange', '--no-color');
    await until(() => /grid: [\d,]+ distinct/.test(c.stderr), 'a progress line');
    process.kill(c.pid, 'SIGINT');
    expect((await c.exited).code).toBe(3);
    expect(c.stdout).toMatch(/inRange\s+invariant\s+unknown/);
    expect(c.stdout).toContain('incomplete: interrupted (SIGINT or SIGTERM)');
    expect(c.stdout).toMatch(/[\d,]+ distinct states, [\d,]+ transitions/);
  });
});

describe('check --workers: SIGINT', () => {
  it('stops the search at the end of the level being explored: the result so far, exit 3', async () => {
    const c = start('check', 'cli/fixtures/grid.ts', '--property', 'inRange', '--workers', '2', '--json');
    await until(() => /grid: [\d,]+ distinct/.test(c.stderr), 'a progress line');
    process.kill(c.pid, 'SIGINT');
    expect((await c.exited).code).toBe(3);
    const j = JSON.parse(c.stdout);
    expect([j.stopReason, j.signal, j.complete, j.stats.workers]).toEqual(['interrupted', 'SIGINT', false, 2]);
    expect(j.properties[0].verdict).toBe('unknown');
    expect(c.stderr).toContain('SIGINT: stopping at the end of this level');
  });
});

describe('the folder under a long run', () => {
  it('a model file changed since its checkpoint is refused (one line, exit 2), even with the same fields and actions', () => {
    const dir = fresh();
    const file = join(root, `grid-${n}.ts`);
    const checker = fileURLToPath(new URL('../../checker/index.js', import.meta.url));
    const source = readFileSync(fileURLToPath(new URL('../fixtures/grid.ts', import.meta.url)), 'utf8').replace('../../checker/index.js', checker);
    writeFileSync(file, source);
    const args = ['check', file, '-p', 'size=2000', '--property', 'inRange', '--json', '--quiet'];
    const stopped = run(...args, '--checkpoint', dir, '--max-seconds', '0.3');
    expect(stopped.code).toBe(3);
    expect(existsSync(join(dir, 'manifest.json'))).toBe(true);
    writeFileSync(file, source.replace('step: (s) => void s.b++', 'step: (s) => void (s.b = Math.min(s.b + 2, p.size - 1))'));
    const before = snapshot(dir);
    const r = run(...args, '--resume', dir);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^clockcheck: error: cannot resume from .*: model grid has changed since the checkpoint \(its code differs\)\n$/);
    expect(snapshot(dir)).toEqual(before);
  });

  it('a folder that cannot be made, or that another live run holds: one line, exit 2', () => {
    const file = join(root, `plain-${n++}`);
    writeFileSync(file, 'not a folder');
    const r = run('check', 'peterson', '--checkpoint', join(file, 'sub'));
    expect([r.code, r.stderr]).toEqual([2, `clockcheck: error: --checkpoint: cannot make the folder ${join(file, 'sub')} (ENOTDIR)\n`]);
    const dir = fresh();
    mkdirSync(dir);
    writeFileSync(join(dir, 'checkpoint.lock'), `${process.pid}\n`);
    const held = run('check', 'peterson', '--checkpoint', dir);
    expect([held.code, held.stderr]).toEqual([2, `clockcheck: error: --checkpoint: ${dir} is in use by another clockcheck run (pid ${process.pid}); wait for it, or give another folder\n`]);
  });

  it('a folder removed under the run: warnings, the search goes on to its result, exit 0, and no claim of a checkpoint kept', async () => {
    const dir = fresh();
    const c = start('check', 'cli/fixtures/grid.ts', '-p', 'size=2000', '--property', 'inRange', '--checkpoint', dir, '--checkpoint-every', '0.05', '--no-color');
    await until(() => existsSync(join(dir, 'manifest.json')), 'the first checkpoint');
    rmSync(dir, { recursive: true, force: true });
    const exit = await c.exited;
    expect(c.stderr).toMatch(/clockcheck: warning: checkpoint not written \(ENOENT/);
    expect(exit.code).toBe(0);
    expect(c.stdout).toMatch(/inRange\s+invariant\s+holds/);
    expect(c.stdout).toContain('4,000,000 distinct states');
    expect(c.stdout).not.toContain('holds a checkpoint');
    expect(existsSync(dir)).toBe(false);
  });
});

describe('refusals: one line, exit 2, nothing in the folder touched', () => {
  const dir = fresh();
  let before: Record<string, string>;
  const refused = (args: string[], message: RegExp) => {
    const r = run(...args);
    expect(r.code).toBe(2);
    expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(message);
    expect(r.stdout).toBe('');
    expect(snapshot(dir)).toEqual(before);
  };

  it('a checkpoint of another model, another parameter set, another option set', () => {
    const r = run(...V3, '--checkpoint', dir, '--max-seconds', '0.3');
    expect(r.code).not.toBe(2);
    before = snapshot(dir);
    refused(['check', 'baseline', '-p', 'vcpus=2', '-p', 'suspends=3', '--continue', '--resume', dir], /^clockcheck: error: cannot resume from .*: it is a checkpoint of model v3, not baseline$/m);
    refused(['check', 'v3', '-p', 'vcpus=2', '-p', 'suspends=2', '--continue', '--resume', dir], /taken with --param suspends=3, this run has suspends=2$/m);
    refused(['check', 'v3', '-p', 'vcpus=2', '-p', 'suspends=3', '--resume', dir], /taken with --continue, this run is without it$/m);
    refused([...V3, '--exact', '--resume', dir], /taken without --exact, this run is with it$/m);
    refused([...V3, '--property', 'safety', '--resume', dir], /it checks --property monoNoRewind,.*, this run checks monoNoRewind,/);
    // Nor is a folder holding a checkpoint overwritten by a new run.
    refused([...V3, '--checkpoint', dir], /already holds a checkpoint; resume it with --resume/);
  });

  it('a checkpoint of another format version, and corrupt ones (manifest or data file cut short, bad magic)', () => {
    const manifest = join(dir, 'manifest.json');
    const text = readFileSync(manifest, 'utf8');
    const data = join(dir, JSON.parse(text).data);
    const bytes = new Uint8Array(readFileSync(data));
    const each = (change: () => void, message: RegExp) => {
      change();
      before = snapshot(dir);
      refused([...V3, '--resume', dir], message);
      writeFileSync(manifest, text);
      writeFileSync(data, bytes);
    };
    each(() => writeFileSync(manifest, text.replace('"format": 1,', '"format": 2,')), /checkpoint in format 2, this clockcheck reads format 1$/m);
    each(() => truncateSync(data, bytes.length >> 1), /^clockcheck: error: corrupt checkpoint in .*: data-\d+\.bin is \d+ bytes, the manifest says \d+ \(truncated\)$/m);
    each(() => writeFileSync(manifest, text.slice(0, text.length >> 1)), /manifest\.json is not valid JSON/);
    each(() => writeFileSync(data, new Uint8Array(bytes.length)), /does not begin with a checkpoint's magic bytes$/m);
    each(() => writeFileSync(manifest, text.replace('"clockcheck checkpoint"', '"something else"')), /bad magic/);
    each(() => writeFileSync(manifest, text.replace(/"params": \{[^}]*\}/, '"params": null')), /manifest\.json lacks fields a checkpoint has/);
  });

  it('options a checkpoint cannot go with', () => {
    before = snapshot(dir);
    refused([...V3, '--property', 'safety', '--checkpoint', fresh(), '--workers', '2'], /--checkpoint works with the one-thread search only; leave out --workers$/m);
    refused([...V3, '--property', 'safety', '--checkpoint', fresh(), '--strategy', 'dfs'], /--checkpoint works with the breadth-first search only; leave out --strategy dfs$/m);
    refused([...V3, '--checkpoint-every', '5'], /--checkpoint-every needs --checkpoint DIR/);
    refused([...V3, '--resume', fresh()], /cannot resume: .* does not exist$/m);
  });
});
