import { describe, expect, it } from 'vitest';
import { check, compileModel } from '../../checker/index.js';
import { kvmModels } from '../../specs/kvm.js';
import { traceFileOf } from '../format.js';
import { petersonLasso, wellFormed } from '../test-support.js';
import { toSvg, type ShownTrace } from './chart.js';
import { toHtml } from './html.js';
import type { Report } from './report.js';
import { changesAt, summaryLine, traceText } from './text.js';

function kvmTrace(variant: string, property: string): ShownTrace {
  const def = kvmModels.find((d) => d.name === variant)!;
  const m = compileModel(def);
  const p = check(m, { continueAfterViolation: true }).properties.find((x) => x.name === property)!;
  return traceFileOf(m, { name: def.name, family: def.family, source: def.name }, p.trace!, 'test', p.doc);
}

describe('the chart', () => {
  it('a lasso is drawn with its loop: the band over the repeating steps, the way back, the legend', () => {
    const t = petersonLasso();
    expect(t.states[4]).toEqual(t.states[8]);
    const svg = toSvg(t);
    expect(wellFormed(svg)).toBe(true);
    expect(svg).toContain('<g class="loop" data-from="4">');
    expect(svg).toContain('loop: back to step 4');
    expect(svg).toContain('violates p1Enters forever (steps 4-8 repeat)');
    expect(svg).toContain('loop from step 4');
  });

  it('a finite trace has no loop; a loop start outside the trace is ignored', () => {
    const t = kvmTrace('baseline', 'monoNoJump');
    expect(toSvg(t)).not.toContain('class="loop"');
    expect(toSvg({ ...t, loopStart: t.actions.length })).not.toContain('class="loop"');
    expect(toSvg(t)).toContain('>violates monoNoJump<');
  });

  it('for the explorer: each step has an x, and a hidden cursor waits for the script', () => {
    const t = kvmTrace('baseline', 'monoNoJump');
    const svg = toSvg(t, { cursor: true });
    expect(wellFormed(svg)).toBe(true);
    const xs = /data-xs="([^"]+)"/.exec(svg)![1]!.split(',').map(Number);
    expect(xs).toHaveLength(t.states.length);
    expect(xs).toEqual([...xs].sort((a, b) => a - b));
    expect(svg).toMatch(/<line class="cursor"[^>]*visibility="hidden"/);
    expect(toSvg(t)).not.toContain('class="cursor"');
  });
});

describe('counterexamples as text', () => {
  it('one line a step, with the changed fields and the violation; the summary names how it ends', () => {
    const t = kvmTrace('baseline', 'monoNoJump');
    const text = traceText(t);
    expect(text.split('\n')[0]).toBe('baseline: counterexample to step monoNoJump, 6 steps');
    expect(text).toMatch(/\n {4}1 {2}pmSuspendPrepare +hostPhase=prepared /);
    expect(text).toMatch(/\n {4}6 {2}readClock\(0,0\) +kernel read on vCPU 0: MONO=1 BOOT=1 .* <- violates monoNoJump$/);
    expect(summaryLine(t)).toBe(`baseline violates monoNoJump: 6 steps, ending in readClock(0,0): ${t.notes[6]}`);
    expect(changesAt(t, 1).map((c) => c.path)).toContain('hostPhase');
    expect(changesAt(t, 0)).toHaveLength(t.layout.fields.length);
  });

  it('a lasso marks the steps that repeat and says where the run goes back to', () => {
    const text = traceText(petersonLasso());
    const marked = text.split('\n').filter((l) => l.startsWith('|')).map((l) => Number(l.slice(1, 5)));
    expect(marked).toEqual([4, 5, 6, 7, 8]);
    expect(text).toContain('<- violates p1Enters forever: steps 5-8 repeat, back to step 4');
    expect(summaryLine(petersonLasso())).toMatch(/^peterson violates p1Enters: 4\+4 steps \(a loop of 4 back to step 4, forever\), ending in leave\(0\)$/);
  });
});

describe('the HTML report', () => {
  const report = (): Report => ({
    title: 'clockcheck compare',
    params: { vcpus: 2 },
    writer: 'test',
    createdAt: '2026-01-01T00:00:00Z',
    rows: [
      {
        variant: 'baseline',
        states: 1128,
        seconds: 0.03,
        cells: [
          { property: 'monoNoJump', kind: 'step', doc: 'd', verdict: 'violated', trace: kvmTrace('baseline', 'monoNoJump') },
          { property: 'bootExact', kind: 'invariant', doc: 'd', verdict: 'holds', expected: { verdict: 'violated' } },
          { property: 'deadlock', kind: 'deadlock', doc: 'd', verdict: 'unknown' },
        ],
      },
      { variant: '<b>&"x"', cells: [{ property: 'monoNoJump', kind: 'step', doc: '', verdict: 'violated', trace: petersonLasso() }] },
    ],
  });

  it('loads nothing: no external address in any src or href, and a policy that forbids loading', async () => {
    const html = await toHtml(report());
    expect(html).toContain(`content="default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:"`);
    expect(html).not.toMatch(/\s(src|href)="(?!#)/);
    expect(html).not.toMatch(/@import|url\(/);
  });

  it('each ✗ cell links to the explorer of its counterexample; ✓, ? and ! are plain cells', async () => {
    const html = await toHtml(report());
    const links = [...html.matchAll(/<td class="violated[^"]*"[^>]*><a href="#([^"]+)"/g)].map((m) => m[1]);
    const explorers = [...html.matchAll(/<section class="explorer"[^>]* data-key="([^"]+)"/g)].map((m) => m[1]);
    expect(links).toEqual(['baseline/monoNoJump', '%3Cb%3E%26%22x%22/monoNoJump']);
    expect(explorers).toEqual(links);
    expect(html).toMatch(/<td class="holds differs" title="specs\/ records violated, this run says holds">✓ <span class="differs-mark"/);
    expect(html).toContain('<td class="unknown"');
  });

  it('escapes what the models name, and every step of every trace has its details', async () => {
    const html = await toHtml(report());
    expect(html).not.toContain('<b>&"x"');
    expect(html).toContain('&lt;b&gt;&amp;&quot;x&quot;');
    expect(html.match(/<div class="step-detail"/g)).toHaveLength(7 + 9);
    expect(html).toContain('stands for:</span> pm_notifier_call_chain_robust(PM_SUSPEND_PREPARE)');
    expect(html).toContain('<li class="loop-back">↻ back to step 4: steps 5-8 repeat forever</li>');
  });

  it('the explorer script is compiled in, and the page needs nothing else', async () => {
    const html = await toHtml(report());
    const script = /<script>\n([\s\S]*)<\/script>/.exec(html)![1]!;
    expect(script).toContain('hashchange');
    expect(script).not.toMatch(/\bimport\b|\brequire\(/);
  });
});
