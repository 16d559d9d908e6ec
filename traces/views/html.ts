// The HTML report: one self-contained file (styles, script and charts
// inline; a Content-Security-Policy that lets it load nothing) with the
// verdict table and, for each counterexample, a step-through explorer.
// Every step's details are written into the page; the script (explorer.client.ts)
// only picks what is shown, so the file reads without it too.

import { readFileSync } from 'node:fs';
import { loopStartOf, toSvg, type ShownTrace } from './chart.js';
import { cellText, differsText, reportColumns, reportTables, reportTraces, traceKey, type Report, type ReportCell, type ReportRow } from './report.js';
import { actionAt, actionDocAt, changesAt, violationText } from './text.js';

function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

const here = (name: string) => new URL(name, import.meta.url);

let clientScript: string | undefined;

/** The explorer script as plain JavaScript, compiled once per process. */
async function explorerScript(): Promise<string> {
  if (clientScript === undefined) {
    const { transform } = await import('esbuild');
    const out = await transform(readFileSync(here('./explorer.client.ts'), 'utf8'), { loader: 'ts', format: 'iife', target: 'es2020' });
    clientScript = out.code;
  }
  return clientScript;
}

function verdictCell(row: string, c: ReportCell | undefined): string {
  if (!c) return '<td class="none">-</td>';
  const differs = differsText(c);
  const mark = differs ? ` <span class="differs-mark" title="${esc(differs)}">!</span>` : '';
  const cls = `${c.verdict}${differs ? ' differs' : ''}`;
  if (c.verdict === 'violated' && c.trace) {
    const title = `${row} violates ${c.property}: ${c.trace.actions.length}-step counterexample (explore it)`;
    return `<td class="${cls}" data-key="${esc(traceKey(row, c.property))}"><a href="#${esc(traceKey(row, c.property))}" title="${esc(title)}">${esc(cellText(c))}</a>${mark}</td>`;
  }
  const title = c.verdict === 'holds' ? `${c.property} holds` : `${c.property}: no verdict (the search stopped early)`;
  return `<td class="${cls}" title="${esc(differs ?? title)}">${esc(cellText(c))}${mark}</td>`;
}

/** One table of verdicts: its rows, its properties as columns. */
function verdictTableOf(rows: readonly ReportRow[]): string {
  const names = reportColumns({ rows });
  const docs = new Map(rows.flatMap((row) => row.cells.map((c) => [c.property, c.doc] as const)));
  const head = `<tr><th scope="col">variant</th>${names.map((n) => `<th scope="col" title="${esc(docs.get(n) ?? '')}">${esc(n)}</th>`).join('')}<th scope="col">states</th><th scope="col">time</th></tr>`;
  const body = rows
    .map((row) => {
      const cells = names.map((n) => verdictCell(row.variant, row.cells.find((c) => c.property === n))).join('');
      return `<tr><th scope="row">${esc(row.variant)}</th>${cells}<td class="num">${row.states?.toLocaleString('en-US') ?? '-'}</td><td class="num">${row.seconds !== undefined ? `${row.seconds.toFixed(2)} s` : '-'}</td></tr>`;
    })
    .join('\n');
  return `<div class="table-wrap"><table class="verdicts"><thead>${head}</thead><tbody>\n${body}\n</tbody></table></div>`;
}

function verdictTable(r: Report): string {
  const tables = reportTables(r);
  const shown = tables.map((t) =>
    t.name === undefined
      ? verdictTableOf(t.rows)
      : `<h3>${esc(t.name)}</h3>\n<p class="meta">${esc(Object.entries(t.params).map(([k, v]) => `${k}=${v}`).join(' '))}</p>\n${verdictTableOf(t.rows)}`,
  );
  const incomplete = r.rows.filter((row) => row.incomplete).map((row) => `${row.variant}: ${row.incomplete}`);
  const differing = r.rows.flatMap((row) => row.cells.flatMap((c) => (differsText(c) ? [`${row.variant} ${c.property}: ${differsText(c)}`] : [])));
  return [
    '<section id="verdicts">',
    '<h2>Verdicts</h2>',
    '<p class="legend">✓ holds · ✗ n violated, with a shortest counterexample of n steps, ✗ p+l a lasso of p steps and a loop of l repeated forever (select it to step through) · ? unknown · ! differs from what specs/ records</p>',
    ...shown,
    ...(incomplete.length ? [`<p class="notes">Incomplete: ${esc(incomplete.join('; '))}</p>`] : []),
    ...(differing.length ? [`<p class="notes">Differs from specs/: ${esc(differing.join('; '))}</p>`] : []),
    '</section>',
  ].join('\n');
}

function fmt(v: unknown): string {
  return v === undefined ? '' : String(v);
}

function stepDetail(t: ShownTrace, i: number, loop: number | undefined): string {
  const last = t.actions.length;
  const doc = actionDocAt(t, i);
  const note = t.notes[i];
  const changes = changesAt(t, i);
  const obs = Object.entries(t.observed[i] ?? {});
  const parts: string[] = [];
  parts.push(`<h4>Step ${i}: <code>${esc(actionAt(t, i))}</code></h4>`);
  if (i === 0) parts.push('<p class="fn"><span class="what">the initial state</span></p>');
  else if (doc) parts.push(`<p class="fn"><span class="label">stands for:</span> ${esc(doc)}</p>`);
  if (note) parts.push(`<p class="read${i === last ? ' violating-read' : ''}">${esc(note)}</p>`);
  if (i === last) parts.push(`<p class="verdict">◀ ${esc(violationText(t))}</p>`);
  if (loop !== undefined && i === loop) parts.push(`<p class="loop">↻ the loop starts here: after step ${last} the run is back in this state</p>`);
  if (obs.length) {
    parts.push(`<dl class="clocks">${obs.map(([k, v]) => `<div><dt>${esc(k)}</dt><dd>${esc(fmt(v))}</dd></div>`).join('')}</dl>`);
  }
  if (i === 0) {
    const rows = changes.map((c) => `<tr><th scope="row"><code>${esc(c.path)}</code></th><td>${esc(fmt(c.after))}</td></tr>`).join('');
    parts.push(`<details><summary>every field (${changes.length})</summary><table class="changes"><tbody>${rows}</tbody></table></details>`);
  } else if (changes.length === 0) parts.push('<p class="what">no field changed</p>');
  else {
    const rows = changes
      .map((c) => `<tr><th scope="row"><code>${esc(c.path)}</code></th><td class="before">${esc(fmt(c.before))}</td><td class="after">${esc(fmt(c.after))}</td></tr>`)
      .join('');
    parts.push(`<table class="changes"><thead><tr><th>changed</th><th>before</th><th>after</th></tr></thead><tbody>${rows}</tbody></table>`);
  }
  return `<div class="step-detail" data-step="${i}"${i === last ? '' : ' hidden'}>${parts.join('\n')}</div>`;
}

function stepItem(t: ShownTrace, key: string, i: number, loop: number | undefined): string {
  const last = t.actions.length;
  const doc = actionDocAt(t, i);
  const note = t.notes[i];
  const cls = [i === last ? 'violating' : '', loop !== undefined && i >= loop ? 'in-loop' : ''].filter(Boolean).join(' ');
  const changed = i === 0 ? 'the initial state' : changesAt(t, i).map((c) => `${c.path}=${fmt(c.after)}`).join(' ') || 'no change';
  return (
    `<li data-step="${i}"${cls ? ` class="${cls}"` : ''}><a href="#${esc(key)}/${i}">` +
    `<span class="n">${i}</span><code class="action">${esc(actionAt(t, i))}</code>` +
    (doc ? `<span class="fn">${esc(doc)}</span>` : '') +
    (note ? `<span class="note">${esc(note)}</span>` : '') +
    `<span class="fn mono" title="fields changed">${esc(changed)}</span>` +
    '</a></li>'
  );
}

function explorer(variant: string, c: ReportCell, t: ShownTrace): string {
  const key = traceKey(variant, c.property);
  const last = t.actions.length;
  const loop = loopStartOf(t);
  const steps = t.states.map((_, i) => stepItem(t, key, i, loop));
  if (loop !== undefined) steps.push(`<li class="loop-back">↻ back to step ${loop}: steps ${loop + 1}-${last} repeat forever</li>`);
  const params = Object.entries(t.params).map(([k, v]) => `${k}=${v}`).join(' ');
  return [
    `<section class="explorer" id="${esc(`trace-${variant}-${c.property}`)}" data-key="${esc(key)}" data-last="${last}"${loop !== undefined ? ` data-loop="${loop}"` : ''}>`,
    '<header>',
    `<h3>${esc(variant)}: ${esc(c.property)}<span class="kind">${esc(c.kind)}</span></h3>`,
    `<p class="doc">${esc(c.doc || t.property.doc)}${params ? ` · ${esc(params)}` : ''} · ${last} steps${loop !== undefined ? `, a lasso looping back to step ${loop}` : ''}</p>`,
    '<nav class="stepper" aria-label="step through the counterexample">',
    '<button type="button" class="prev" aria-label="previous step">◀ prev</button>',
    `<output class="step-counter" aria-live="polite">step ${last} of ${last}</output>`,
    '<button type="button" class="next" aria-label="next step">next ▶</button>',
    `<a class="permalink" href="#${esc(key)}/${last}">permalink</a>`,
    '</nav>',
    '</header>',
    '<div class="explorer-body">',
    `<ol class="steps">${steps.join('\n')}</ol>`,
    '<div class="detail">',
    `<div class="chart">${toSvg(t, { cursor: true })}</div>`,
    t.states.map((_, i) => stepDetail(t, i, loop)).join('\n'),
    '</div>',
    '</div>',
    '</section>',
  ].join('\n');
}

/** The whole report as one HTML document. */
export async function toHtml(r: Report): Promise<string> {
  const traces = reportTraces(r);
  const css = readFileSync(here('./report.css'), 'utf8');
  const params = Object.entries(r.params).map(([k, v]) => `${k}=${v}`).join(' ');
  const violated = r.rows.filter((row) => row.cells.some((c) => c.verdict === 'violated')).length;
  const headline = r.rows.length === 1 ? `${r.rows[0]!.variant}: ${traces.length} counterexample${traces.length === 1 ? '' : 's'}` : `${violated} of ${r.rows.length} variants violate a property`;
  return [
    '<!doctype html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    // The report is read offline and from CI artifacts: it may load nothing.
    `<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:">`,
    `<title>${esc(`${r.title}: ${headline}`)}</title>`,
    `<style>\n${css}</style>`,
    '</head>',
    '<body>',
    '<header class="top">',
    `<h1>${esc(r.title)}</h1>`,
    `<p class="meta">${esc([params, `clockcheck ${r.writer}`, r.createdAt].filter(Boolean).join(' · '))}</p>`,
    '</header>',
    '<main>',
    verdictTable(r),
    '<section id="counterexamples">',
    `<h2>Counterexamples (${traces.length})</h2>`,
    traces.length
      ? '<p class="keys">Step with ← → (or j k), Home and End, or pick a step in the list; the address always names the step shown, so it can be shared.</p>'
      : '<p class="keys">Every property holds: there is no counterexample to show.</p>',
    ...traces.map(({ row, cell, trace }) => explorer(row.variant, cell, trace)),
    '</section>',
    '</main>',
    `<script>\n${await explorerScript()}</script>`,
    '</body>',
    '</html>',
    '',
  ].join('\n');
}
