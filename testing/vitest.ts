// A vitest matcher, so that a project keeping its models beside its code
// checks them in its own test suite:
//
//   import { expect } from 'vitest';
//   import { clockcheckMatchers } from 'clockcheck/vitest';
//   expect.extend(clockcheckMatchers);
//   expect(myModel).toHold('monoNoRewind', { params: { vcpus: 2 } });
//   expect(myModel).not.toHold('xNeverDecreases'); // a known bug stays found
//
// A failure shows the counterexample step by step. A search that a bound
// stops before a verdict fails either way: "not violated within the bound"
// is not "holds".

import { check, compileModel, selectProperties, type CheckOptions, type ModelDefinition } from '../checker/index.js';
import { traceFileOf } from '../traces/format.js';
import { traceText } from '../traces/views/text.js';

export interface HoldOptions extends Omit<CheckOptions, 'onProgress' | 'onState' | 'continueAfterViolation' | 'progressIntervalMs'> {
  /** Model parameters; the rest take their defaults. */
  readonly params?: Readonly<Record<string, number>>;
}

interface MatcherResult {
  pass: boolean;
  message: () => string;
}

function isModelDefinition(x: unknown): x is ModelDefinition {
  const d = x as ModelDefinition | undefined;
  return !!d && typeof d.name === 'string' && typeof d.build === 'function' && typeof d.params === 'object';
}

function toHold(received: unknown, property: string, options: HoldOptions = {}): MatcherResult {
  if (!isModelDefinition(received)) {
    throw new TypeError(`toHold: expected a model (the value defineModel returns), got ${received === null ? 'null' : typeof received}`);
  }
  if (typeof property !== 'string' || property === '') throw new TypeError("toHold: name the property to check, e.g. toHold('monoNoRewind')");
  const { params = {}, ...search } = options;
  const m = selectProperties(compileModel(received, params), [property]);
  const r = check(m, search);
  const p = r.properties[0]!;
  const where = `${m.name} (${Object.entries(m.params).map(([k, v]) => `${k}=${v}`).join(' ') || 'no parameters'})`;
  if (p.verdict === 'unknown') {
    throw new Error(`${property} has no verdict in ${where}: the search stopped early (${r.stopReason ?? 'a bound'}) after ${r.stats.distinct} states; raise the bound or check a smaller instance`);
  }
  if (p.verdict === 'holds') {
    return { pass: true, message: () => `expected ${property} to be violated in ${where}, but it holds in all ${r.stats.distinct} reachable states` };
  }
  const trace = traceFileOf(m, { name: received.name, family: received.family, source: received.name }, p.trace!, 'vitest', p.doc);
  return { pass: false, message: () => `expected ${property} to hold in ${where}, but it is violated:\n\n${traceText(trace)}` };
}

export const clockcheckMatchers = { toHold };

interface ClockcheckMatchers<R = unknown> {
  /** Check the model (a `defineModel` value): does `property` hold in every reachable state? */
  toHold(property: string, options?: HoldOptions): R;
}

declare module 'vitest' {
  interface Matchers<T = any> extends ClockcheckMatchers<T> {}
}
