// The outputs CI systems show natively: JUnit XML (checked against a JUnit
// schema with libxml2's validator), GitHub annotations and job summaries,
// and SARIF.
import { afterAll, describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { validateXML } from 'xmllint-wasm';
import { toJunit } from '../traces/views/junit.js';
import { run } from './test-support.js';

const made: string[] = [];
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'clockcheck-ci-'));
  made.push(dir);
  return dir;
}
afterAll(() => {
  for (const dir of made) rmSync(dir, { recursive: true, force: true });
});

const schema = readFileSync(new URL('./fixtures/junit.xsd', import.meta.url), 'utf8');

async function schemaErrors(xml: string): Promise<string[]> {
  const r = await validateXML({ xml: [{ fileName: 'junit.xml', contents: xml }], schema: [{ fileName: 'junit.xsd', contents: schema }] });
  return r.errors.map((e) => e.message);
}

const unescape = (s: string) => s.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&#10;/g, '\n').replace(/&amp;/g, '&');

describe('--junit', () => {
  const variants = ['baseline', 'v3', 'v3-fixed'];
  const dir = tempDir();
  const file = join(dir, 'junit.xml');
  const r = run('compare', '--variants', variants.join(','), '--junit', file, '--json', '--quiet');
  const compared = JSON.parse(r.stdout) as { variant: string; result: { properties: { name: string; verdict: string; trace: { length: number } | null }[] } }[];
  const xml = readFileSync(file, 'utf8');

  it('compare writes a JUnit file that the JUnit schema accepts, exit code as without it', async () => {
    expect([r.code, r.stderr]).toEqual([0, '']);
    expect(await schemaErrors(xml)).toEqual([]);
  });

  it('one test case per variant and property: classname the variant, name the property', () => {
    const cases = [...xml.matchAll(/<testcase classname="([^"]+)" name="([^"]+)"/g)].map((m) => `${m[1]} ${m[2]}`);
    expect(cases).toEqual(compared.flatMap((c) => c.result.properties.map((p) => `${c.variant} ${p.name}`)));
    expect(xml.match(/<testsuite /g)).toHaveLength(3);
    expect(xml).toMatch(/^<\?xml version="1.0" encoding="UTF-8"\?>\n<testsuites name="clockcheck compare" tests="21" failures="7" errors="0" time="\d+\.\d{3}">/);
  });

  it('a violation is a failure: the message its one-line summary, the body the counterexample', () => {
    const failures = [...xml.matchAll(/<testcase classname="([^"]+)" name="([^"]+)">\n {6}<failure type="violated" message="([^"]*)">([^<]*)<\/failure>/g)];
    const violated = compared.flatMap((c) => c.result.properties.filter((p) => p.verdict === 'violated').map((p) => ({ variant: c.variant, p })));
    expect(failures.map((f) => `${f[1]} ${f[2]}`)).toEqual(violated.map((v) => `${v.variant} ${v.p.name}`));
    for (const [, variant, property, message, body] of failures) {
      const steps = violated.find((v) => v.variant === variant && v.p.name === property)!.p.trace!.length;
      expect(unescape(message!)).toMatch(new RegExp(`^${variant} violates ${property}: ${steps} steps, ending in \\w+`));
      const lines = unescape(body!).split('\n');
      expect(lines[0]).toMatch(new RegExp(`^${variant}: counterexample to \\w+ ${property}, ${steps} steps$`));
      expect(lines.at(-1)).toMatch(new RegExp(`^ +${steps} .*<- (violates ${property}|deadlock)`));
    }
  });

  it('a bound that leaves verdicts unknown: skipped test cases that say why; still valid', async () => {
    const f = join(dir, 'bounded.xml');
    expect(run('check', 'v3', '--max-depth', '3', '--continue', '--junit', f).code).toBe(3);
    const bounded = readFileSync(f, 'utf8');
    expect(await schemaErrors(bounded)).toEqual([]);
    expect(bounded).toContain('<skipped message="no verdict: stopped by the depth bound"/>');
    expect(bounded).toMatch(/<testsuite name="v3" tests="7" failures="0" errors="0" skipped="7"/);
  });

  it('check of a model that holds: every test case passes', async () => {
    const f = join(dir, 'peterson.xml');
    const r = run('check', 'peterson', '--junit', f);
    expect(r.code).toBe(0);
    expect(r.stdout.split('\n').at(-2)).toBe(`JUnit XML written: ${f}`);
    const ok = readFileSync(f, 'utf8');
    expect(await schemaErrors(ok)).toEqual([]);
    expect(ok).toContain('<testsuite name="peterson" tests="2" failures="0" errors="0" skipped="0"');
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
