// Sharded compare, sweep and simulate runs, merged: the same table and exit
// code as the unsharded run; and merge's refusals, each one line, exit 2,
// leaving every file as it was.
import { afterAll, describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
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

/** Timings are the one thing two runs of a table may differ in. */
const untimed = (text: string) => text.replace(/\d+\.\d+ s\b/g, 'T');

/** Run every shard of `args` into `dir`, then merge; returns the shards' exit codes and the merge. */
function sharded(dir: string, n: number, ...args: string[]): { codes: number[]; merged: ReturnType<typeof run>; files: string[] } {
  const files = Array.from({ length: n }, (_, k) => join(dir, `shard-${k + 1}.json`));
  const codes = files.map((file, k) => {
    const r = run(...args, '--shard', `${k + 1}/${n}`, '--json', file, '--quiet');
    expect(r.stderr).toBe('');
    expect(r.stdout).toContain(`results written: ${file}`);
    return r.code;
  });
  return { codes, merged: run('merge', ...files), files };
}

describe('shards merged equal the unsharded run', () => {
  it('compare: the same table and exit code (0 here), and the same verdicts as data', () => {
    const dir = tempDir('clockcheck-cmp-');
    const args = ['compare', '--variants', 'baseline,v1,v3,mutant-no-retry', '-p', 'suspends=1'];
    const whole = run(...args, '--no-traces');
    const { codes, merged } = sharded(dir, 3, ...args);
    expect(whole.code).toBe(0);
    expect(codes).toEqual([0, 0, 0]);
    expect([merged.code, merged.stderr]).toEqual([0, '']);
    expect(untimed(merged.stdout)).toBe(untimed(whole.stdout));
    // bootNotAhead: 9 steps; bootCatchesUp: a lasso, 7 steps and then a loop of 4; then vcpuEventuallyEnters, lockOrder, noSleepInAtomic, noWarn, deadlock hold.
    expect(merged.stdout).toMatch(/mutant-no-retry\s+✗ 8\s+✗ 7\s+✗ 8\s+✗ 9\s+✓\s+✗ 7\+4\s+✓\s+✓\s+✓\s+✓\s+✓\s/);
    const data = (path: string) => JSON.parse(readFileSync(path, 'utf8')).rows.map((r: { variant: string; properties: unknown; distinct: number }) => [r.variant, r.properties, r.distinct]);
    expect(run(...args, '--json', join(dir, 'whole.json')).code).toBe(0);
    expect(run('merge', ...[1, 2, 3].map((k) => join(dir, `shard-${k}.json`)), `--json=${join(dir, 'merged.json')}`).code).toBe(0);
    expect(data(join(dir, 'merged.json'))).toEqual(data(join(dir, 'whole.json')));
  });

  it('compare with a bound that leaves verdicts unknown: exit 3, sharded or not', () => {
    const dir = tempDir('clockcheck-cmp3-');
    const args = ['compare', '--variants', 'baseline,v3', '-p', 'suspends=1', '--max-depth', '3'];
    const whole = run(...args, '--no-traces');
    const { merged } = sharded(dir, 2, ...args);
    expect([whole.code, merged.code]).toEqual([3, 3]);
    expect(untimed(merged.stdout)).toBe(untimed(whole.stdout));
  });

  it('sweep: the same table, a row per variant and grid point, and exit code', () => {
    const dir = tempDir('clockcheck-sweep-');
    const args = ['sweep', '--variants', 'v3,baseline', '--grid', 'vcpus=1..2,suspends=1', '--grid', 'tscGranularity=1..2'];
    const whole = run(...args);
    const { codes, merged } = sharded(dir, 3, ...args);
    expect(whole.code).toBe(0);
    expect(codes).toEqual([0, 0, 0]);
    expect(merged.code).toBe(0);
    expect(untimed(merged.stdout)).toBe(untimed(whole.stdout));
    // One suspend that may fail: the truncation's four violations, and the retry spin (vcpuEventuallyEnters, a lasso 6+4:
    // v3/failed-suspend in specs/configs.ts); lockOrder, noSleepInAtomic, noWarn and deadlock hold.
    expect(whole.stdout).toMatch(/v3\s+2\s+1\s+2\s+✗ 7\s+✗ 6\s+✗ 7\s+✗ 7\s+✓\s+✓\s+✗ 6\+4\s+✓\s+✓\s+✓\s+✓\s/);
    // Cells in two threads: the same rows, in the same order.
    expect(untimed(run(...args, '--workers', '2').stdout)).toBe(untimed(whole.stdout));
    expect(whole.stdout.match(/^ {2}(v3|baseline) /gm)).toHaveLength(8);
  });

  it('simulate: shards take disjoint ranges of runs; merged, the lowest failing run is the unsharded answer', () => {
    const dir = tempDir('clockcheck-simsh-');
    const args = ['simulate', 'v3', '--property', 'monoNoRewind', '--seed', '2', '--runs', '150'];
    const whole = JSON.parse(run(...args, '--json').stdout);
    expect(whole.violation.run).toBe(85);
    const { codes, merged, files } = sharded(dir, 3, ...args);
    const ranges = files.map((f) => JSON.parse(readFileSync(f, 'utf8'))).map((j) => [j.from, j.to]);
    expect(ranges).toEqual([
      [0, 50],
      [50, 100],
      [100, 150],
    ]);
    expect(codes.slice(0, 2)).toEqual([0, 1]);
    expect(merged.code).toBe(1);
    expect(merged.stdout).toContain(`monoNoRewind violated in run 85 (shard 2/3)`);
    expect(merged.stdout).toContain(`fast-check: seed 2, path "${whole.violation.path}"`);
    expect(merged.stdout).toContain(`replay: ${whole.replay}`);
  });

  it('simulate with no violation: merged, each property says what the unsharded run says, runs counted over the shards', () => {
    const dir = tempDir('clockcheck-simnone-');
    const args = ['simulate', 'v3-fixed', '--seed', '3', '--runs', '60'];
    const whole = run(...args);
    const { codes, merged } = sharded(dir, 3, ...args);
    expect([whole.code, ...codes, merged.code]).toEqual([0, 0, 0, 0, 0]);
    const rows = (out: string) => out.split('\n').filter((l) => /^ {2}\w+\s+(invariant|step|leadsTo|deadlock)\s/.test(l));
    expect(rows(merged.stdout)).toEqual(rows(whole.stdout));
    expect(rows(merged.stdout)).toHaveLength(11);
    expect(merged.stdout).toMatch(/bootExact\s+invariant\s+unknown\s+no violation in 60 runs/);
    expect(merged.stdout).toMatch(/bootCatchesUp\s+leadsTo\s+unknown\s+liveness: simulation gives no verdict/);
    expect(merged.stdout).toMatch(/deadlock\s+deadlock\s+unknown\s+no dead end in 60 runs; stuck with only stuttering steps left is decided on the state graph/);
  });
});

describe('lassos in results files', () => {
  it('sweep shards write each lasso with its loop (null for a finite counterexample); the merged table shows p+l, and a file without a lasso\'s loop is refused', () => {
    const dir = tempDir('clockcheck-lasso-');
    const args = ['sweep', '--variants', 'baseline,v3', '--grid', 'vcpus=1..2', '-p', 'suspends=1'];
    const whole = run(...args);
    const { codes, merged, files } = sharded(dir, 2, ...args);
    expect([whole.code, ...codes, merged.code]).toEqual([0, 0, 0, 0]);
    expect(untimed(merged.stdout)).toBe(untimed(whole.stdout));
    // variant, vcpus, then monoNoRewind .. deadlock: baseline never tells the guest (bootCatchesUp), v3 spins (vcpuEventuallyEnters).
    // Each prefix first takes every vCPU through the clock update KVM requests at PM_SUSPEND_PREPARE
    // (kvm_set_guest_paused), one step a vCPU, before the loop can repeat a state.
    expect(merged.stdout).toMatch(/baseline\s+1\s+✓\s+✗ 6\s+✓\s+✓\s+✓\s+✗ 6\+2\s+✓\s+✓\s+✓\s+✓\s+✓\s/);
    expect(merged.stdout).toMatch(/baseline\s+2\s+✓\s+✗ 6\s+✓\s+✓\s+✓\s+✗ 7\+4\s+✓\s+✓\s+✓\s+✓\s+✓\s/);
    expect(merged.stdout).toMatch(/v3\s+1\s+✓\s+✓\s+✓\s+✓\s+✓\s+✓\s+✗ 5\+2\s+✓\s+✓\s+✓\s+✓\s/);
    expect(merged.stdout).toMatch(/v3\s+2\s+✓\s+✓\s+✓\s+✓\s+✓\s+✓\s+✗ 6\+4\s+✓\s+✓\s+✓\s+✓\s/);
    type Row = { variant: string; params: { vcpus: number }; properties: { name: string; steps: number | null; loop: number | null }[] };
    const rows: Row[] = files.flatMap((f) => JSON.parse(readFileSync(f, 'utf8')).rows);
    const lengths = (r: Row) => Object.fromEntries(r.properties.filter((p) => p.steps !== null).map((p) => [p.name, [p.steps, p.loop]]));
    expect(Object.fromEntries(rows.map((r) => [`${r.variant} ${r.params.vcpus}`, lengths(r)]))).toEqual({
      'baseline 1': { monoNoJump: [6, null], bootCatchesUp: [8, 2] },
      // baseline/one-suspend in specs/configs.ts (canFail=0) has the same lasso: lasso(7, 4).
      'baseline 2': { monoNoJump: [6, null], bootCatchesUp: [11, 4] },
      'v3 1': { vcpuEventuallyEnters: [7, 2] },
      // v3/failed-suspend in specs/configs.ts: lasso(6, 4).
      'v3 2': { vcpuEventuallyEnters: [10, 4] },
    });
    // The merged file keeps them.
    const out = join(dir, 'merged.json');
    expect(run('merge', ...files, `--json=${out}`).code).toBe(0);
    expect(JSON.parse(readFileSync(out, 'utf8')).rows.map(lengths)).toEqual(
      [...rows].sort((a, b) => a.variant.localeCompare(b.variant) || a.params.vcpus - b.params.vcpus).map(lengths),
    );
    // Without its loop a lasso would pass for a finite counterexample (v3's, 10 steps): refused, not judged against specs/.
    const stripped = JSON.parse(readFileSync(files[1]!, 'utf8'));
    for (const r of stripped.rows) for (const p of r.properties) delete p.loop;
    const bad = join(dir, 'stripped.json');
    writeFileSync(bad, JSON.stringify(stripped));
    const refused = run('merge', files[0]!, bad);
    expect([refused.code, refused.stdout]).toEqual([2, '']);
    expect(refused.stderr).toMatch(/^clockcheck: error: bad results file .*stripped\.json: rows\[\d\]\.properties\[\d\]\.loop is missing: a leadsTo counterexample is a lasso\n$/);
  });
});

describe('sweep and compare check every property: options that cannot decide the liveness ones are refused, one line, exit 2, before any cell runs', () => {
  const graph = 'bootCatchesUp, vcpuEventuallyEnters, deadlock (with stuttering steps) (they need the state graph of a breadth-first search without symmetry), and compare and sweep check every property';
  const cases: [string[], string][] = [
    [['sweep', '--variants', 'v3', '--grid', 'vcpus=1..2', '--symmetry'], `clockcheck: error: --symmetry cannot decide ${graph}: leave --symmetry out`],
    [['compare', '--variants', 'v3,baseline', '--strategy', 'dfs'], `clockcheck: error: --strategy dfs cannot decide ${graph}: leave --strategy dfs out`],
  ];
  for (const [args, line] of cases) {
    it(args.join(' '), () => {
      const dir = tempDir('clockcheck-refuse-');
      const r = run(...args, '--shard', '1/2', '--json', join(dir, 'r.json'));
      expect([r.code, r.stderr, r.stdout]).toEqual([2, line + '\n', '']);
      expect(existsSync(join(dir, 'r.json'))).toBe(false);
    });
  }
});

describe('merge refuses what would not add up: one line, exit 2, nothing written', () => {
  const dir = tempDir('clockcheck-merge-');
  const sweep = (k: number, n: number, file: string, grid = 'vcpus=1..2') =>
    run('sweep', '--variants', 'v3', '--grid', grid, '-p', 'suspends=1', '--shard', `${k}/${n}`, '--json', join(dir, file), '-q');
  sweep(1, 2, 'a1.json');
  sweep(2, 2, 'a2.json');
  sweep(1, 3, 'b1.json');
  sweep(2, 2, 'c2.json', 'vcpus=1..3');
  run('compare', '--variants', 'v3', '-p', 'suspends=1', '--shard', '2/2', '--json', join(dir, 'cmp2.json'), '-q');
  writeFileSync(join(dir, 'cut.json'), readFileSync(join(dir, 'a2.json'), 'utf8').slice(0, 150));
  writeFileSync(join(dir, 'other.json'), JSON.stringify({ format: 'something-else' }));
  const a2 = JSON.parse(readFileSync(join(dir, 'a2.json'), 'utf8'));
  writeFileSync(join(dir, 'rowless.json'), JSON.stringify({ ...a2, rows: [] }));
  writeFileSync(join(dir, 'future.json'), JSON.stringify({ ...a2, version: 9 }));
  const f = (name: string) => join(dir, name);

  const cases: [string, string[], string][] = [
    ['overlapping shards', ['a1.json', 'a2.json', 'a2copy.json'], `shards overlap: ${f('a2.json')} and ${f('a2copy.json')} are both shard 2/2`],
    ['a missing shard, named', ['a2.json'], 'missing shard 1/2 (given: 2/2)'],
    ['shards of different splits', ['a1.json', 'b1.json'], `${f('a1.json')} is shard 1/2 but ${f('b1.json')} is shard 1/3: shards of different splits`],
    ['shards of different grids', ['a1.json', 'c2.json'], `${f('a1.json')} and ${f('c2.json')} are results of different runs (grid: [{"name":"vcpus","values":[1,2]}] vs [{"name":"vcpus","values":[1,2,3]}])`],
    ['results of different commands', ['a1.json', 'cmp2.json'], `${f('a1.json')} holds sweep results, ${f('cmp2.json')} compare results: they do not merge`],
    ['a corrupt file (cut short)', ['a1.json', 'cut.json'], `bad results file ${f('cut.json')}: not valid JSON`],
    ['a file that is not results', ['a1.json', 'other.json'], `bad results file ${f('other.json')}: not a clockcheck results file: format is "something-else", expected "clockcheck-results"`],
    ['a file whose rows were removed', ['a1.json', 'rowless.json'], `bad results file ${f('rowless.json')}: its rows are not the cells of shard 2/2`],
    ['a newer format', ['a1.json', 'future.json'], `bad results file ${f('future.json')}: results format version 9 is newer than this clockcheck reads (1)`],
    ['a file that does not exist', ['a1.json', 'nope.json'], `no such results file: ${f('nope.json')}`],
    ['the output among the inputs', ['a1.json', 'a2.json', '--json=a1.json'], `--json=${f('a1.json')} is one of the files to merge; write the merged results elsewhere`],
  ];
  writeFileSync(join(dir, 'a2copy.json'), readFileSync(join(dir, 'a2.json'), 'utf8'));
  for (const [what, files, line] of cases) {
    it(what, () => {
      const out = f('merged.json');
      writeFileSync(out, 'earlier results\n');
      const before = files.filter((x) => !x.startsWith('--')).map((x) => readFileSync(f(x).replace('nope.json', 'a1.json'), 'utf8'));
      const args = files.map((x) => (x.startsWith('--json=') ? `--json=${f(x.slice(7))}` : f(x)));
      const r = run('merge', ...args, ...(files.some((x) => x.startsWith('--')) ? [] : [`--json=${out}`]));
      expect(r.code).toBe(2);
      expect(r.stderr.split('\n')).toHaveLength(2);
      expect(r.stderr).toMatch(new RegExp(`^clockcheck: error: ${line.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));
      expect(r.stdout).toBe('');
      expect(readFileSync(out, 'utf8')).toBe('earlier results\n');
      expect(files.filter((x) => !x.startsWith('--')).map((x) => readFileSync(f(x).replace('nope.json', 'a1.json'), 'utf8'))).toEqual(before);
    });
  }

  it('a bad --shard writes nothing over an existing results file', () => {
    const file = f('keep.json');
    writeFileSync(file, 'earlier results\n');
    const r = run('sweep', '--variants', 'v3', '--grid', 'vcpus=1', '--shard', '0/2', '--json', file);
    expect([r.code, r.stderr]).toEqual([2, "clockcheck: error: --shard: '0/2' is not i/n with 1 <= i <= n <= 10000 (e.g. 2/4)\n"]);
    expect(readFileSync(file, 'utf8')).toBe('earlier results\n');
  });

  it('the two shards that belong together merge', () => {
    const r = run('merge', f('a1.json'), f('a2.json'));
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/v3\s+1\s+✓/);
    expect(r.stdout).toMatch(/v3\s+2\s+✓/);
  });
});
