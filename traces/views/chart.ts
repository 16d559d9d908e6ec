// The clocks of a trace drawn over its steps: one line per numeric
// observation (host and guest MONOTONIC/BOOTTIME), shaded bands for boolean
// observations (the host suspend), points for the observers' reads, the
// violating step marked and, for a lasso, the loop. `show --svg` writes it as
// a file; the HTML report inlines the same drawing and moves a cursor over it.
//
// Hand-drawn SVG rather than a charting library: the same drawing must come
// out of Node as a standalone file, which canvas libraries (uPlot and the
// like) cannot make, and a step chart with shaded bands, marked reads and a
// loop arrow is no shorter to say in a library's terms.

import type { Scalar, TraceFile } from '../format.js';

/**
 * A trace as the views show it: a trace file. A lasso (`loopStart` set)
 * repeats actions[loopStart..] forever, and states[loopStart] equals the last
 * state.
 */
export type ShownTrace = TraceFile;

export interface ChartOptions {
  /**
   * For the HTML explorer: the root lists each step's x coordinate
   * (`data-xs`) and holds a hidden `line.cursor` that its script moves.
   */
  readonly cursor?: boolean;
}

/** A lasso's loop start, if the trace has a loop of at least one step. */
export function loopStartOf(t: ShownTrace): number | undefined {
  const k = t.loopStart;
  return k !== null && k !== undefined && Number.isInteger(k) && k >= 0 && k < t.actions.length ? k : undefined;
}

const PALETTE = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd', '#ff7f0e', '#8c564b', '#e377c2', '#17becf'];

function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

interface Series {
  readonly key: string;
  readonly points: readonly (number | undefined)[];
}

/** Observation keys in first-seen order, split by what they draw as. */
function seriesOf(t: TraceFile): { lines: Series[]; reads: Series[]; bands: { key: string; on: boolean[] }[] } {
  const keys: string[] = [];
  for (const o of t.observed) for (const k of Object.keys(o)) if (!keys.includes(k)) keys.push(k);
  const at = (k: string) => t.observed.map((o) => o[k] as Scalar | undefined);
  const lines: Series[] = [];
  const reads: Series[] = [];
  const bands: { key: string; on: boolean[] }[] = [];
  for (const k of keys) {
    const vals = at(k);
    if (vals.every((v) => v === undefined || typeof v === 'boolean')) bands.push({ key: k, on: vals.map((v) => v === true) });
    else if (vals.every((v) => v === undefined || typeof v === 'number')) {
      (k.startsWith('read.') ? reads : lines).push({ key: k, points: vals as (number | undefined)[] });
    }
  }
  return { lines, reads, bands };
}

export function toSvg(t: ShownTrace, opts: ChartOptions = {}): string {
  const { lines, reads, bands } = seriesOf(t);
  const loop = loopStartOf(t);
  const n = t.states.length;
  // Wide enough for the title and parameter line even for short traces.
  const stepW = Math.max(56, Math.ceil(560 / Math.max(1, n - 1)));
  const left = 56;
  const top = 56;
  const plotH = 300;
  const labelH = 130;
  const legendW = 190;
  const width = left + Math.max(1, n - 1) * stepW + 40 + legendW;
  const height = top + plotH + labelH;
  const all = [...lines, ...reads].flatMap((s) => s.points.filter((p): p is number => p !== undefined));
  let lo = Math.min(0, ...all);
  let hi = Math.max(1, ...all);
  if (hi === lo) hi = lo + 1;
  const pad = (hi - lo) * 0.08;
  lo -= pad;
  hi += pad;
  const x = (i: number) => left + i * stepW;
  const y = (v: number) => top + plotH - ((v - lo) / (hi - lo)) * plotH;
  const out: string[] = [];
  const xs = opts.cursor ? ` class="trace-chart" data-xs="${Array.from({ length: n }, (_, i) => x(i)).join(',')}"` : '';
  out.push(
    `<svg xmlns="http://www.w3.org/2000/svg"${xs} width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="11">`,
  );
  out.push(`<rect x="0" y="0" width="${width}" height="${height}" fill="white"/>`);
  out.push(
    `<text x="${left}" y="20" font-size="14" font-weight="bold">${esc(`${t.variant}: counterexample to ${t.property.name} (${t.actions.length} steps)`)}</text>`,
  );
  out.push(`<text x="${left}" y="38" fill="#555">${esc(Object.entries(t.params).map(([k, v]) => `${k}=${v}`).join(' '))}</text>`);
  // Bands first, so lines draw over them.
  bands.forEach((b, bi) => {
    b.on.forEach((on, i) => {
      if (!on) return;
      const x0 = x(Math.max(0, i - 0.5));
      const x1 = x(Math.min(n - 1, i + 0.5));
      out.push(`<rect class="band" data-key="${esc(b.key)}" x="${x0}" y="${top}" width="${x1 - x0}" height="${plotH}" fill="${bi ? '#eee8d5' : '#dde6f0'}" opacity="0.8"/>`);
    });
  });
  // The loop of a lasso: the steps that repeat forever, and the way back.
  if (loop !== undefined) {
    const x0 = x(loop);
    const x1 = x(n - 1);
    const ay = top + 12;
    out.push(`<g class="loop" data-from="${loop}">`);
    out.push(`<rect x="${x0}" y="${top}" width="${x1 - x0}" height="${plotH}" fill="#fbe3c6" opacity="0.55"/>`);
    out.push(`<line x1="${x1}" y1="${ay}" x2="${x0 + 7}" y2="${ay}" stroke="#b35900" stroke-width="1.5"/>`);
    out.push(`<polygon points="${x0},${ay} ${x0 + 8},${ay - 4} ${x0 + 8},${ay + 4}" fill="#b35900"/>`);
    out.push(`<text x="${(x0 + x1) / 2}" y="${ay + 14}" text-anchor="middle" fill="#b35900">loop: back to step ${loop}</text>`);
    out.push('</g>');
  }
  // Axes and grid.
  out.push(`<line x1="${left}" y1="${top + plotH}" x2="${x(n - 1)}" y2="${top + plotH}" stroke="#333"/>`);
  out.push(`<line x1="${left}" y1="${top}" x2="${left}" y2="${top + plotH}" stroke="#333"/>`);
  const ticks = Math.min(10, Math.ceil(hi) - Math.floor(lo));
  for (let k = 0; k <= ticks; k++) {
    const v = Math.round(lo + ((hi - lo) * k) / ticks);
    out.push(`<line x1="${left}" y1="${y(v)}" x2="${x(n - 1)}" y2="${y(v)}" stroke="#e5e5e5"/>`);
    out.push(`<text x="${left - 8}" y="${y(v) + 4}" text-anchor="end">${v}</text>`);
  }
  for (let i = 0; i < n; i++) {
    const label = i === 0 ? 'initial' : t.actions[i - 1]!.label;
    const ly = top + plotH + 14;
    out.push(`<text x="${x(i)}" y="${ly}" text-anchor="end" transform="rotate(-45 ${x(i)} ${ly})">${i}. ${esc(label)}</text>`);
  }
  // Violation marker at the last step.
  const last = n - 1;
  out.push(`<line class="violation" x1="${x(last)}" y1="${top}" x2="${x(last)}" y2="${top + plotH}" stroke="#d00" stroke-width="2" stroke-dasharray="4 3"/>`);
  const verdict = loop !== undefined ? `violates ${t.property.name} forever (steps ${loop}-${last} repeat)` : `violates ${t.property.name}`;
  out.push(`<text x="${x(last) - 4}" y="${top - 6}" text-anchor="end" fill="#d00" font-weight="bold">${esc(verdict)}</text>`);
  // Lines: one per clock; segments only where the clock is defined. Clocks
  // often agree, so each line is nudged by a pixel or two to stay visible.
  lines.forEach((s, si) => {
    const nudge = (si - (lines.length - 1) / 2) * 1.6;
    const colour = s.key.startsWith('host.') ? (s.key.endsWith('boot') ? '#777' : '#000') : PALETTE[si % PALETTE.length]!;
    const dash = s.key.includes('boot') ? ' stroke-dasharray="6 3"' : s.key.startsWith('vdso') ? ' stroke-dasharray="2 3"' : '';
    const segs: string[][] = [];
    let cur: string[] = [];
    s.points.forEach((p, i) => {
      if (p === undefined) {
        if (cur.length) segs.push(cur);
        cur = [];
      } else cur.push(`${x(i)},${(y(p) + nudge).toFixed(1)}`);
    });
    if (cur.length) segs.push(cur);
    out.push(`<g class="clock" data-key="${esc(s.key)}">`);
    for (const seg of segs) {
      if (seg.length === 1) out.push(`<circle cx="${seg[0]!.split(',')[0]}" cy="${seg[0]!.split(',')[1]}" r="2.5" fill="${colour}"/>`);
      else out.push(`<polyline points="${seg.join(' ')}" fill="none" stroke="${colour}" stroke-width="2"${dash}/>`);
    }
    out.push('</g>');
  });
  // Reads: a point where a read happened (a step with a note), the violating one red.
  reads.forEach((s) => {
    out.push(`<g class="reads" data-key="${esc(s.key)}">`);
    s.points.forEach((p, i) => {
      if (p === undefined || !t.notes[i]) return;
      const isLast = i === last;
      out.push(
        `<circle class="read${isLast ? ' violating-read' : ''}" data-step="${i}" cx="${x(i)}" cy="${y(p)}" r="${isLast ? 6 : 4}" fill="${isLast ? '#d00' : 'white'}" stroke="${isLast ? '#d00' : '#333'}" stroke-width="1.5"><title>${esc(`${s.key} = ${p} at step ${i}`)}</title></circle>`,
      );
    });
    out.push('</g>');
  });
  // Legend.
  const lx = x(n - 1) + 40;
  let ly = top;
  const legend = (swatch: string, text: string) => {
    out.push(`<g transform="translate(${lx},${ly})">${swatch}<text x="30" y="4">${esc(text)}</text></g>`);
    ly += 18;
  };
  lines.forEach((s, si) => {
    const colour = s.key.startsWith('host.') ? (s.key.endsWith('boot') ? '#777' : '#000') : PALETTE[si % PALETTE.length]!;
    const dash = s.key.includes('boot') ? ' stroke-dasharray="6 3"' : s.key.startsWith('vdso') ? ' stroke-dasharray="2 3"' : '';
    legend(`<line x1="0" y1="0" x2="24" y2="0" stroke="${colour}" stroke-width="2"${dash}/>`, s.key);
  });
  reads.forEach((s) => legend(`<circle cx="12" cy="0" r="4" fill="white" stroke="#333"/>`, `${s.key} (a read)`));
  bands.forEach((b, bi) => legend(`<rect x="0" y="-6" width="24" height="12" fill="${bi ? '#eee8d5' : '#dde6f0'}"/>`, b.key));
  if (loop !== undefined) legend(`<rect x="0" y="-6" width="24" height="12" fill="#fbe3c6"/>`, `loop from step ${loop}`);
  if (opts.cursor) {
    out.push(
      `<line class="cursor" x1="${x(last)}" y1="${top - 2}" x2="${x(last)}" y2="${top + plotH + 2}" stroke="#0a58ca" stroke-width="3" opacity="0.7" visibility="hidden"/>`,
    );
  }
  out.push('</svg>');
  return out.join('\n') + '\n';
}
