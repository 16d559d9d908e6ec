// Random simulation: many random walks over a model, every property checked
// on every state and step, on fast-check's runner.
//
// Run r of seed s is fast-check's r-th generated value under seed s (its
// path "r"), so runs can be split across threads and machines by index and
// the answer does not depend on how: the violation reported is the one of
// the lowest-numbered failing run. That run's walk is then shrunk by
// fast-check, keeping the property it violated first; fast-check's path to
// the shrunk walk (`--seed s --path p`) replays it exactly. A deterministic
// post-pass then cuts loops and drops steps the violation does not need.
//
// Simulation finds violations; it cannot show that a property holds. A
// property no walk violated gets the verdict `unknown`. Liveness properties
// get no verdict at all (a finite walk cannot show that something never
// happens), and deadlock under declared stuttering only where a walk reaches
// a state with no step at all (whether only stuttering is left is decided on
// the state graph, by exhaustive search): see `walkJudges`.

import fc from 'fast-check';
import { replayInstances } from '../check.js';
import { UsageError } from '../errors.js';
import { LIVENESS_KINDS, type CompiledModel, type Params } from '../model.js';
import type { CoverageEntry, PropertyResult, Trace } from '../result.js';
import { WalkArbitrary } from './arbitrary.js';
import { Walker, type Walk } from './walk.js';

export interface SimulationSpec {
  /** fast-check's seed (a 32-bit integer). */
  readonly seed: number;
  /** Steps per walk at most. */
  readonly depth: number;
  /** Swarm: each run draws its own weights of the action families. */
  readonly swarm: boolean;
}

export interface SimulationOptions extends SimulationSpec {
  /** Runs 0..runs-1 make up the whole simulation. */
  readonly runs: number;
  /** This part of it (a shard): runs from..to-1. Default: all. */
  readonly from?: number;
  readonly to?: number;
  /** Stop searching after this long (the shrinking of a violation found has its own budget). */
  readonly maxSeconds?: number;
  /** Budget for shrinking a violation, seconds (default 60). */
  readonly shrinkSeconds?: number;
  /** false: keep fast-check's shrunk walk as it is (to measure what the post-pass adds). */
  readonly postPass?: boolean;
  readonly onProgress?: (p: SimulationProgress) => void;
  readonly progressIntervalMs?: number;
}

export interface SimulationProgress {
  readonly runs: number;
  readonly steps: number;
  readonly seconds: number;
}

export type SimulatedProperty = PropertyResult & {
  /** Why the verdict is what it is when no walk violated the property. */
  readonly note?: string;
};

export interface SimulationViolation {
  readonly property: string;
  /** The first failing run: fast-check's run index under the seed. */
  readonly run: number;
  /** fast-check's path to the shrunk walk: `--seed <seed> --path <path>` replays it. */
  readonly path: string;
  /** Steps to the violation: in the run's own walk, after fast-check's shrinking, after the post-pass. */
  readonly foundSteps: number;
  readonly shrunkSteps: number;
  readonly steps: number;
  /** Shrinks fast-check accepted. */
  readonly shrinks: number;
  /** The shrinking budget ran out before fast-check had tried every shrink. */
  readonly shrinkInterrupted: boolean;
  /** Seconds from the start until the first failing run was known, and spent shrinking. */
  readonly foundSeconds: number;
  readonly shrinkSeconds: number;
}

export interface SimulationResult {
  readonly model: string;
  readonly params: Params;
  readonly seed: number;
  readonly depth: number;
  readonly swarm: boolean;
  readonly runs: number;
  readonly from: number;
  readonly to: number;
  /** Set when this result replays one walk (`--path`) instead of searching. */
  readonly path?: string;
  /** Runs walked: every run before the first failing one (with workers, a few past it may have run too). */
  readonly runsDone: number;
  readonly stopReason?: 'violation' | 'time';
  readonly properties: readonly SimulatedProperty[];
  readonly violation?: SimulationViolation;
  readonly stats: {
    readonly steps: number;
    readonly seconds: number;
    readonly stepsPerSecond: number;
    readonly workers: number;
  };
  readonly coverage: readonly CoverageEntry[];
  readonly neverFired: readonly string[];
}

/** The run range of an options object, checked. */
export function runRange(o: SimulationOptions): { from: number; to: number } {
  const from = o.from ?? 0;
  const to = o.to ?? o.runs;
  if (!(Number.isInteger(from) && Number.isInteger(to) && 0 <= from && from <= to && to <= o.runs)) {
    throw new UsageError(`simulation runs ${from}..${to - 1} are not within 0..${o.runs - 1}`);
  }
  return { from, to };
}

export function walkArbitrary(m: CompiledModel, spec: SimulationSpec): WalkArbitrary {
  return new WalkArbitrary(spec.depth, m.inits.length, spec.swarm ? m.families.length : 0);
}

/** Thrown from inside fast-check's runner to end a search early; never a failure of the model. */
const STOP = new Error('simulation stopped');

// fast-check reports an exception in a property as a failing value, like a
// violation. A model error is no violation: it is kept here, fast-check is
// stopped, and the error is thrown again outside.
let caught: unknown;
function runCaught(walker: Walker, w: Walk): number {
  try {
    return walker.run(w);
  } catch (e) {
    caught = e;
    throw STOP;
  }
}
function rethrowCaught(): void {
  if (caught === undefined) return;
  const e = caught;
  caught = undefined;
  throw e;
}

export interface SearchControl {
  /** True if this thread walks run r (the others are another thread's). */
  owns(run: number): boolean;
  /** Runs past this one need not run: a lower-numbered run already failed. */
  bound(): number;
  /** Report a failing run as soon as it is found. */
  found?(run: number): void;
  /** performance.now() after which the search stops. */
  readonly deadline?: number;
  readonly onProgress?: (runsDone: number, steps: number) => void;
}

export interface SearchOutcome {
  /** The lowest-numbered failing run this thread walked, and the property its walk violated first. */
  readonly failing?: { readonly run: number; readonly property: number };
  readonly runsDone: number;
  readonly timeUp: boolean;
}

/**
 * Walk runs from..to-1 (those `ctl` says this thread owns) until one
 * violates a property: one fast-check run over exactly those values.
 */
export function searchRuns(walker: Walker, spec: SimulationSpec, from: number, to: number, ctl: SearchControl): SearchOutcome {
  if (to <= from) return { runsDone: 0, timeUp: false };
  let next = from;
  let runsDone = 0;
  let timeUp = false;
  let failing: SearchOutcome['failing'];
  const property = fc.property(walkArbitrary(walker.m, spec), (w) => {
    const run = next++;
    if (!ctl.owns(run)) return true;
    if (run > ctl.bound()) throw STOP;
    if (ctl.deadline !== undefined && performance.now() > ctl.deadline) {
      timeUp = true;
      throw STOP;
    }
    const p = runCaught(walker, w);
    runsDone++;
    if ((runsDone & 63) === 0) ctl.onProgress?.(runsDone, walker.steps);
    if (p < 0) return true;
    failing = { run, property: p };
    ctl.found?.(run);
    return false;
  });
  // endOnFailure: the search only locates the first failing run; it is shrunk afterwards, once.
  fc.check(property, { seed: spec.seed, path: String(from), numRuns: to - from, endOnFailure: true });
  rethrowCaught();
  return { ...(failing ? { failing } : {}), runsDone, timeUp };
}

/** What shrinking and the post-pass make of a failing run. */
export interface Shrunk {
  readonly walk: Walk;
  readonly path: string;
  readonly shrinks: number;
  readonly interrupted: boolean;
  readonly foundSteps: number;
  readonly shrunkSteps: number;
  readonly trace: Trace;
}

/**
 * Shrink the walk of `run` with fast-check, accepting only walks whose first
 * violation is the same property, then tighten the result.
 */
export function shrinkRun(walker: Walker, spec: SimulationSpec, run: number, property: number, budgetSeconds: number, postPass = true): Shrunk {
  const started = performance.now();
  let foundSteps = -1;
  const prop = fc.property(walkArbitrary(walker.m, spec), (w) => {
    const p = runCaught(walker, w);
    if (foundSteps < 0) foundSteps = walker.length;
    return p !== property;
  });
  const d = fc.check(prop, {
    seed: spec.seed,
    path: String(run),
    numRuns: 1,
    // The plugin is typed for any property; this one's values are walks.
    plugins: [fc.interruptAfterTimeLimit(Math.max(1, budgetSeconds * 1000)) as fc.Plugin<[Walk]>],
  });
  rethrowCaught();
  if (!d.failed || !d.counterexample) throw new Error(`internal: run ${run} of seed ${spec.seed} no longer violates ${walker.m.properties[property]!.name}`);
  const walk = d.counterexample[0];
  const left = budgetSeconds - (performance.now() - started) / 1000;
  return { ...traceOf(walker, walk, property, postPass, left), walk, path: d.counterexamplePath!, shrinks: d.numShrinks, interrupted: d.interrupted, foundSteps };
}

/** The walk at a fast-check path (as `shrinkRun` reports it), without searching or shrinking. */
export function walkAt(m: CompiledModel, spec: SimulationSpec, path: string): Walk {
  if (!/^\d+(:\d+)*$/.test(path)) throw new UsageError(`--path: '${path}' is not a fast-check path (numbers separated by colons, e.g. 12:0:3)`);
  let walk: Walk | undefined;
  const prop = fc.property(walkArbitrary(m, spec), (w) => {
    // Only the value at the path; stop before fast-check moves on to its siblings.
    if (walk) throw STOP;
    walk = w;
    return true;
  });
  try {
    fc.check(prop, { seed: spec.seed, path, numRuns: 1, endOnFailure: true });
  } catch (e) {
    throw new UsageError(`--path ${path}: fast-check cannot replay it with seed ${spec.seed} (${(e as Error).message})`);
  }
  if (!walk) throw new UsageError(`--path ${path}: no walk there for seed ${spec.seed} with these options`);
  return walk;
}

/** The trace of a failing walk, tightened unless `postPass` is false. */
export function traceOf(
  walker: Walker,
  walk: Walk,
  property: number,
  postPass: boolean,
  budgetSeconds: number,
): { trace: Trace; shrunkSteps: number } {
  const m = walker.m;
  const p = walker.run(walk, true);
  if (p !== property) throw new Error(`internal: the walk violates ${p < 0 ? 'nothing' : m.properties[p]!.name} instead of ${m.properties[property]!.name}`);
  const shrunkSteps = walker.taken.length;
  const actions = postPass ? tighten(walker, walk.init, walker.taken, property, budgetSeconds) : [...walker.taken];
  const prop = m.properties[property]!;
  return { trace: replayInstances(m, walk.init, actions, prop.name, prop.kind), shrunkSteps };
}

/**
 * Replay `actions` from initial state `init` as a walk does (each action
 * enabled, each successor inside the constraint, every property checked):
 * the steps up to the first violation if that is of `property`, else null.
 */
export function replayActions(walker: Walker, init: number, actions: readonly number[], property: number): number[] | null {
  const m = walker.m;
  const st = walker.stepper;
  const checks = walker.checks;
  let state = m.inits[init]!.slice();
  if (checks.invariants(state, 0) > 0) return checks.found[0] === property ? [] : null;
  for (let k = 0; k < actions.length; k++) {
    const i = actions[k]!;
    if (!st.fire(state, 0, i)) return null;
    if (m.constraint !== undefined && !m.constraint(st.next)) return null;
    const after = st.succ.slice();
    if (checks.step(st.cur, i, st.next) > 0) return checks.found[0] === property ? actions.slice(0, k + 1) : null;
    state = after;
    if (checks.invariants(state, 0) > 0) return checks.found[0] === property ? actions.slice(0, k + 1) : null;
  }
  if (m.properties[property]!.kind !== 'deadlock') return null;
  // A deadlock trace ends where no action is enabled.
  for (let i = 0; i < m.instances.length; i++) if (st.fire(state, 0, i)) return null;
  return checks.deadlock(state, 0) ? [...actions] : null;
}

/**
 * The deterministic post-pass: cut every loop (a state met again: the steps
 * in between go), then try dropping blocks of steps, largest first, and
 * pairs of steps apart (a vCPU's entry and exit, say, which cannot go one
 * at a time), keeping a shorter list whenever it still replays to a first
 * violation of the same property. Loops are cut among the states before the
 * last step, which is kept: for a step property it is the violating step.
 */
export function tighten(walker: Walker, init: number, actions: readonly number[], property: number, budgetSeconds = Infinity): number[] {
  const deadline = performance.now() + budgetSeconds * 1000;
  const late = () => performance.now() > deadline;
  let best = cutLoops(walker, init, actions);
  if (replayActions(walker, init, best, property) === null) best = [...actions];
  const accept = (candidate: number[]): boolean => {
    const ok = replayActions(walker, init, candidate, property);
    if (ok === null || ok.length >= best.length) return false;
    best = cutLoops(walker, init, ok);
    return true;
  };
  const dropBlocks = (): boolean => {
    let any = false;
    for (let size = best.length >> 1 || 1; size >= 1 && !late(); size >>= 1) {
      for (let start = best.length - size; start >= 0 && !late(); start--) {
        if (accept([...best.slice(0, start), ...best.slice(start + size)])) {
          any = true;
          start = Math.min(start + 1, best.length - size + 1);
        }
      }
    }
    return any;
  };
  // Pairs cost a replay each for every two steps: only for short traces.
  const dropPairs = (): boolean => {
    if (best.length > PAIR_LIMIT) return false;
    for (let i = best.length - 1; i > 0 && !late(); i--) {
      for (let j = i - 1; j >= 0 && !late(); j--) {
        if (accept(best.filter((_, k) => k !== i && k !== j))) return true;
      }
    }
    return false;
  };
  while (!late() && (dropBlocks() || dropPairs()));
  return best;
}

/** Longest trace whose pairs of steps the post-pass tries to drop. */
const PAIR_LIMIT = 64;

function cutLoops(walker: Walker, init: number, actions: readonly number[]): number[] {
  const m = walker.m;
  const st = walker.stepper;
  const key = (s: Uint32Array) => s.join(',');
  const seen = new Map<string, number>();
  const kept: number[] = [];
  const states: string[] = [];
  let state = m.inits[init]!.slice();
  const last = actions.length - 1;
  for (let k = 0; k <= last; k++) {
    const here = key(state);
    const at = seen.get(here);
    if (at !== undefined) {
      // Back at the state before kept[at]: forget the loop.
      for (const s of states.splice(at)) seen.delete(s);
      kept.length = at;
    }
    seen.set(here, kept.length);
    states.push(here);
    if (!st.fire(state, 0, actions[k]!)) throw new Error('internal: a walk step is not enabled on replay');
    kept.push(actions[k]!);
    state = st.succ.slice();
  }
  return kept;
}

/**
 * What walks can judge of a property: `all` of it (invariants, step
 * properties, deadlock when the model declares no stuttering), only `dead
 * ends` (deadlock under stuttering: a walk sees a state with no step at all,
 * but whether only stuttering steps are left is decided on the state graph),
 * or `nothing` (liveness: a finite walk cannot show that something never
 * happens).
 */
export function walkJudges(m: CompiledModel, p: { readonly kind: CompiledModel['properties'][number]['kind'] }): 'all' | 'dead ends' | 'nothing' {
  if (LIVENESS_KINDS.includes(p.kind)) return 'nothing';
  if (p.kind === 'deadlock' && m.stutterFamilies !== undefined) return 'dead ends';
  return 'all';
}

/** The note on a property no walk violated, after `runs` runs (merge rewrites the count: see `noteWithRuns`). */
export function unviolatedNote(m: CompiledModel, p: CompiledModel['properties'][number], runs: number): string {
  const n = `${runs} run${runs === 1 ? '' : 's'}`;
  switch (walkJudges(m, p)) {
    case 'nothing':
      return 'liveness: simulation gives no verdict';
    case 'dead ends':
      return `no dead end in ${n}; stuck with only stuttering steps left is decided on the state graph`;
    default:
      return `no violation in ${n}`;
  }
}

/** A note of `unviolatedNote` with its run count replaced (for shards merged into one run). */
export function noteWithRuns(note: string, runs: number): string {
  return note.replace(/\bin \d+ runs?\b/, `in ${runs} run${runs === 1 ? '' : 's'}`);
}

/**
 * Verdicts: the violated property with its trace; every other `unknown`,
 * with why. Never `holds`: not for a safety property no walk violated, not
 * for liveness, not for deadlock under stuttering.
 */
export function simulatedProperties(m: CompiledModel, runs: number, violated: { property: number; trace: Trace } | undefined): SimulatedProperty[] {
  return m.properties.map((p, i) => {
    if (violated && violated.property === i) return { name: p.name, kind: p.kind, doc: p.doc, verdict: 'violated', trace: violated.trace };
    const note =
      violated && walkJudges(m, p) !== 'nothing' ? 'not reached: simulation stops at the first violation' : unviolatedNote(m, p, runs);
    return { name: p.name, kind: p.kind, doc: p.doc, verdict: 'unknown', note };
  });
}

export function coverageOf(m: CompiledModel, counts: ArrayLike<number>): { coverage: CoverageEntry[]; neverFired: string[] } {
  const coverage = m.instances.map((inst, i) => ({ label: inst.label, family: inst.family, count: counts[i]! }));
  return { coverage, neverFired: coverage.filter((c) => c.count === 0).map((c) => c.label) };
}

/** Simulate in this thread. */
export function simulate(m: CompiledModel, o: SimulationOptions): SimulationResult {
  checkOptions(o);
  const started = performance.now();
  const { from, to } = runRange(o);
  const walker = new Walker(m);
  let lastProgress = started;
  const search = searchRuns(walker, o, from, to, {
    owns: () => true,
    bound: () => Infinity,
    ...(o.maxSeconds !== undefined ? { deadline: started + o.maxSeconds * 1000 } : {}),
    onProgress: (runs, steps) => {
      const now = performance.now();
      if (!o.onProgress || now - lastProgress < (o.progressIntervalMs ?? 1000)) return;
      lastProgress = now;
      o.onProgress({ runs, steps, seconds: (now - started) / 1000 });
    },
  });
  const foundAt = performance.now();
  return finish(m, o, walker, { from, to, started, foundAt, search, coverage: walker.coverage, steps: walker.steps, workers: 1 });
}

/** Options a simulation refuses, whichever way it runs. */
export function checkOptions(o: SimulationOptions): void {
  if (!Number.isInteger(o.seed) || o.seed < -(2 ** 31) || o.seed >= 2 ** 31) throw new UsageError(`seed ${o.seed} is not a 32-bit integer`);
  if (!Number.isInteger(o.runs) || o.runs < 1) throw new UsageError(`runs ${o.runs} is not a whole number >= 1`);
  if (!Number.isInteger(o.depth) || o.depth < 1) throw new UsageError(`depth ${o.depth} is not a whole number >= 1`);
}

/** Shrink the violation found, if any, and assemble the result (one thread or several). */
export function finish(
  m: CompiledModel,
  o: SimulationOptions,
  walker: Walker,
  s: {
    from: number;
    to: number;
    started: number;
    foundAt: number;
    search: SearchOutcome;
    coverage: ArrayLike<number>;
    steps: number;
    workers: number;
  },
): SimulationResult {
  const f = s.search.failing;
  let violation: SimulationViolation | undefined;
  let violated: { property: number; trace: Trace } | undefined;
  if (f) {
    const t0 = performance.now();
    const shrunk = shrinkRun(walker, o, f.run, f.property, o.shrinkSeconds ?? 60, o.postPass !== false);
    violated = { property: f.property, trace: shrunk.trace };
    violation = {
      property: m.properties[f.property]!.name,
      run: f.run,
      path: shrunk.path,
      foundSteps: shrunk.foundSteps,
      shrunkSteps: shrunk.shrunkSteps,
      steps: shrunk.trace.actions.length,
      shrinks: shrunk.shrinks,
      shrinkInterrupted: shrunk.interrupted,
      foundSeconds: (s.foundAt - s.started) / 1000,
      shrinkSeconds: (performance.now() - t0) / 1000,
    };
  }
  const seconds = (performance.now() - s.started) / 1000;
  const searched = (s.foundAt - s.started) / 1000;
  return {
    model: m.name,
    params: m.params,
    seed: o.seed,
    depth: o.depth,
    swarm: o.swarm,
    runs: o.runs,
    from: s.from,
    to: s.to,
    runsDone: s.search.runsDone,
    ...(f ? { stopReason: 'violation' as const } : s.search.timeUp ? { stopReason: 'time' as const } : {}),
    properties: simulatedProperties(m, s.search.runsDone, violated),
    ...(violation ? { violation } : {}),
    stats: { steps: s.steps, seconds, stepsPerSecond: searched > 0 ? s.steps / searched : 0, workers: s.workers },
    ...coverageOf(m, s.coverage),
  };
}

/** Replay the walk at fast-check's `path` under the spec's seed: its first violation, shrunk no further. */
export function simulatePath(m: CompiledModel, o: SimulationOptions, path: string): SimulationResult {
  checkOptions(o);
  const started = performance.now();
  const walker = new Walker(m);
  const walk = walkAt(m, o, path);
  const p = walker.run(walk);
  const run = Number(path.split(':')[0]);
  let violated: { property: number; trace: Trace } | undefined;
  let violation: SimulationViolation | undefined;
  if (p >= 0) {
    const foundSteps = walker.length;
    const { trace, shrunkSteps } = traceOf(walker, walk, p, o.postPass !== false, o.shrinkSeconds ?? 60);
    violated = { property: p, trace };
    violation = {
      property: m.properties[p]!.name,
      run,
      path,
      foundSteps,
      shrunkSteps,
      steps: trace.actions.length,
      shrinks: 0,
      shrinkInterrupted: false,
      foundSeconds: (performance.now() - started) / 1000,
      shrinkSeconds: 0,
    };
  }
  const seconds = (performance.now() - started) / 1000;
  return {
    model: m.name,
    params: m.params,
    seed: o.seed,
    depth: o.depth,
    swarm: o.swarm,
    runs: 1,
    from: run,
    to: run + 1,
    path,
    runsDone: 1,
    ...(violation ? { stopReason: 'violation' as const } : {}),
    properties: simulatedProperties(m, 1, violated),
    ...(violation ? { violation } : {}),
    stats: { steps: walker.steps, seconds, stepsPerSecond: seconds > 0 ? walker.steps / seconds : 0, workers: 1 },
    ...coverageOf(m, walker.coverage),
  };
}
