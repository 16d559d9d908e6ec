// check --spill from the command line: a run that moves to disk gives the
// counts, verdicts and counterexamples of the run in memory; a budget too
// small to go on is one clear line and exit 3; what --spill cannot do is
// refused in one line, exit 2, before anything is written; the folder is
// emptied at the end, on SIGINT, and when the process is killed.
//
// CLOCKCHECK_SPILL_TEST=atStates:recent:level:keys moves a small model to
// disk at that many states with tables of those many entries (README), so
// that the disk phase runs without a model too big for a test.
import { afterAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { run, runWith, sleep, startWith as start, until } from '../test-support.js';

const bin = fileURLToPath(new URL('../../bin/clockcheck.js', import.meta.url));
const root = mkdtempSync(join(tmpdir(), 'clockcheck-spill-cli-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let n = 0;
const fresh = () => join(root, `s${n++}`);

/** What a run that moved to disk must give exactly as the run in memory. */
function essentials(j: any) {
  return {
    complete: j.complete,
    stopReason: j.stopReason,
    stats: { distinct: j.stats.distinct, transitions: j.stats.transitions, depth: j.stats.depth },
    properties: j.properties.map((p: any) => ({ name: p.name, verdict: p.verdict, steps: p.trace?.steps.map((s: any) => s.action) ?? null })),
    coverage: j.coverage,
  };
}

// v3 at 2 vCPUs and 2 suspends, safety properties: 66,588 states, four of them violated.
const V3 = ['check', 'v3', '-p', 'vcpus=2,suspends=2', '--property', 'safety', '--json', '--quiet'];
const inMemory: Record<string, any> = {};
const memoryRun = (...extra: string[]) => (inMemory[extra.join(' ')] ??= JSON.parse(run(...V3, ...extra).stdout));

/** The spill folder given holds nothing once the run is over (the search's own folder inside it is gone). */
const emptied = (dir: string) => existsSync(dir) && readdirSync(dir).length === 0;

describe('check --spill', () => {
  it('a run moved to disk (small tables: runs written, tables cleared) gives the counts, verdicts and counterexamples of the run in memory', () => {
    for (const extra of [['--continue'], []]) {
      const dir = fresh();
      const r = runWith({ CLOCKCHECK_SPILL_TEST: '3000:64:64:512' }, ...V3, ...extra, '--max-memory', '1G', '--spill', dir);
      expect(r.stderr).toBe('');
      expect(r.code).toBe(1);
      const j = JSON.parse(r.stdout);
      expect(j.stats.spill.atStates).toBeGreaterThanOrEqual(3000);
      expect(j.stats.spill.merges).toBeGreaterThan(0);
      expect(j.stats.spill.diskWrittenBytes).toBeGreaterThan(0);
      expect(essentials(j)).toEqual(essentials(memoryRun(...extra)));
      expect(emptied(dir)).toBe(true);
    }
    expect(memoryRun('--continue').stats.distinct).toBe(66588);
  });

  it('the text output says when the search moved and what the disk held', () => {
    const dir = fresh();
    const r = runWith({ CLOCKCHECK_SPILL_TEST: '3000:64:64:512' }, 'check', 'v3-fixed', '-p', 'vcpus=2,suspends=2', '--property', 'safety', '--quiet', '--max-memory', '1G', '--spill', dir);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/moved to disk at [\d,]+ states: tables [\d.]+ \w?i?B in memory, at most [\d.]+ \w?i?B on disk, [\d.]+ \w?i?B written, [\d,]+ level merges/);
    // Not the sizes the tables had in memory before the move.
    expect(r.stdout).toMatch(/state \d+ B packed, visited set and parent records on disk, peak frontier/);
    expect(emptied(dir)).toBe(true);
  });

  it('a budget the search fits in: the run in memory, said so', () => {
    const dir = fresh();
    const r = run(...V3, '--continue', '--max-memory', '4G', '--spill', dir);
    const j = JSON.parse(r.stdout);
    expect(j.stats.spill.atStates).toBe(null);
    expect(essentials(j)).toEqual(essentials(memoryRun('--continue')));
    expect(run(...V3.filter((a) => a !== '--json'), '--max-memory', '4G', '--spill', fresh()).stdout).toContain('--spill: the search fit in the memory budget');
    expect(emptied(dir)).toBe(true);
  });

  it('a budget too small to go on after the move: stopped by memory, one line says what the budget needs, exit 3', () => {
    const dir = fresh();
    const r = run(...V3.filter((a) => a !== '--json'), '--continue', '--max-memory', '20M', '--spill', dir);
    expect(r.code).toBe(3);
    expect(r.stdout).toMatch(/^ {2}moved to disk at [\d,]+ states, but the budget leaves no room for the tables of the search on disk: --max-memory needs at least [\d.]+ MiB here$/m);
    expect(r.stdout).toContain('incomplete: stopped by the memory budget (--max-memory)');
    const j = JSON.parse(run(...V3, '--continue', '--max-memory', '20M', '--spill', dir).stdout);
    expect(j.stopReason).toBe('memory');
    expect(j.stats.spill.neededBytes).toBeGreaterThan(20 * 2 ** 20);
    expect(emptied(dir)).toBe(true);
  });

  it('one level made of many key runs (a buffer of one key) is merged in steps: under 64 open files, the result of the run in memory', () => {
    // Before the merge was bounded, every key run of a level was open at once: EMFILE here.
    const dir = fresh();
    const args = ['check', 'v3', '-p', 'vcpus=2,suspends=1', '--property', 'safety', '--continue', '--json', '--quiet'];
    const r = spawnSync('bash', ['-c', 'ulimit -n 64 && exec "$0" "$@"', process.execPath, bin, ...args, '--max-memory', '1G', '--spill', dir], {
      env: { ...process.env, NO_COLOR: '1', CLOCKCHECK_SPILL_TEST: '0:4096:4096:1' },
      encoding: 'utf8',
    });
    expect(r.stderr).toBe('');
    expect(essentials(JSON.parse(r.stdout))).toEqual(essentials(JSON.parse(run(...args).stdout)));
    expect(emptied(dir)).toBe(true);
  });

  it('a model that throws on its initial state, or a folder that cannot be made: one line, exit 2, nothing left behind', () => {
    const dir = fresh();
    const model = join(root, `throws-init-${n}.ts`);
    const checker = fileURLToPath(new URL('../../checker/index.js', import.meta.url));
    writeFileSync(
      model,
      `import { defineLayout, defineModel, int, invariant, modelOf } from ${JSON.stringify(checker)};
export default defineModel({ name: 'throwsInit', description: 'an invariant that throws', params: {}, build: () =>
  modelOf(defineLayout({ x: int(0, 3) }), { init: () => {}, actions: [{ name: 'inc', enabled: (s) => s.x < 3, step: (s) => void s.x++ }],
    properties: [invariant('bad', () => { throw new Error('boom'); })] }) });
`,
    );
    const r = run('check', model, '--max-memory', '1G', '--spill', dir);
    expect([r.code, r.stderr]).toEqual([2, 'clockcheck: model error: invariant bad threw: boom\n']);
    expect(emptied(dir)).toBe(true);
    const file = join(root, `a-file-${n++}`);
    writeFileSync(file, 'x');
    const f = run(...V3, '--max-memory', '1G', '--spill', file);
    expect(f.code).toBe(2);
    expect(f.stderr).toMatch(/^clockcheck: error: --spill: cannot make a folder in .*a-file-\d+ \(EEXIST\)\n$/);
  });

  it('refuses, in one line with exit 2 and before anything is written, what it cannot do', () => {
    const cases: [string[], RegExp][] = [
      [['--spill', 'DIR'], /--spill needs --max-memory/],
      [['--spill', 'DIR', '--max-memory', '1G', '--workers', '2'], /--spill works with the one-thread search only/],
      [['--spill', 'DIR', '--max-memory', '1G', '--checkpoint', 'CK'], /--spill cannot be combined with --checkpoint/],
      [['--spill', 'DIR', '--max-memory', '1G', '--resume', 'CK'], /--spill cannot be combined with --resume/],
      [['--spill', 'DIR', '--max-memory', '1G', '--strategy', 'dfs'], /--spill works with the breadth-first search only/],
      [['--spill', 'DIR', '--max-memory', '1G', '--exact'], /--spill keeps 64-bit fingerprints on disk/],
      [['--spill', 'DIR', '--max-memory', '1G', '--max-depth', '5'], /--spill cannot be combined with --max-depth/],
    ];
    for (const [args, msg] of cases) {
      const dir = fresh();
      const r = run(...V3, ...args.map((a) => (a === 'DIR' ? dir : a === 'CK' ? fresh() : a)));
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stdout).toBe('');
      expect(r.stderr).toMatch(msg);
      expect(r.stderr).toMatch(/^clockcheck: error: [^\n]*\n$/);
      expect(existsSync(dir)).toBe(false);
    }
    // Liveness properties need the state graph, which stays in memory.
    const dir = fresh();
    const r = run('check', 'v3', '-p', 'vcpus=2,suspends=2', '--quiet', '--max-memory', '1G', '--spill', dir);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^clockcheck: error: [^\n]*bootCatchesUp[^\n]* cannot be checked with --spill \(the state graph they need stays in memory\); leave them out, e\.g\. --property safety\n$/);
    expect(existsSync(dir)).toBe(false);
  });
});

/** glibc, where --spill runs in a child (bin/respawn.js). */
const glibcChild = process.platform === 'linux' && (process.report?.getReport() as any)?.header?.glibcVersionRuntime !== undefined;

/** The pid of a process's child (Linux: /proc), or 0. */
function childOf(pid: number): number {
  try {
    for (const t of readdirSync(`/proc/${pid}/task`)) {
      const kids = readFileSync(`/proc/${pid}/task/${t}/children`, 'utf8').trim();
      if (kids) return Number(kids.split(/\s+/)[0]);
    }
  } catch {
    // Gone.
  }
  return 0;
}

/** The search's folder inside `dir` holds the parent records: it has moved to disk. */
const moved = (dir: string) => existsSync(dir) && readdirSync(dir).some((d) => d.startsWith('clockcheck-spill-') && existsSync(join(dir, d, 'parents.bin')));

// v3-fixed at 3 vCPUs and 2 suspends: 363,432 states, no violation; on disk from 20,000 states on.
const FIXED = ['check', 'v3-fixed', '-p', 'vcpus=3,suspends=2', '--property', 'safety', '--json', '--quiet', '--max-memory', '1G'];
const SMALL = { CLOCKCHECK_SPILL_TEST: '20000:4096:4096:4096' };

describe('check --spill, stopped', () => {
  it('SIGINT on disk: the result so far, exit 3, the folder emptied', async () => {
    const dir = fresh();
    const c = start(SMALL, ...FIXED, '--spill', dir);
    await until(() => moved(dir), 'the move to disk');
    process.kill(c.pid, 'SIGINT');
    const exit = await c.exited;
    expect(exit.code).toBe(3);
    const j = JSON.parse(c.stdout);
    expect(j.stopReason).toBe('interrupted');
    expect(j.signal).toBe('SIGINT');
    expect(j.stats.distinct).toBeGreaterThanOrEqual(20000);
    expect(j.stats.distinct).toBeLessThan(363432);
    expect(emptied(dir)).toBe(true);
  });

  it('a second SIGINT quits at once, and the folder is emptied all the same', async () => {
    const dir = fresh();
    const c = start(SMALL, ...FIXED, '--spill', dir);
    await until(() => moved(dir), 'the move to disk');
    process.kill(c.pid, 'SIGINT');
    await sleep(30);
    process.kill(c.pid, 'SIGINT');
    await c.exited;
    await until(() => emptied(dir), 'the folder emptied');
  });

  it.runIf(glibcChild)('the search process itself killed (SIGKILL, as the OOM killer does): the command removes its folder and ends as killed', async () => {
    const dir = fresh();
    const c = start(SMALL, ...FIXED, '--spill', dir);
    await until(() => moved(dir), 'the move to disk');
    const child = childOf(c.pid);
    expect(child).toBeGreaterThan(0);
    process.kill(child, 'SIGKILL');
    const exit = await c.exited;
    expect(exit.signal).toBe('SIGKILL');
    expect(emptied(dir)).toBe(true);
  });

  it('the process killed outright (SIGKILL): the search on disk stops and empties the folder', async () => {
    const dir = fresh();
    const c = start(SMALL, ...FIXED, '--spill', dir);
    await until(() => moved(dir), 'the move to disk');
    process.kill(c.pid, 'SIGKILL');
    await c.exited;
    await until(() => emptied(dir), 'the folder emptied');
  });
});
