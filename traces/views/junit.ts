// JUnit XML, which CI systems show as test results: a test suite per variant,
// a test case per property (classname the variant, name the property). A
// violation is a failure whose message is the counterexample's one-line
// summary and whose body is the whole counterexample; a verdict that differs
// from specs/ fails too; a verdict cut short by a bound is skipped.

import { differsText, type Report, type ReportCell, type ReportRow } from './report.js';
import { summaryLine, traceText } from './text.js';

// Characters XML 1.0 cannot hold at all, even escaped.
const NOT_XML = /[^\x09\x0A\x0D\x20-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu;

function text(s: string): string {
  return s.replace(NOT_XML, '\uFFFD').replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function attr(s: string): string {
  return text(s).replace(/"/g, '&quot;').replace(/\n/g, '&#10;').replace(/\r/g, '&#13;').replace(/\t/g, '&#9;');
}

function seconds(s: number | undefined): string {
  return (s ?? 0).toFixed(3);
}

function testCase(row: ReportRow, c: ReportCell): string {
  const open = `    <testcase classname="${attr(row.variant)}" name="${attr(c.property)}">`;
  const differs = differsText(c);
  if (c.verdict === 'violated' && c.trace) {
    const message = summaryLine(c.trace) + (differs ? ` (${differs})` : '');
    return `${open}\n      <failure type="violated" message="${attr(message)}">${text(traceText(c.trace))}</failure>\n    </testcase>`;
  }
  if (differs) {
    return `${open}\n      <failure type="differs-from-specs" message="${attr(`${row.variant} ${c.property}: ${differs}`)}">${text(c.doc)}</failure>\n    </testcase>`;
  }
  if (c.verdict === 'unknown') {
    const why = `no verdict: ${row.incomplete ?? 'the search stopped early'}`;
    return `${open}\n      <skipped message="${attr(why)}"/>\n    </testcase>`;
  }
  return `    <testcase classname="${attr(row.variant)}" name="${attr(c.property)}"/>`;
}

const fails = (c: ReportCell) => c.verdict === 'violated' || differsText(c) !== undefined;

export function toJunit(r: Report): string {
  const cells = r.rows.flatMap((row) => row.cells);
  const suites = r.rows.map((row) => {
    const props = [
      ...Object.entries(row.params ?? r.params).map(([k, v]) => `      <property name="${attr(k)}" value="${v}"/>`),
      `      <property name="clockcheck" value="${attr(r.writer)}"/>`,
    ];
    return [
      `  <testsuite name="${attr(row.variant)}" tests="${row.cells.length}" failures="${row.cells.filter(fails).length}" errors="0"` +
        ` skipped="${row.cells.filter((c) => c.verdict === 'unknown' && !fails(c)).length}" time="${seconds(row.seconds)}" timestamp="${attr(r.createdAt)}"` +
        `${row.file ? ` file="${attr(row.file)}"` : ''}>`,
      '    <properties>',
      ...props,
      '    </properties>',
      ...row.cells.map((c) => testCase(row, c)),
      '  </testsuite>',
    ].join('\n');
  });
  const total = r.rows.reduce((s, row) => s + (row.seconds ?? 0), 0);
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="${attr(r.title)}" tests="${cells.length}" failures="${cells.filter(fails).length}" errors="0" time="${seconds(total)}">`,
    ...suites,
    '</testsuites>',
    '',
  ].join('\n');
}
