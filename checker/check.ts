// The entry point: run a strategy over a compiled model and turn what it
// found into a result, rebuilding each counterexample by replaying actions
// from its initial state (only parent records are kept during search).

import { bfs } from './search/bfs.js';
import { dfs } from './search/dfs.js';
import { Exploration, type Violation } from './search/explore.js';
import { compileModel, type CompiledModel, type ModelDefinition } from './model.js';
import type { CheckOptions, CheckResult, PropertyResult, StopReason, Strategy, Trace, Verdict } from './result.js';
import { Stepper } from './search/stepper.js';
import { ModelError } from './errors.js';

export function check(m: CompiledModel, opts: CheckOptions = {}): CheckResult {
  const strategy = opts.strategy ?? 'bfs';
  const x = new Exploration(m, opts, strategy === 'dfs' && opts.maxDepth !== undefined);
  const frontierPeak = strategy === 'bfs' ? bfs(x) : dfs(x);
  return assembleResult(m, {
    strategy,
    exact: x.set.exact,
    symmetry: x.sym !== undefined,
    truncated: x.truncated,
    stopReason: x.stopReason,
    violations: x.violations,
    pathTo: (id) => x.pathTo(id),
    coverage: x.coverage,
    distinct: x.distinct,
    transitions: x.transitions,
    ...(x.sym ? { unreduced: { distinct: x.unreducedDistinct, transitions: x.unreducedTransitions } } : {}),
    depth: x.maxDepth,
    seconds: (performance.now() - x.started) / 1000,
    visitedBytes: x.set.bytes,
    parentBytes: x.parents.bytes + x.via.bytes,
    frontierPeak,
  });
}

/** What a search (one engine or several workers) leaves behind. */
export interface SearchOutcome {
  readonly strategy: Strategy;
  readonly exact: boolean;
  /** States were stored in canonical form: traces must be made concrete. */
  readonly symmetry?: boolean;
  readonly truncated: boolean;
  readonly stopReason: StopReason | undefined;
  readonly violations: readonly (Violation | undefined)[];
  /** Initial-state index and action instances leading to a state id. */
  pathTo(id: number): { init: number; actions: number[] };
  readonly coverage: ArrayLike<number>;
  readonly distinct: number;
  readonly transitions: number;
  readonly unreduced?: { readonly distinct: number; readonly transitions: number };
  readonly depth: number;
  readonly seconds: number;
  readonly visitedBytes: number;
  readonly parentBytes: number;
  readonly frontierPeak: number;
  readonly workers?: number;
}

export function assembleResult(m: CompiledModel, o: SearchOutcome): CheckResult {
  const complete = !o.truncated;
  const properties: PropertyResult[] = m.properties.map((p, i) => {
    const v = o.violations[i];
    const verdict: Verdict = v ? 'violated' : complete ? 'holds' : 'unknown';
    return { name: p.name, kind: p.kind, doc: p.doc, verdict, ...(v ? { trace: rebuildTrace(m, o, v) } : {}) };
  });
  const coverage = m.instances.map((inst, i) => ({ label: inst.label, family: inst.family, count: o.coverage[i]! }));
  const n = o.distinct;
  return {
    model: m.name,
    params: m.params,
    strategy: o.strategy,
    exact: o.exact,
    complete,
    ...(o.stopReason ? { stopReason: o.stopReason } : !complete ? { stopReason: 'depth' as const } : {}),
    properties,
    stats: {
      distinct: n,
      transitions: o.transitions,
      depth: o.depth,
      seconds: o.seconds,
      statesPerSecond: o.seconds > 0 ? n / o.seconds : 0,
      peakRssBytes: process.resourceUsage().maxRSS * 1024,
      visitedBytes: o.visitedBytes,
      parentBytes: o.parentBytes,
      frontierPeak: o.frontierPeak,
      stateBytes: m.words * 4,
      workers: o.workers ?? 1,
      ...(o.unreduced ? { unreduced: o.unreduced } : {}),
    },
    coverage,
    neverFired: coverage.filter((c) => c.count === 0).map((c) => c.label),
    collisionProbability: o.exact ? 0 : (n * Math.max(0, o.transitions + m.inits.length - n)) / 2 ** 64,
  };
}

/** Compile with the given parameters and check. */
export function checkModel(def: ModelDefinition, params: Readonly<Record<string, number>> = {}, opts: CheckOptions = {}): CheckResult {
  return check(compileModel(def, params), opts);
}

function rebuildTrace(m: CompiledModel, o: SearchOutcome, v: Violation): Trace {
  const { init, actions } = o.pathTo(v.stateId);
  if (v.instance >= 0) actions.push(v.instance);
  const p = m.properties[v.property]!;
  const concrete = o.symmetry ? concretize(m, init, actions, v.instance >= 0 ? v.property : -1) : actions;
  return replayInstances(m, init, concrete, p.name, p.kind);
}

/**
 * With symmetry reduction the parent records describe a path through
 * canonical states: action k was taken from the canonical form of state k.
 * Turn it into a run of the model itself: from the concrete state, take the
 * action (that one if it fits, else another, e.g. the same step of a
 * permuted vCPU) whose successor has the same canonical form. For a step
 * property the last step must also violate it. The length does not change,
 * so a shortest counterexample stays shortest.
 */
function concretize(m: CompiledModel, init: number, actions: readonly number[], stepProperty: number): number[] {
  const sym = m.symmetry!;
  const st = new Stepper(m);
  const canonical = (s: Uint32Array) => {
    const c = s.slice();
    sym.canonicalize(c, 0);
    return c;
  };
  const same = (a: Uint32Array, b: Uint32Array) => a.every((x, i) => x === b[i]);
  const k = m.stepIndex.indexOf(stepProperty);
  const prop = k >= 0 ? m.stepProperties[k]! : undefined;
  const before = m.layout.view();
  const after = m.layout.view();
  let t: Uint32Array = m.inits[init]!.slice();
  let c: Uint32Array = canonical(t);
  const out: number[] = [];
  actions.forEach((a, step) => {
    const raw = st.apply(c, a);
    if (!raw) throw new Error(`internal: trace step ${m.instances[a]!.label} is not enabled on its canonical state`);
    const target = canonical(raw);
    const last = step === actions.length - 1;
    const candidates = [a, ...m.instances.map((i) => i.index).filter((i) => i !== a)];
    for (const b of candidates) {
      const next = st.apply(t, b);
      if (!next || !same(canonical(next), target)) continue;
      if (last && prop) {
        before.bind(t, 0);
        after.bind(next, 0);
        if (prop.check(before, m.instances[b]!, after)) continue;
      }
      out.push(b);
      t = next;
      c = target;
      return;
    }
    throw new ModelError(
      `symmetry: no step from the state before ${m.instances[a]!.label} (step ${step + 1}) reaches its orbit; ${sym.spec.array}[${sym.spec.from ?? 0}..] is not interchangeable as the model declares`,
    );
  });
  return out;
}

/**
 * Re-execute instances from an initial state. Throws if one is not enabled:
 * a trace from our own search always replays, so that is a bug.
 */
export function replayInstances(m: CompiledModel, init: number, instances: readonly number[], property: string, kind: Trace['kind']): Trace {
  const st = new Stepper(m);
  const states: Uint32Array[] = [m.inits[init]!.slice()];
  for (const i of instances) {
    const next = st.apply(states[states.length - 1]!, i);
    if (!next) throw new Error(`internal: trace step ${m.instances[i]!.label} is not enabled on replay`);
    states.push(next);
  }
  return { property, kind, initIndex: init, states, actions: instances.map((i) => m.instances[i]!) };
}
