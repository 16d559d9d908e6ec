// A comparison of two architectures in every report format: each
// architecture's rows with its own properties and parameters (an x86 and an
// arm64 design side by side share only the shared properties).
import { afterAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { validateXML } from 'xmllint-wasm';
import { runWith } from '../test-support.js';

const dir = mkdtempSync(join(tmpdir(), 'clockcheck-arch-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const schema = readFileSync(new URL('../fixtures/junit.xsd', import.meta.url), 'utf8');
const summary = join(dir, 'summary.md');
writeFileSync(summary, '');
const files = { html: join(dir, 'r.html'), junit: join(dir, 'r.xml'), sarif: join(dir, 'r.sarif') };
const r = runWith(
  { GITHUB_ACTIONS: 'true', GITHUB_STEP_SUMMARY: summary },
  'compare', '--variants', 'v3,arm64-v3', '-p', 'suspends=1,canFail=0', '--no-traces', '--quiet',
  '--html', files.html, '--junit', files.junit, '--sarif', files.sarif, '--github',
);

describe('compare of an x86 and an arm64 design', () => {
  it('exits as the verdicts say (as specs/ records them: 0)', () => {
    expect([r.code, r.stderr]).toEqual([0, '']);
  });

  it('JUnit: a suite per variant with its own test cases and its own parameters; the schema accepts it', async () => {
    const xml = readFileSync(files.junit, 'utf8');
    const v = await validateXML({ xml: [{ fileName: 'r.xml', contents: xml }], schema: [{ fileName: 'junit.xsd', contents: schema }] });
    expect(v.errors.map((e) => e.message)).toEqual([]);
    const suites = xml.split('<testsuite ').slice(1);
    expect(suites.map((s) => /^name="([^"]+)" tests="(\d+)" failures="(\d+)"/.exec(s)!.slice(1))).toEqual([
      ['v3', '11', '0'],
      ['arm64-v3', '11', '2'],
    ]);
    expect(suites[0]).toContain('<property name="hostTsc" value="0"/>');
    expect(suites[0]).toContain('name="lockOrder"');
    expect(suites[1]).not.toContain('hostTsc');
    expect(suites[1]).toContain('<property name="physReader" value="1"/>');
    expect(suites[1]).toContain('<property name="maxSleep" value="1"/>');
    expect(suites[1]).toMatch(/<testcase classname="arm64-v3" name="architecturalCounter">\s*<failure/);
  });

  it('SARIF: a rule for every property of either, a result per variant and property', () => {
    const run0 = JSON.parse(readFileSync(files.sarif, 'utf8')).runs[0];
    const rules = run0.tool.driver.rules.map((x: { id: string }) => x.id);
    expect(rules).toEqual(expect.arrayContaining(['bootNotAhead', 'lockOrder', 'noWarn', 'countersAgree', 'timerDeadline', 'architecturalCounter', 'deadlock']));
    expect(rules).toHaveLength(14);
    expect(run0.results).toHaveLength(22);
    const failed = run0.results.filter((x: { kind: string }) => x.kind === 'fail').map((x: { ruleId: string; properties: { variant: string } }) => `${x.properties.variant} ${x.ruleId}`);
    expect(failed).toEqual(['arm64-v3 countersAgree', 'arm64-v3 architecturalCounter']);
  });

  it('GitHub job summary: a table per architecture, each with its parameters and its columns', () => {
    const md = readFileSync(summary, 'utf8');
    expect(md).toContain('### x86\n\nvcpus=2 suspends=1 maxAwake=2 maxSleep=2 jumpTolerance=0 tscGranularity=1');
    expect(md).toContain('### arm64\n\nvcpus=2 suspends=1 maxAwake=2 maxSleep=1 jumpTolerance=0 canFail=0');
    expect(md).toContain('| variant | monoNoRewind | monoNoJump | bootNoRewind | bootNotAhead | bootExact | bootCatchesUp | vcpuEventuallyEnters | lockOrder | noSleepInAtomic | noWarn | deadlock |');
    expect(md).toContain('| variant | monoNoRewind | monoNoJump | bootNoRewind | bootNotAhead | bootExact | bootCatchesUp | vcpuEventuallyEnters | countersAgree | timerDeadline | architecturalCounter | deadlock |');
    expect(md).toContain('| arm64-v3 | ✓ | ✓ | ✓ | ✓ | ✓ | ✓ | ✓ | ✗ 6 | ✓ | ✗ 6 | ✓ |\n');
  });

  it('HTML: a verdict table per architecture, each headed by its name and parameters', () => {
    const html = readFileSync(files.html, 'utf8');
    expect([...html.matchAll(/<h3>([^<]+)<\/h3>/g)].map((m) => m[1])).toEqual(['x86', 'arm64']);
    expect(html.match(/<table class="verdicts">/g)).toHaveLength(2);
    const [, x86, arm64] = html.split('<table class="verdicts">');
    expect(x86).toContain('>lockOrder</th>');
    expect(x86).not.toContain('>countersAgree</th>');
    expect(arm64).toContain('>architecturalCounter</th>');
    expect(arm64).not.toContain('>noWarn</th>');
  });
});
