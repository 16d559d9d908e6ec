// Results as JSON: plain data with readable traces.

import type { CheckResult, CompiledModel } from '../../checker/index.js';
import { describeTrace } from '../../traces/describe.js';

export function resultToJson(m: CompiledModel, r: CheckResult): unknown {
  return {
    model: r.model,
    params: r.params,
    strategy: r.strategy,
    exact: r.exact,
    complete: r.complete,
    stopReason: r.stopReason ?? null,
    properties: r.properties.map((p) => ({
      name: p.name,
      kind: p.kind,
      doc: p.doc,
      verdict: p.verdict,
      trace: p.trace
        ? (() => {
            const t = describeTrace(m, p.trace);
            return {
              length: t.length,
              ...(t.loopStart !== undefined ? { loopStart: t.loopStart, subject: p.trace.subject ?? null, subjectName: p.trace.subjectName ?? null, fairness: p.trace.fairness ?? null } : {}),
              steps: t.steps.map((s) => ({
                index: s.index,
                action: s.action,
                changes: Object.fromEntries(s.changes),
                observed: s.observed,
                ...(s.note ? { note: s.note } : {}),
              })),
            };
          })()
        : null,
    })),
    ...(r.fairness ? { fairness: r.fairness } : {}),
    stats: r.stats,
    coverage: r.coverage,
    neverFired: r.neverFired,
    collisionProbability: r.collisionProbability,
  };
}
