// The HTML report as a person sees it: Debian's chromium, driven by
// playwright-core, opens the file offline and is used with the keyboard.
// .ci/run installs chromium when it is missing; where it cannot, these
// tests are skipped with a line that says why.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { petersonLasso } from '../../traces/test-support.js';
import { toHtml } from '../../traces/views/html.js';
import { run } from '../test-support.js';

/** CLOCKCHECK_CHROMIUM names the browser to use (and only it); else Debian's. */
function findChromium(): string | undefined {
  const given = process.env.CLOCKCHECK_CHROMIUM;
  const candidates = given ? [given] : ['/usr/bin/chromium', '/usr/bin/chromium-browser'];
  return candidates.find((p) => existsSync(p));
}

const executablePath = findChromium();
if (!executablePath) {
  const looked = process.env.CLOCKCHECK_CHROMIUM ?? '/usr/bin/chromium';
  console.warn(
    `SKIPPED: the browser tests of the HTML report: no chromium at ${looked}. ` +
      '.ci/run installs it with apt-get where it can; elsewhere: apt-get install chromium, or set CLOCKCHECK_CHROMIUM',
  );
}

// Chromium as root on a closed network: no sandbox, and none of the
// background connections it would otherwise try (and be refused).
const FLAGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const SCREENSHOTS = fileURLToPath(new URL('../../out/screenshots/', import.meta.url));
const VARIANTS = ['baseline', 'v1', 'v3', 'v3-fixed', 'mutant-inject-cumulative'];

interface Verdicts {
  variant: string;
  result: { properties: { name: string; verdict: string; trace: { length: number; loopStart?: number; steps: { action: string; note?: string }[] } | null }[] };
}

describe.skipIf(!executablePath)('the HTML report in Chromium', () => {
  let browser: Browser;
  let dir: string;
  let report: string;
  let compared: Verdicts[];
  const violations = () =>
    compared.flatMap((r) => r.result.properties.filter((p) => p.verdict === 'violated').map((p) => ({ variant: r.variant, property: p.name, trace: p.trace! })));

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'clockcheck-html-'));
    report = join(dir, 'report.html');
    const r = run('compare', '--variants', VARIANTS.join(','), '--html', report, '--json', '--quiet');
    expect([r.code, r.stderr]).toEqual([0, '']);
    compared = JSON.parse(r.stdout);
    browser = await chromium.launch({ executablePath, args: FLAGS });
  }, 90_000);

  afterAll(async () => {
    await browser?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** A page with no network at all that records every request and script error. */
  async function open(hash = '', width = 1280): Promise<{ page: Page; requests: string[]; errors: string[] }> {
    const context = await browser.newContext({ offline: true, viewport: { width, height: 900 } });
    const page = await context.newPage();
    const requests: string[] = [];
    const errors: string[] = [];
    page.on('request', (q) => requests.push(q.url()));
    page.on('pageerror', (e) => errors.push(e.message));
    page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
    await page.goto(pathToFileURL(report).href + hash);
    await page.waitForSelector('html.explorer-ready');
    return { page, requests, errors };
  }

  const counter = (page: Page) => page.locator('section.explorer:not([hidden]) .step-counter').textContent();
  const shownKey = (page: Page) => page.locator('section.explorer:not([hidden])').getAttribute('data-key');

  it('opens offline: the file itself is the only request, and no script fails', async () => {
    const { page, requests, errors } = await open();
    expect(requests).toEqual([pathToFileURL(report).href]);
    expect(errors).toEqual([]);
    expect(await page.locator('section.explorer:not([hidden])').count()).toBe(1);
    await page.context().close();
  });

  it('every ✗ cell links to its counterexample, which renders: its steps, its chart, the counter at the violation', async () => {
    const { page, errors } = await open();
    const expected = violations();
    expect(expected.length).toBeGreaterThan(10);
    const cells = page.locator('table.verdicts td.violated a');
    expect(await cells.count()).toBe(expected.length);
    for (let k = 0; k < expected.length; k++) {
      const { variant, property, trace } = expected[k]!;
      const cell = cells.nth(k);
      const lasso = trace.loopStart !== null && trace.loopStart !== undefined;
      expect(await cell.textContent()).toBe(lasso ? `✗ ${trace.loopStart}+${trace.length - trace.loopStart!}` : `✗ ${trace.length}`);
      await cell.click();
      await expect.poll(() => page.evaluate(() => location.hash)).toBe(`#${variant}/${property}/${trace.length}`);
      expect(await shownKey(page)).toBe(`${variant}/${property}`);
      const shown = page.locator('section.explorer:not([hidden])');
      expect(await page.locator('section.explorer:not([hidden])').count()).toBe(1);
      expect(await shown.locator('ol.steps li[data-step]').count()).toBe(trace.length + 1);
      expect(await shown.locator('ol.steps li[data-step] code.action').allTextContents()).toEqual(trace.steps.map((s) => s.action));
      const chart = shown.locator('svg.trace-chart');
      expect((await chart.boundingBox())!.height).toBeGreaterThan(200);
      expect(await chart.locator('line.violation').count()).toBe(1);
      expect(await counter(page)).toBe(`step ${trace.length} of ${trace.length}`);
    }
    expect(errors).toEqual([]);
    await page.context().close();
  });

  it('steps through a trace with the keyboard: the counter, the address, the cursor and the marked violating read follow', async () => {
    const { page } = await open('#baseline/monoNoJump/0');
    const trace = violations().find((v) => v.variant === 'baseline' && v.property === 'monoNoJump')!.trace;
    expect(await counter(page)).toBe('step 0 of 6');
    for (let i = 0; i < 3; i++) await page.keyboard.press('ArrowRight');
    expect(await counter(page)).toBe('step 3 of 6');
    expect(await page.evaluate(() => location.hash)).toBe('#baseline/monoNoJump/3');
    const shown = page.locator('section.explorer:not([hidden])');
    expect(await shown.locator('ol.steps li[aria-current="step"]').getAttribute('data-step')).toBe('3');
    const cursorAt = () =>
      shown.locator('svg.trace-chart').evaluate((svg) => ({ x: svg.querySelector('line.cursor')!.getAttribute('x1'), xs: (svg as SVGSVGElement).dataset.xs!.split(',') }));
    const c3 = await cursorAt();
    expect(c3.x).toBe(c3.xs[3]);
    await page.keyboard.press('ArrowLeft');
    expect(await counter(page)).toBe('step 2 of 6');
    expect((await cursorAt()).x).toBe(c3.xs[2]);
    expect(await shown.locator('.step-detail:not([hidden]) h4').textContent()).toBe(`Step 2: ${trace.steps[2]!.action}`);
    await page.keyboard.press('End');
    expect(await counter(page)).toBe('step 6 of 6');
    const read = shown.locator('.step-detail:not([hidden]) p.read.violating-read');
    expect(await read.textContent()).toBe(trace.steps[6]!.note);
    expect(await read.evaluate((e) => getComputedStyle(e).color)).toBe('rgb(198, 40, 40)');
    // read.mono and read.boot at the violating step: marked red, and now also current.
    expect(await shown.locator('svg circle.violating-read.current').count()).toBe(2);
    expect(await shown.locator('button.next').isDisabled()).toBe(true);
    await page.keyboard.press('Home');
    await page.keyboard.press('ArrowLeft');
    expect(await counter(page)).toBe('step 0 of 6');
    expect(await shown.locator('button.prev').isDisabled()).toBe(true);
    await shown.locator('button.next').click();
    expect(await counter(page)).toBe('step 1 of 6');
    expect(await shown.locator('.step-detail:not([hidden]) .fn').textContent()).toMatch(
      /^stands for: pm_notifier_call_chain_robust\(PM_SUSPEND_PREPARE\) -> kvm_pm_notifier_call \(kvm_arch_pm_notifier, and the design notifier\), under kvm->lock/,
    );
    await page.context().close();
  });

  it('a permalink restores the counterexample and the step; a step past the end shows the last', async () => {
    const { page } = await open('#v3/monoNoRewind/5');
    const trace = violations().find((v) => v.variant === 'v3' && v.property === 'monoNoRewind')!.trace;
    expect(await shownKey(page)).toBe('v3/monoNoRewind');
    expect(await counter(page)).toBe(`step 5 of ${trace.length}`);
    const shown = page.locator('section.explorer:not([hidden])');
    expect(await shown.locator('.step-detail:not([hidden]) h4').textContent()).toBe(`Step 5: ${trace.steps[5]!.action}`);
    expect(await shown.locator('a.permalink').getAttribute('href')).toBe('#v3/monoNoRewind/5');
    await page.evaluate(() => (location.hash = '#v3/monoNoRewind/99'));
    await expect.poll(() => counter(page)).toBe(`step ${trace.length} of ${trace.length}`);
    await page.context().close();
  });

  for (const width of [1280, 420]) {
    it(`at ${width} px: the table and a trace fit the page (only the table and the chart scroll sideways); screenshots`, async () => {
      mkdirSync(SCREENSHOTS, { recursive: true });
      const { page } = await open('', width);
      expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(width);
      const table = join(SCREENSHOTS, `table-${width}.png`);
      await page.locator('#verdicts').screenshot({ path: table });
      await page.goto(pathToFileURL(report).href + '#v3/monoNoRewind/5');
      await page.waitForSelector('html.explorer-ready');
      expect(await counter(page)).toBe('step 5 of 13');
      expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(width);
      const shown = page.locator('section.explorer:not([hidden])');
      const list = (await shown.locator('ol.steps').boundingBox())!;
      const chart = (await shown.locator('.chart').boundingBox())!;
      // Side by side on a wide screen, one above the other on a phone.
      if (width >= 900) expect(chart.x).toBeGreaterThanOrEqual(list.x + list.width);
      else expect(chart.y).toBeGreaterThanOrEqual(list.y + list.height);
      // The current step is in view in the list, and the cursor in the chart.
      const li = (await shown.locator('ol.steps li[aria-current="step"]').boundingBox())!;
      expect(li.y).toBeGreaterThanOrEqual(list.y - 1);
      expect(li.y + li.height).toBeLessThanOrEqual(list.y + list.height + 1);
      const cursor = (await shown.locator('svg line.cursor').boundingBox())!;
      expect(cursor.x).toBeGreaterThanOrEqual(chart.x);
      expect(cursor.x).toBeLessThanOrEqual(chart.x + chart.width);
      const trace = join(SCREENSHOTS, `trace-${width}.png`);
      await shown.screenshot({ path: trace });
      for (const f of [table, trace]) expect(statSync(f).size).toBeGreaterThan(10_000);
      await page.context().close();
    });
  }

  it('show --html: a saved trace names the kernel function of each step, read from the trace file', async () => {
    const traces = join(dir, 'traces');
    expect(run('check', 'baseline', '--traces', traces, '--property', 'monoNoJump').code).toBe(1);
    const page = join(dir, 'show.html');
    const r = run('show', join(traces, 'kvm-suspend-time.baseline.monoNoJump.cctrace'), '--html', page);
    expect([r.code, r.stdout]).toEqual([0, `wrote ${page}\n`]);
    const p = await (await browser.newContext({ offline: true })).newPage();
    await p.goto(pathToFileURL(page).href + '#baseline/monoNoJump/4');
    await p.waitForSelector('html.explorer-ready');
    expect(await counter(p)).toBe('step 4 of 6');
    expect(await p.locator('table.verdicts td.violated a').getAttribute('href')).toBe('#baseline/monoNoJump');
    expect(await p.locator('.step-detail:not([hidden]) .fn').textContent()).toMatch(/^stands for: suspend_thaw_processes/);
    await p.context().close();
  });

  it('a lasso shows its loop: the shaded steps, the way back in the chart and the list', async () => {
    const t = petersonLasso();
    const html = await toHtml({ title: 'lasso', params: {}, writer: 'test', createdAt: '', rows: [{ variant: 'peterson', cells: [{ property: 'p1Enters', kind: 'eventually', doc: '', verdict: 'violated', trace: t }] }] });
    const page = await (await browser.newContext({ offline: true })).newPage();
    await page.setContent(html);
    await page.waitForSelector('html.explorer-ready');
    expect(await page.locator('ol.steps li.in-loop').evaluateAll((lis) => lis.map((li) => (li as HTMLElement).dataset.step))).toEqual(['4', '5', '6', '7', '8']);
    expect(await page.locator('ol.steps li.loop-back').textContent()).toBe('↻ back to step 4: steps 5-8 repeat forever');
    expect(await page.locator('svg g.loop text').textContent()).toBe('loop: back to step 4');
    expect((await page.locator('svg g.loop rect').boundingBox())!.width).toBeGreaterThan(100);
    for (let i = 0; i < 4; i++) await page.keyboard.press('ArrowLeft');
    expect(await counter(page)).toBe('step 4 of 8');
    expect(await page.locator('.step-detail:not([hidden]) p.loop').textContent()).toMatch(/the loop starts here/);
    await page.context().close();
  });
});

