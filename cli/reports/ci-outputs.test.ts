// The outputs CI systems show natively: JUnit XML (checked against a JUnit
// schema with libxml2's validator), GitHub annotations and job summaries,
// and SARIF.
import { afterAll, describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { validateXML } from 'xmllint-wasm';
import { toJunit } from '../../traces/views/junit.js';
import { githubAnnotations } from '../../traces/views/github.js';
import { run, runWith } from '../test-support.js';

const made: string[] = [];
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'clockcheck-ci-'));
  made.push(dir);
  return dir;
}
afterAll(() => {
  for (const dir of made) rmSync(dir, { recursive: true, force: true });
});

const schema = readFileSync(new URL('../fixtures/junit.xsd', import.meta.url), 'utf8');

async function schemaErrors(xml: string): Promise<string[]> {
  const r = await validateXML({ xml: [{ fileName: 'junit.xml', contents: xml }], schema: [{ fileName: 'junit.xsd', contents: schema }] });
  return r.errors.map((e) => e.message);
}

const unescape = (s: string) => s.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&#10;/g, '\n').replace(/&amp;/g, '&');

describe('--html from check', () => {
  it('one model: its row of verdicts and an explorer per violation; the usual output and exit code stay', () => {
    const dir = tempDir();
    const file = join(dir, 'r.html');
    const r = run('check', 'peterson', '-p', 'swapped=1', '--html', file);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/mutualExclusion\s+invariant\s+VIOLATED\s+6 steps/);
    expect(r.stdout.endsWith(`report written: ${file}\n`)).toBe(true);
    const html = readFileSync(file, 'utf8');
    expect(html).toMatch(/<title>clockcheck check peterson: peterson: 1 counterexample<\/title>/);
    expect([...html.matchAll(/<section class="explorer"[^>]* data-key="([^"]+)"/g)].map((m) => m[1])).toEqual(['peterson/mutualExclusion']);
    expect(html).toContain('<td class="unknown" title="deadlock: no verdict (the search stopped early)">?</td>');
  });
});

describe('--junit', () => {
  const variants = ['baseline', 'v3', 'v3-fixed'];
  const dir = tempDir();
  const file = join(dir, 'junit.xml');
  const r = run('compare', '--variants', variants.join(','), '--junit', file, '--json', '--quiet');
  const compared = JSON.parse(r.stdout) as { variant: string; result: { properties: { name: string; verdict: string; trace: { length: number; loopStart?: number } | null }[] } }[];
  const xml = readFileSync(file, 'utf8');

  it('compare writes a JUnit file that the JUnit schema accepts, exit code as without it', async () => {
    expect([r.code, r.stderr]).toEqual([0, '']);
    expect(await schemaErrors(xml)).toEqual([]);
  });

  it('one test case per variant and property: classname the variant, name the property', () => {
    const cases = [...xml.matchAll(/<testcase classname="([^"]+)" name="([^"]+)"/g)].map((m) => `${m[1]} ${m[2]}`);
    expect(cases).toEqual(compared.flatMap((c) => c.result.properties.map((p) => `${c.variant} ${p.name}`)));
    expect(xml.match(/<testsuite /g)).toHaveLength(3);
    expect(xml).toMatch(/^<\?xml version="1.0" encoding="UTF-8"\?>\n<testsuites name="clockcheck compare" tests="33" failures="8" errors="0" time="\d+\.\d{3}">/);
  });

  it('a violation is a failure: the message its one-line summary, the body the counterexample', () => {
    const failures = [...xml.matchAll(/<testcase classname="([^"]+)" name="([^"]+)">\n {6}<failure type="violated" message="([^"]*)">([^<]*)<\/failure>/g)];
    const violated = compared.flatMap((c) => c.result.properties.filter((p) => p.verdict === 'violated').map((p) => ({ variant: c.variant, p })));
    expect(failures.map((f) => `${f[1]} ${f[2]}`)).toEqual(violated.map((v) => `${v.variant} ${v.p.name}`));
    for (const [, variant, property, message, body] of failures) {
      const trace = violated.find((v) => v.variant === variant && v.p.name === property)!.p.trace!;
      const steps = trace.length;
      const shape = trace.loopStart !== null && trace.loopStart !== undefined ? `${trace.loopStart}\\+${steps - trace.loopStart} steps \\(a loop of ${steps - trace.loopStart} back to step ${trace.loopStart}, forever\\)` : `${steps} steps`;
      expect(unescape(message!)).toMatch(new RegExp(`^${variant} violates ${property}: ${shape}, ending in \\w+`));
      const lines = unescape(body!).split('\n');
      expect(lines[0]).toMatch(new RegExp(`^${variant}: counterexample to \\w+ ${property}, ${shape}$`));
      const lastStep = trace.loopStart !== undefined ? lines.at(-2) : lines.at(-1); // a lasso ends with a line on its loop
      expect(lastStep).toMatch(new RegExp(`^[ |]+${steps} .*<- (violates ${property}|deadlock)`));
    }
  });

  it('a bound that leaves verdicts unknown: skipped test cases that say why; still valid', async () => {
    const f = join(dir, 'bounded.xml');
    expect(run('check', 'v3', '--max-depth', '3', '--continue', '--junit', f).code).toBe(3);
    const bounded = readFileSync(f, 'utf8');
    expect(await schemaErrors(bounded)).toEqual([]);
    expect(bounded).toContain('<skipped message="no verdict: stopped by the depth bound"/>');
    expect(bounded).toMatch(/<testsuite name="v3" tests="11" failures="0" errors="0" skipped="11"/);
  });

  it('check of a model that holds: every test case passes', async () => {
    const f = join(dir, 'peterson.xml');
    const r = run('check', 'peterson', '--junit', f);
    expect(r.code).toBe(0);
    expect(r.stdout.split('\n').at(-2)).toBe(`JUnit XML written: ${f}`);
    const ok = readFileSync(f, 'utf8');
    expect(await schemaErrors(ok)).toEqual([]);
    expect(ok).toContain('<testsuite name="peterson" tests="3" failures="0" errors="0" skipped="0"');
    expect(ok).toContain('<testcase classname="peterson" name="mutualExclusion"/>');
  });

  it('a verdict that differs from specs/ fails even when the property holds', async () => {
    const out = toJunit({
      title: 't',
      params: {},
      writer: 'test',
      createdAt: 'now',
      rows: [{ variant: 'v3', cells: [{ property: 'bootExact', kind: 'invariant', doc: 'BOOTTIME is exact', verdict: 'holds', expected: { verdict: 'violated' } }] }],
    });
    expect(await schemaErrors(out)).toEqual([]);
    expect(out).toContain('<failure type="differs-from-specs" message="v3 bootExact: specs/ records violated, this run says holds">BOOTTIME is exact</failure>');
    expect(out).toContain('failures="1"');
  });

  it('the schema check bites: a test case without a name, counts that are not numbers, a failure outside a test case', async () => {
    const ok = '<testsuites><testsuite name="a" tests="1" failures="0" errors="0"><testcase name="p"/></testsuite></testsuites>';
    expect(await schemaErrors(ok)).toEqual([]);
    expect(await schemaErrors(ok.replace(' name="p"', ''))).not.toEqual([]);
    expect(await schemaErrors(ok.replace('failures="0"', 'failures="none"'))).not.toEqual([]);
    expect(await schemaErrors(ok.replace('<testcase name="p"/>', '<failure message="x"/>'))).not.toEqual([]);
  });

  it('a --junit path that is a folder: one line, exit 2, before any work and with nothing written', () => {
    const d = tempDir();
    mkdirSync(join(d, 'junit.xml'));
    const bad = run('compare', '--variants', 'baseline', '--junit', join(d, 'junit.xml'));
    expect(bad.code).toBe(2);
    expect(bad.stderr).toBe(`clockcheck: error: --junit: ${join(d, 'junit.xml')} is a folder, not a file\n`);
    expect(bad.stdout).toBe('');
    expect(readdirSync(d)).toEqual(['junit.xml']);
  });

  it('an unwritable target after the check: one line, exit 2, no temporary file left', () => {
    const d = tempDir();
    writeFileSync(join(d, 'file'), 'x');
    const bad = run('check', 'peterson', '--junit', join(d, 'file', 'junit.xml'));
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/^clockcheck: error: --junit: cannot write .*junit\.xml: (EEXIST|ENOTDIR)/);
    expect(bad.stderr.split('\n')).toHaveLength(2);
    expect(readdirSync(d)).toEqual(['file']);
  });
});

/** What the Actions runner makes of a workflow command line (actions/toolkit's escaping, undone). */
function parseCommand(line: string): { kind: string; props: Record<string, string>; message: string } {
  const m = /^::(\w+)(?: ([^:]*))?::(.*)$/.exec(line);
  if (!m) throw new Error(`not a workflow command: ${line}`);
  const un = (s: string) => s.replace(/%0A/g, '\n').replace(/%0D/g, '\r').replace(/%3A/g, ':').replace(/%2C/g, ',').replace(/%25/g, '%');
  const props = Object.fromEntries((m[2] ?? '').split(',').filter(Boolean).map((kv) => [kv.split('=')[0]!, un(kv.slice(kv.indexOf('=') + 1))]));
  return { kind: m[1]!, props, message: un(m[3]!) };
}

describe('--github', () => {
  const inActions = (summary: string) => ({ GITHUB_ACTIONS: 'true', GITHUB_STEP_SUMMARY: summary });

  it('in a GitHub Actions job: an error annotation per violation, the table and counterexamples appended to the job summary', () => {
    const dir = tempDir();
    const summary = join(dir, 'summary.md');
    writeFileSync(summary, 'an earlier step wrote this\n');
    const r = runWith(inActions(summary), 'compare', '--variants', 'baseline,v3-fixed', '--github', '--no-traces', '--quiet');
    expect(r.code).toBe(0);
    const commands = r.stdout.split('\n').filter((l) => l.startsWith('::')).map(parseCommand);
    expect(commands.map((c) => [c.kind, c.props.title])).toEqual([
      ['error', 'clockcheck: baseline violates monoNoJump'],
      ['error', 'clockcheck: baseline violates bootCatchesUp'],
    ]);
    const jump = commands[0]!.message.split('\n');
    expect(jump[0]).toMatch(/^baseline violates monoNoJump: 6 steps, ending in readClock\(0,0\): kernel read on vCPU 0: MONO=1 BOOT=1/);
    expect(jump[1]).toBe('baseline: counterexample to step monoNoJump, 6 steps');
    expect(jump.at(-1)).toMatch(/<- violates monoNoJump$/);
    const md = readFileSync(summary, 'utf8');
    expect(md.startsWith('an earlier step wrote this\n## clockcheck compare\n')).toBe(true);
    expect(md).toContain('| baseline | ✓ | ✗ 6 | ✓ | ✓ | ✓ | ✗ 7+4 | ✓ | ✓ | ✓ | ✓ | ✓ |\n');
    expect(md).toContain('| v3-fixed | ✓ | ✓ | ✓ | ✓ | ✓ | ✓ | ✓ | ✓ | ✓ | ✓ | ✓ |\n');
    expect(md.match(/<details><summary>/g)).toHaveLength(2);
    expect(md).toContain('<details><summary>baseline: monoNoJump (6 steps)</summary>\n\n```text\nbaseline: counterexample to step monoNoJump');
  });

  it('unknown verdicts are warnings; a model file is named so the annotation lands on it', () => {
    const dir = tempDir();
    const bounded = runWith(inActions(join(dir, 's.md')), 'check', 'peterson', '--max-depth', '2', '--github');
    expect(bounded.code).toBe(3);
    const warnings = bounded.stdout.split('\n').filter((l) => l.startsWith('::')).map(parseCommand);
    expect(warnings.map((w) => [w.kind, w.props.title, w.message])).toEqual([
      ['warning', 'clockcheck: peterson mutualExclusion unknown', 'no verdict for mutualExclusion: stopped by the depth bound'],
      ['warning', 'clockcheck: peterson waitLeadsToCritical unknown', 'no verdict for waitLeadsToCritical: stopped by the depth bound'],
      ['warning', 'clockcheck: peterson deadlock unknown', 'no verdict for deadlock: stopped by the depth bound'],
    ]);
    const file = runWith(inActions(join(dir, 's.md')), 'check', 'examples/peterson.ts', '-p', 'swapped=1', '--github');
    expect(file.code).toBe(1);
    const [error] = file.stdout.split('\n').filter((l) => l.startsWith('::')).map(parseCommand);
    expect(error!.props).toEqual({ file: 'examples/peterson.ts', title: 'clockcheck: peterson violates mutualExclusion' });
  });

  it('with --json the annotations go to stderr and stdout stays JSON', () => {
    const dir = tempDir();
    const r = runWith(inActions(join(dir, 's.md')), 'check', 'peterson', '-p', 'swapped=1', '--json', '--github');
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stdout).properties[0].verdict).toBe('violated');
    expect(r.stderr).toMatch(/^::error title=clockcheck%3A peterson violates mutualExclusion::/);
  });

  it('outside GitHub Actions: a line on stderr says why nothing was written, and the verdict is unchanged', () => {
    const dir = tempDir();
    const summary = join(dir, 's.md');
    const r = runWith({ GITHUB_ACTIONS: undefined, GITHUB_STEP_SUMMARY: summary }, 'check', 'peterson', '-p', 'swapped=1', '--github');
    expect(r.code).toBe(1);
    expect(r.stdout).not.toContain('::error');
    expect(r.stderr).toBe('clockcheck: --github: GITHUB_ACTIONS is not set (not a GitHub Actions job): no annotations or job summary written\n');
    expect(readdirSync(dir)).toEqual([]);
  });

  it('escapes what would end or split a workflow command', () => {
    const [line] = githubAnnotations({
      title: 't',
      params: {},
      writer: 'test',
      createdAt: '',
      rows: [{ variant: 'a,b:c', cells: [{ property: 'p', kind: 'invariant', doc: '', verdict: 'unknown' }], incomplete: '100% done\nor not' }],
    });
    expect(line).toBe('::warning title=clockcheck%3A a%2Cb%3Ac p unknown::no verdict for p: 100%25 done%0Aor not');
    expect(parseCommand(line!).props.title).toBe('clockcheck: a,b:c p unknown');
  });
});

describe('--sarif', () => {
  interface SarifResult {
    ruleId: string;
    ruleIndex: number;
    kind: string;
    level: string;
    message: { text: string };
    locations?: { physicalLocation: { artifactLocation: { uri: string } } }[];
    codeFlows?: { threadFlows: { locations: { executionOrder: number; location: { message: { text: string } } }[] }[] }[];
    properties: { variant: string; steps?: number };
  }

  it('SARIF 2.1.0: a rule per property, a result per variant and property, a counterexample as a code flow of its steps', () => {
    const dir = tempDir();
    const file = join(dir, 'out.sarif');
    const r = run('compare', '--variants', 'baseline,v3-fixed', '--sarif', file, '--no-traces', '--quiet');
    expect(r.code).toBe(0);
    const sarif = JSON.parse(readFileSync(file, 'utf8'));
    expect(sarif.version).toBe('2.1.0');
    const run0 = sarif.runs[0];
    expect(run0.tool.driver.name).toBe('clockcheck');
    const rules = run0.tool.driver.rules.map((x: { id: string }) => x.id);
    expect(rules).toEqual(['monoNoRewind', 'monoNoJump', 'bootNoRewind', 'bootNotAhead', 'bootExact', 'bootCatchesUp', 'vcpuEventuallyEnters', 'lockOrder', 'noSleepInAtomic', 'noWarn', 'deadlock']);
    const results = run0.results as SarifResult[];
    expect(results).toHaveLength(22);
    for (const x of results) {
      expect(rules[x.ruleIndex]).toBe(x.ruleId);
      // SARIF §3.27.10: a level other than none only for kind fail.
      if (x.kind !== 'fail') expect(x.level).toBe('none');
    }
    const failed = results.filter((x) => x.kind === 'fail');
    expect(failed.map((x) => `${x.properties.variant} ${x.ruleId} ${x.level}`)).toEqual(['baseline monoNoJump error', 'baseline bootCatchesUp error']);
    const flow = failed[0]!.codeFlows![0]!.threadFlows[0]!.locations;
    expect(flow.map((l) => l.executionOrder)).toEqual([0, 1, 2, 3, 4, 5, 6]);
    expect(flow[1]!.location.message.text).toBe(
      '1. pmSuspendPrepare (pm_notifier_call_chain_robust(PM_SUSPEND_PREPARE) -> kvm_pm_notifier_call (kvm_arch_pm_notifier, and the design notifier), under kvm->lock)',
    );
    expect(failed[0]!.message.text).toMatch(/^baseline violates monoNoJump: 6 steps, ending in readClock\(0,0\)/);
    expect(failed[0]!.locations).toBeUndefined(); // a built-in model has no file to point at
  });

  it('a model file is the location of its results', () => {
    const dir = tempDir();
    const file = join(dir, 'out.sarif');
    expect(run('check', 'examples/peterson.ts', '-p', 'swapped=1', '--sarif', file).code).toBe(1);
    const results = JSON.parse(readFileSync(file, 'utf8')).runs[0].results as SarifResult[];
    expect(results.map((x) => [x.ruleId, x.kind, x.locations?.[0]?.physicalLocation.artifactLocation.uri])).toEqual([
      ['mutualExclusion', 'fail', 'examples/peterson.ts'],
      ['waitLeadsToCritical', 'open', 'examples/peterson.ts'],
      ['deadlock', 'open', 'examples/peterson.ts'],
    ]);
  });
});

describe("the README's CI workflow", () => {
  it('its clockcheck command runs as written on a model file: reports written, an annotation, exit 1 for the violation', () => {
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    const yaml = readme.split('## CI')[1]!.split('```yaml')[1]!.split('```')[0]!;
    expect(yaml).toContain('uses: actions/upload-artifact@v4');
    expect(yaml).toMatch(/on: pull_request/);
    const command = /npx clockcheck (check [^\n]*\\\n[^\n]*)/.exec(yaml)![1]!.replace(/\\\n\s*/, '').replace(/ \|\| status=\$\?$/, '');
    const dir = tempDir();
    const args = command
      .split(/\s+/)
      .map((a) => a.replace('"$model"', 'examples/lostUpdate.ts').replace('$name', 'lostUpdate').replace(/^"reports\/(.*)"$/, `${dir}/$1`));
    const r = runWith({ GITHUB_ACTIONS: 'true', GITHUB_STEP_SUMMARY: join(dir, 'summary.md') }, ...args);
    expect(r.code).toBe(1);
    expect(readdirSync(dir).sort()).toEqual(['lostUpdate.html', 'lostUpdate.junit.xml', 'lostUpdate.sarif', 'summary.md']);
    expect(r.stdout).toMatch(/^::error file=examples\/lostUpdate\.ts,title=clockcheck%3A lost-update violates xNeverDecreases::/m);
  });
});
