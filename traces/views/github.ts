// GitHub Actions: workflow-command annotations (an error per violation, a
// warning per unknown verdict or verdict that differs from specs/), which
// GitHub shows on the run and the pull request, and a job summary in
// Markdown, which it shows on the run's page.

import { cellText, differsText, reportColumns, reportTables, reportTraces, type Report } from './report.js';
import { summaryLine, traceText } from './text.js';

// Workflow commands end at a newline and split on `::`; their values are
// escaped as the runner unescapes them (actions/toolkit, command.ts).
function escapeData(s: string): string {
  return s.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
}

function escapeProperty(s: string): string {
  return escapeData(s).replace(/:/g, '%3A').replace(/,/g, '%2C');
}

function command(kind: 'error' | 'warning', props: Record<string, string | undefined>, message: string): string {
  const p = Object.entries(props)
    .filter((e): e is [string, string] => e[1] !== undefined)
    .map(([k, v]) => `${k}=${escapeProperty(v)}`)
    .join(',');
  return `::${kind}${p ? ` ${p}` : ''}::${escapeData(message)}`;
}

/** One line per annotation, in table order. */
export function githubAnnotations(r: Report): string[] {
  const out: string[] = [];
  for (const row of r.rows) {
    for (const c of row.cells) {
      const differs = differsText(c);
      if (c.verdict === 'violated' && c.trace) {
        const title = `clockcheck: ${row.variant} violates ${c.property}`;
        out.push(command('error', { file: row.file, title }, `${summaryLine(c.trace)}${differs ? ` (${differs})` : ''}\n${traceText(c.trace)}`));
      } else if (differs) {
        out.push(command('warning', { file: row.file, title: `clockcheck: ${row.variant} ${c.property} differs from specs/` }, `${row.variant} ${c.property}: ${differs}`));
      } else if (c.verdict === 'unknown') {
        const why = row.incomplete ?? 'the search stopped early';
        out.push(command('warning', { file: row.file, title: `clockcheck: ${row.variant} ${c.property} unknown` }, `no verdict for ${c.property}: ${why}`));
      }
    }
  }
  return out;
}

function mdCell(s: string): string {
  return s.replace(/\|/g, '\\|');
}

/** The job summary: the verdict table, then every counterexample folded. */
export function githubSummary(r: Report): string {
  const lines = [`## ${r.title}`, ''];
  for (const t of reportTables(r)) {
    const names = reportColumns(t);
    const params = Object.entries(t.params).map(([k, v]) => `${k}=${v}`).join(' ');
    if (t.name !== undefined) lines.push(`### ${t.name}`, '');
    lines.push(
      [params, `clockcheck ${r.writer}`].filter(Boolean).join(' · '),
      '',
      `| variant | ${names.map(mdCell).join(' | ')} |`,
      `|---|${names.map(() => ':-:').join('|')}|`,
      ...t.rows.map((row) => {
        const cells = names.map((n) => {
          const c = row.cells.find((x) => x.property === n);
          return c ? `${cellText(c)}${differsText(c) ? ' !' : ''}` : '-';
        });
        return `| ${mdCell(row.variant)} | ${cells.join(' | ')} |`;
      }),
      '',
    );
  }
  lines.push('✓ holds · ✗ n violated, with a shortest counterexample of n steps · ✗ p+l a lasso: p steps, then a loop of l forever · ? unknown · ! differs from specs/');
  for (const row of r.rows) if (row.incomplete) lines.push('', `${mdCell(row.variant)}: incomplete, ${row.incomplete}.`);
  for (const { row, cell, trace } of reportTraces(r)) {
    const text = traceText(trace);
    const fence = text.includes('```') ? '````' : '```';
    lines.push('', `<details><summary>${escapeHtml(`${row.variant}: ${cell.property} (${trace.actions.length} steps)`)}</summary>`, '', `${fence}text`, text, fence, '', '</details>');
  }
  return lines.join('\n') + '\n';
}

function escapeHtml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}
