// What two runs of one model must share to count as the same search: a
// resumed run and the uninterrupted one, a run on disk and the one in memory.
import type { CheckResult } from '../result.js';

/** Counts, verdicts, the very counterexamples (lassos with their loop) and coverage. */
export function resultSummary(r: CheckResult) {
  return {
    complete: r.complete,
    stopReason: r.stopReason ?? null,
    distinct: r.stats.distinct,
    transitions: r.stats.transitions,
    depth: r.stats.depth,
    edges: r.stats.edges ?? null,
    unreduced: r.stats.unreduced ?? null,
    coverage: r.coverage.map((c) => c.count),
    properties: r.properties.map((p) => ({
      name: p.name,
      verdict: p.verdict,
      trace: p.trace ? { init: p.trace.initIndex, actions: p.trace.actions.map((a) => a.label), loopStart: p.trace.loopStart ?? null } : null,
    })),
  };
}
