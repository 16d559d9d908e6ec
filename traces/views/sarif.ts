// SARIF 2.1.0, the format code-scanning tools read: a rule per property, a
// result per variant and property (a violation fails, with its counterexample
// as a code flow whose locations are the steps), pointing at the model file
// when the model is one.

import { differsText, reportColumns, type Report, type ReportCell, type ReportRow } from './report.js';
import { loopStartOf } from './chart.js';
import { actionAt, actionDocAt, summaryLine } from './text.js';

const SCHEMA = 'https://json.schemastore.org/sarif-2.1.0.json';

function result(row: ReportRow, c: ReportCell, ruleIndex: number): Record<string, unknown> {
  const base = {
    ruleId: c.property,
    ruleIndex,
    ...(row.file ? { locations: [{ physicalLocation: { artifactLocation: { uri: row.file } } }] } : {}),
    properties: { variant: row.variant },
  };
  const differs = differsText(c);
  if (c.verdict === 'violated' && c.trace) {
    const t = c.trace;
    const loop = loopStartOf(t);
    const steps = t.states.map((_, i) => {
      const doc = actionDocAt(t, i);
      const note = t.notes[i];
      const text = `${i}. ${actionAt(t, i)}${doc ? ` (${doc})` : ''}${note ? `: ${note}` : ''}`;
      return { executionOrder: i, location: { message: { text } }, ...(loop !== undefined && i >= loop ? { kinds: ['loop'] } : {}) };
    });
    return {
      ...base,
      kind: 'fail',
      level: 'error',
      message: { text: summaryLine(t) + (differs ? ` (${differs})` : '') },
      codeFlows: [{ message: { text: `${t.actions.length}-step counterexample` }, threadFlows: [{ locations: steps }] }],
      properties: { ...base.properties, steps: t.actions.length, ...(loop !== undefined ? { loopStart: loop } : {}) },
    };
  }
  if (differs) return { ...base, kind: 'fail', level: 'warning', message: { text: `${row.variant} ${c.property}: ${differs}` } };
  if (c.verdict === 'unknown') {
    return { ...base, kind: 'open', level: 'none', message: { text: `${row.variant} ${c.property}: no verdict, ${row.incomplete ?? 'the search stopped early'}` } };
  }
  return { ...base, kind: 'pass', level: 'none', message: { text: `${row.variant} ${c.property} holds in every reachable state` } };
}

export function toSarif(r: Report): unknown {
  const names = reportColumns(r);
  const cells = new Map(r.rows.flatMap((row) => row.cells.map((c) => [c.property, c] as const)));
  return {
    $schema: SCHEMA,
    version: '2.1.0',
    runs: [
      {
        tool: {
          driver: {
            name: 'clockcheck',
            version: r.writer,
            rules: names.map((n) => {
              const c = cells.get(n)!;
              return {
                id: n,
                name: n,
                shortDescription: { text: c.doc || n },
                defaultConfiguration: { level: 'error' },
                properties: { kind: c.kind },
              };
            }),
          },
        },
        invocations: [{ executionSuccessful: true, commandLine: r.title }],
        properties: { params: r.params },
        results: r.rows.flatMap((row) => row.cells.map((c) => result(row, c, names.indexOf(c.property)))),
      },
    ],
  };
}
