// Helpers shared by the tests of traces/ and its views.

import { compileModel, replayInstances } from '../checker/index.js';
import peterson from '../examples/peterson.js';
import { traceFileOf } from './format.js';
import type { ShownTrace } from './views/chart.js';

/** Tags balance and attribute values are quoted: enough to call the SVG well-formed. */
export function wellFormed(xml: string): boolean {
  const stack: string[] = [];
  const re = /<(\/?)([A-Za-z][\w:-]*)((?:\s+[\w:-]+="[^"<]*")*)\s*(\/?)>|<!--[\s\S]*?-->|<([^>]*)>/g;
  let m: RegExpExecArray | null;
  let text = xml;
  while ((m = re.exec(xml))) {
    if (m[5] !== undefined) return false; // a tag that did not parse
    const [, close, name, , self] = m;
    if (self) continue;
    if (close) {
      if (stack.pop() !== name) return false;
    } else stack.push(name!);
  }
  text = xml.replace(re, '');
  return stack.length === 0 && !/[<>]/.test(text);
}

/**
 * Peterson's process 0 goes round twice; the first round leaves turn = 1 and
 * every later one ends where it began, so states[4] equals states[8]: a
 * hand-made lasso of the shape the liveness engine reports.
 */
export function petersonLasso(): ShownTrace {
  const m = compileModel(peterson);
  const round = ['request(0)', 'yieldTurn(0)', 'enter(0)', 'leave(0)'].map((l) => m.instances.find((i) => i.label === l)!.index);
  const trace = { ...replayInstances(m, 0, [...round, ...round], 'p1Enters', 'eventually'), loopStart: 4 };
  return { ...traceFileOf(m, { name: 'peterson', source: 'peterson' }, trace, 'test', 'process 1 eventually enters'), loopStart: 4 };
}
