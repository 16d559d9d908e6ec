// examples/ci/sweep.yml, the GitHub Actions workflow the README offers: its
// structure (a matrix of shards, artifacts, a merge job after them), and its
// commands run exactly as it lists them, on a small grid, into one folder as
// the merge job's artifact download leaves them.
import { afterAll, describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { run } from '../test-support.js';

type Yaml = string | Yaml[] | { [key: string]: Yaml };

/**
 * The YAML the workflow uses: block maps and lists, flow lists of scalars,
 * `|` block scalars, comments. Enough to read it as GitHub would.
 */
export function parseYaml(text: string): Yaml {
  const lines = text.split('\n').map((raw) => ({ indent: raw.length - raw.trimStart().length, body: raw.trim(), raw }));
  let i = 0;
  const skip = () => {
    while (i < lines.length && (lines[i]!.body === '' || lines[i]!.body.startsWith('#'))) i++;
  };
  const scalar = (v: string): Yaml => {
    if (v.startsWith('[') && v.endsWith(']')) return v.slice(1, -1).split(',').map((x) => x.trim()).filter(Boolean).map((x) => scalar(x) as string);
    return /^(["']).*\1$/.test(v) ? v.slice(1, -1) : v;
  };
  const block = (indent: number): string => {
    const out: string[] = [];
    while (i < lines.length && (lines[i]!.body === '' || lines[i]!.indent > indent)) out.push(lines[i++]!.raw);
    const cut = Math.min(...out.filter((l) => l.trim()).map((l) => l.length - l.trimStart().length));
    return out.map((l) => l.slice(cut)).join('\n').trim() + '\n';
  };
  const node = (indent: number): Yaml => {
    skip();
    if (lines[i]!.body.startsWith('- ')) {
      const list: Yaml[] = [];
      while ((skip(), i < lines.length) && lines[i]!.indent === indent && lines[i]!.body.startsWith('- ')) {
        const item = lines[i]!.body.slice(2);
        if (/^[\w-]+:( |$)/.test(item)) {
          // A map that starts on the dash line: read it as if the dash were a space.
          lines[i] = { indent: indent + 2, body: item, raw: ' '.repeat(indent + 2) + item };
          list.push(node(indent + 2));
        } else {
          list.push(scalar(item));
          i++;
        }
      }
      return list;
    }
    const map: Record<string, Yaml> = {};
    while ((skip(), i < lines.length) && lines[i]!.indent === indent) {
      const m = /^([\w-]+):(?: (.*))?$/.exec(lines[i]!.body);
      if (!m) throw new Error(`line ${i + 1}: not a key: ${lines[i]!.body}`);
      i++;
      const v = (m[2] ?? '').trim();
      if (v === '|') map[m[1]!] = block(indent);
      else if (v !== '') map[m[1]!] = scalar(v);
      else {
        skip();
        map[m[1]!] = i < lines.length && lines[i]!.indent > indent ? node(lines[i]!.indent) : '';
      }
    }
    return map;
  };
  return node(0);
}

const made: string[] = [];
afterAll(() => {
  for (const dir of made) rmSync(dir, { recursive: true, force: true });
});

const text = readFileSync(new URL('../../examples/ci/sweep.yml', import.meta.url), 'utf8');
const wf = parseYaml(text) as any;
const sweepSteps: any[] = wf.jobs.sweep.steps;
const mergeSteps: any[] = wf.jobs.merge.steps;
const shardScript: string = sweepSteps.find((s) => typeof s.run === 'string' && s.run.includes('clockcheck sweep')).run;
const mergeScript: string = mergeSteps.find((s) => typeof s.run === 'string' && s.run.includes('clockcheck merge')).run;

describe('examples/ci/sweep.yml', () => {
  it('is a matrix of shards that upload their results, and a merge job after all of them that downloads them', () => {
    expect(text).not.toContain('\t');
    expect(Object.keys(wf)).toEqual(['name', 'on', 'env', 'jobs']);
    expect(Object.keys(wf.env)).toEqual(['VARIANTS', 'GRID', 'LIMITS']);
    expect(wf.jobs.sweep.strategy.matrix.shard).toEqual(['1', '2', '3', '4']);
    expect(wf.jobs.sweep.strategy['fail-fast']).toBe('false');
    expect(shardScript).toContain('--shard ${{ matrix.shard }}/${{ strategy.job-total }}');
    expect(shardScript).toContain('--json results/shard-${{ matrix.shard }}.json');
    const upload = sweepSteps.find((s) => String(s.uses).startsWith('actions/upload-artifact@'));
    expect(upload.with.name).toBe('sweep-shard-${{ matrix.shard }}');
    expect(upload.with.path.split('\n')).toContain('results/');
    expect(wf.jobs.merge.needs).toBe('sweep');
    const download = mergeSteps.find((s) => String(s.uses).startsWith('actions/download-artifact@'));
    expect(download.with).toMatchObject({ pattern: 'sweep-shard-*', 'merge-multiple': 'true' });
    expect(mergeScript.trim()).toBe('npx clockcheck merge results/*.json');
    for (const job of [sweepSteps, mergeSteps]) expect(job.map((s) => s.run ?? s.uses)).toContain('npm ci');
  });

  it('its commands, run as listed on a small grid, give the table of the unsharded sweep', () => {
    const dir = mkdtempSync(join(tmpdir(), 'clockcheck-ci-'));
    made.push(dir);
    const env = { ...wf.env, VARIANTS: 'v3,baseline', GRID: 'vcpus=1..2,suspends=1..2' } as Record<string, string>;
    const shards: string[] = wf.jobs.sweep.strategy.matrix.shard;
    const command = shardScript.split('\n').find((l) => l.includes('npx clockcheck sweep'))!.replace(/\s*\|\|\s*status=\$\?\s*$/, '');
    const allowed = /-ne (\d+)/g;
    const passes = [...shardScript.matchAll(allowed)].map((m) => Number(m[1]));
    expect(passes).toEqual([0, 1, 3]);
    const inDir = (a: string) => (a === 'traces' || a.startsWith('results/') ? join(dir, a) : a);
    for (const shard of shards) {
      const line = command
        .replaceAll('${{ matrix.shard }}', shard)
        .replaceAll('${{ strategy.job-total }}', String(shards.length))
        .replace(/"?\$(\w+)"?/g, (_, name: string) => env[name]!);
      const [npx, tool, ...args] = line.trim().split(/\s+/);
      expect([npx, tool]).toEqual(['npx', 'clockcheck']);
      const r = run(...args.map(inDir));
      expect(passes).toContain(r.code);
      expect(r.stderr).toBe('');
    }
    expect(readdirSync(join(dir, 'results')).sort()).toEqual(shards.map((k) => `shard-${k}.json`));
    const [npx, tool, sub, pattern] = mergeScript.trim().split(/\s+/);
    expect([npx, tool, sub, pattern]).toEqual(['npx', 'clockcheck', 'merge', 'results/*.json']);
    const merged = run('merge', ...readdirSync(join(dir, 'results')).map((f) => join(dir, 'results', f)));
    const whole = run('sweep', '--variants', env.VARIANTS!, '--grid', env.GRID!, ...env.LIMITS!.split(/\s+/));
    expect(merged.code).toBe(whole.code);
    const untimed = (s: string) => s.replace(/\d+\.\d+ s\b/g, 'T');
    expect(untimed(merged.stdout)).toBe(untimed(whole.stdout));
    // Each grid point's counterexamples in a folder of its own, as the artifacts carry them.
    expect(existsSync(join(dir, 'traces', 'vcpus=2,suspends=2', 'kvm-suspend-time.v3.monoNoRewind.cctrace'))).toBe(true);
  });
});
