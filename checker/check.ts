// The entry point: run a strategy over a compiled model and turn what it
// found into a result, rebuilding each counterexample by replaying actions
// from its initial state (only parent records are kept during search).

import { Bfs } from './search/bfs.js';
import { Dfs } from './search/dfs.js';
import { Exploration, type Violation } from './search/explore.js';
import { compileModel, fairnessActors, type CompiledModel, type FairActor, type FairnessMode, type ModelDefinition } from './model.js';
import type { CheckOptions, CheckResult, FairnessUsed, PropertyResult, StopReason, Strategy, Trace, Verdict } from './result.js';
import { Stepper } from './search/stepper.js';
import { ModelError, UsageError } from './errors.js';
import { conditionsOf, GraphRecorder } from './liveness/graph.js';
import { findLassos, type Lasso } from './liveness/analysis.js';
import { findStuck } from './liveness/stuck.js';
import { SpillBfs } from './spill/spill.js';

/** The model's selected properties need the state graph: liveness, or deadlock under stuttering. */
export function needsGraph(m: CompiledModel): boolean {
  return m.liveness.length > 0 || (m.checkDeadlock && m.stutterFamilies !== undefined);
}

/** Refuse a check that cannot give liveness properties (or deadlock under stuttering) a sound verdict. */
export function assertLivenessCheckable(m: CompiledModel, opts: CheckOptions, workers = 1): void {
  if (!needsGraph(m)) return;
  const names = [...m.liveness.map((p) => p.name), ...(m.checkDeadlock && m.stutterFamilies !== undefined ? ['deadlock (with stuttering steps)'] : [])];
  const why = (what: string) =>
    new UsageError(
      `${names.length > 1 ? 'properties' : 'property'} ${names.join(', ')} cannot be checked ${what}; leave ${names.length > 1 ? 'them' : 'it'} out, or choose other properties with --property`,
    );
  if ((opts.strategy ?? 'bfs') !== 'bfs') throw why('by a depth-first search (it needs the state graph a breadth-first search records)');
  if (opts.symmetry) throw why('with --symmetry (fairness per vCPU thread does not survive the quotient by permutations)');
  if (workers > 1) throw why('by several workers (the liveness graph is recorded by one thread)');
}

/**
 * One check, in steps: a session runs the search (`run`, which may pause
 * between two expansions of a breadth-first search and be called again),
 * can be interrupted, and gives the result once it is over. `check` runs one
 * to the end; the command line runs one in slices so that signals and
 * checkpoints (checkpoint/) get their turn, and a checkpoint restores one.
 */
export class CheckSession {
  readonly strategy: Strategy;
  readonly x: Exploration;
  readonly actors: readonly FairActor[];
  /** The liveness graph being recorded, when the properties need it. */
  readonly rec: GraphRecorder | undefined;
  /** The breadth-first search (undefined for DFS, and for a search that may move to disk). */
  readonly bfs: Bfs | undefined;
  /** The breadth-first search that moves to disk past its memory budget (--spill). */
  readonly spill: SpillBfs | undefined;
  private readonly dfs: Dfs | undefined;
  private over = false;

  /**
   * `restore`, when given, fills the fresh session from a checkpoint instead
   * of storing the initial states.
   */
  constructor(
    readonly m: CompiledModel,
    readonly opts: CheckOptions = {},
    restore?: (s: CheckSession) => void,
  ) {
    this.strategy = opts.strategy ?? 'bfs';
    assertLivenessCheckable(m, opts);
    if (opts.spill !== undefined) {
      assertSpillable(m, opts);
      if (restore) throw new UsageError('--spill cannot be combined with --resume');
      // The budget moves the search to disk; it does not stop it.
      const { maxMemoryBytes, ...rest } = opts;
      this.x = new Exploration(m, rest, false);
      this.actors = [];
      this.rec = undefined;
      this.bfs = undefined;
      this.dfs = undefined;
      this.spill = new SpillBfs(this.x, opts.spill, maxMemoryBytes!);
      try {
        this.spill.seed();
      } catch (e) {
        // A model that throws on an initial state: its folder goes with it.
        this.spill.close();
        throw e;
      }
      return;
    }
    this.spill = undefined;
    const graph = needsGraph(m);
    this.x = new Exploration(m, opts, (this.strategy === 'dfs' && opts.maxDepth !== undefined) || graph);
    this.actors = m.liveness.length ? fairnessActors(m, opts.fairness ?? 'model') : [];
    this.rec = graph ? new GraphRecorder(m, this.actors, conditionsOf(m)) : undefined;
    this.x.graphBytes = this.rec;
    this.bfs = this.strategy === 'bfs' ? new Bfs(this.x, this.rec) : undefined;
    this.dfs = this.strategy === 'dfs' ? new Dfs(this.x) : undefined;
    if (restore) {
      if (!this.bfs) throw new UsageError('only a breadth-first search can be resumed');
      restore(this);
    } else this.bfs?.seed();
  }

  /** The search is over: nothing left to explore, or stopped. */
  get finished(): boolean {
    return this.over || this.x.done;
  }

  /**
   * Search on: to the end, or until `deadline` (performance.now()) has
   * passed or (breadth-first) `maxExpansions` more states were expanded.
   */
  run(maxExpansions = Infinity, deadline = Infinity): void {
    // Not `finished`: a search stopped before its first expansion (an initial
    // state violates a property) still has its engine say what it left.
    if (this.over) return;
    if (this.spill) {
      this.spill.run(maxExpansions, deadline);
      this.over = this.spill.finished;
    } else if (this.bfs) {
      this.bfs.run(maxExpansions, deadline);
      this.over = this.bfs.finished;
    } else {
      this.dfs!.run(deadline);
      this.over = this.dfs!.finished;
    }
  }

  /**
   * Stop here (a signal): the verdicts not yet decided stay unknown, and the
   * liveness analysis is not run on the partial graph.
   */
  interrupt(): void {
    this.x.stop('interrupted');
  }

  /**
   * The search stands between two expansions and is not over by a
   * violation: a checkpoint written now resumes to the uninterrupted run.
   */
  get checkpointable(): boolean {
    const r = this.x.stopReason;
    return this.bfs !== undefined && !this.x.stoppedMidState && r !== 'violation';
  }

  /** Remove what the search keeps on disk (--spill); `result` does it too. */
  dispose(): void {
    this.spill?.close();
  }

  result(): CheckResult {
    try {
      return this.assemble();
    } finally {
      this.dispose();
    }
  }

  private assemble(): CheckResult {
    const { m, x, rec, opts } = this;
    this.spill?.settle();
    const frontierPeak = this.spill ? this.spill.peak : this.bfs ? this.bfs.q.peak : this.dfs!.stack.peak;
    const spilled = this.spill?.stats;
    const interrupted = x.stopReason === 'interrupted';
    if (rec) x.releaseVisited();
    const lassos = rec && !interrupted ? findLassos(m, rec, (id) => x.pathTo(id)) : undefined;
    if (rec?.stuttering && !interrupted) {
      const stuck = findStuck(rec);
      if (stuck >= 0) x.violations[m.properties.length - 1] = { property: m.properties.length - 1, stateId: stuck, instance: -1 };
    }
    return assembleResult(m, {
      strategy: this.strategy,
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
      seconds: x.seconds(),
      visitedBytes: x.set.bytes,
      parentBytes: x.parents.bytes + x.via.bytes,
      frontierPeak,
      ...(spilled ? { spill: { ...spilled, atStates: spilled.atStates ?? null } } : {}),
      ...(rec
        ? {
            liveness: {
              lassos: lassos ?? [],
              fairness: { mode: opts.fairness ?? 'model', actors: this.actors.map((a) => ({ name: a.name, kind: a.kind })) },
              graphBytes: rec.bytes,
              edges: rec.edgeCount,
            },
          }
        : {}),
    });
  }
}

/** Refuse what a search that moves to disk cannot do, in one line. */
export function assertSpillable(m: CompiledModel, opts: CheckOptions): void {
  if (opts.maxMemoryBytes === undefined) throw new UsageError('--spill needs --max-memory: the budget past which the search moves to disk');
  if ((opts.strategy ?? 'bfs') !== 'bfs') throw new UsageError('--spill works with the breadth-first search only; leave out --strategy dfs');
  if (opts.exact) throw new UsageError('--spill keeps 64-bit fingerprints on disk; leave out --exact');
  if (opts.maxDepth !== undefined) throw new UsageError('--spill cannot be combined with --max-depth');
  if (opts.maxStates !== undefined) throw new UsageError('--spill cannot be combined with --max-states');
  if (needsGraph(m)) {
    const names = [...m.liveness.map((p) => p.name), ...(m.checkDeadlock && m.stutterFamilies !== undefined ? ['deadlock (with stuttering steps)'] : [])];
    throw new UsageError(
      `${names.join(', ')} cannot be checked with --spill (the state graph they need stays in memory); leave ${names.length > 1 ? 'them' : 'it'} out, e.g. --property safety`,
    );
  }
}

export function check(m: CompiledModel, opts: CheckOptions = {}): CheckResult {
  const s = new CheckSession(m, opts);
  s.run();
  return s.result();
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
  readonly spill?: NonNullable<CheckResult['stats']['spill']>;
  /** What the liveness analysis found, when the model has liveness properties. */
  readonly liveness?: {
    readonly lassos: readonly (Lasso | undefined)[];
    readonly fairness: FairnessUsed;
    readonly graphBytes: number;
    readonly edges: number;
  };
}

export function assembleResult(m: CompiledModel, o: SearchOutcome): CheckResult {
  const complete = !o.truncated;
  const lassoOf = new Map<number, Lasso>();
  o.liveness?.lassos.forEach((l, k) => {
    if (l) lassoOf.set(m.livenessIndex[k]!, l);
  });
  const properties: PropertyResult[] = m.properties.map((p, i) => {
    const lasso = lassoOf.get(i);
    if (lasso) return { name: p.name, kind: p.kind, doc: p.doc, verdict: 'violated', trace: lassoTrace(m, lasso, o.liveness!.fairness.mode) };
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
      ...(o.liveness ? { graphBytes: o.liveness.graphBytes, edges: o.liveness.edges } : {}),
      ...(o.spill ? { spill: o.spill } : {}),
    },
    ...(o.liveness && m.liveness.length ? { fairness: o.liveness.fairness } : {}),
    coverage,
    neverFired: coverage.filter((c) => c.count === 0).map((c) => c.label),
    collisionProbability: o.exact ? 0 : (n * Math.max(0, o.transitions + m.inits.length - n)) / 2 ** 64,
  };
}

/** Compile with the given parameters and check. */
export function checkModel(def: ModelDefinition, params: Readonly<Record<string, number>> = {}, opts: CheckOptions = {}): CheckResult {
  return check(compileModel(def, params), opts);
}

/** A lasso as a trace: replayed, and checked to close on itself. */
function lassoTrace(m: CompiledModel, l: Lasso, fairness: FairnessMode): Trace {
  const p = m.properties[m.livenessIndex[l.property]!]!;
  const t = replayInstances(m, l.init, [...l.prefix, ...l.cycle], p.name, p.kind);
  const loopStart = l.prefix.length;
  const first = t.states[loopStart]!;
  const last = t.states[t.states.length - 1]!;
  if (!first.every((w, k) => w === last[k])) {
    throw new Error(`internal: the lasso for ${p.name} does not close (a fingerprint collision?); run again with --exact`);
  }
  const live = m.liveness[l.property]!;
  const about = l.subject !== undefined ? { subject: l.subject, subjectName: `${live.overName ?? 'value'} ${l.subject}` } : {};
  return { ...t, loopStart, ...about, fairness };
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
