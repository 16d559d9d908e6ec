// What every search strategy shares: the visited set, the parent records
// that rebuild traces, property checks on states and steps, statistics,
// coverage, budgets and progress. A strategy decides only the order in which
// states are expanded.

import { fingerprint, lastLo } from '../state/hash.js';
import { GrowableU32, growableIndex } from '../store/growable.js';
import { ExactSet, FingerprintSet, SpentSet, type StateSet } from '../store/stateset.js';
import { Stepper } from './stepper.js';
import { PropertyChecks } from './checks.js';
import { tuneInlining } from '../runtime/v8tuning.js';
import { UsageError } from '../errors.js';
import type { Symmetry } from '../state/symmetry.js';
import type { CompiledModel } from '../model.js';
import type { CheckOptions, Progress, StopReason } from '../result.js';

const NO_PARENT = 0xffffffff;

/** A violation found during search; its trace is rebuilt at the end. */
export interface Violation {
  /** Index into `model.properties`. */
  readonly property: number;
  /** The state reached by the trace (for step properties: the state before the step). */
  readonly stateId: number;
  /** For step properties, the violating instance; otherwise -1. */
  readonly instance: number;
}

export class Exploration {
  readonly stepper: Stepper;
  set: StateSet;
  readonly parents = new GrowableU32();
  /** Action instance that reached each state; for roots, the initial-state index. */
  readonly via: ReturnType<typeof growableIndex>;
  readonly coverage: Float64Array;
  readonly violations: (Violation | undefined)[];
  /** The property checks; a property is closed in them once violated. */
  readonly checks: PropertyChecks;
  transitions = 0;
  maxDepth = 0;
  /** With symmetry reduction: the canonicaliser, and the unreduced counts. */
  readonly sym: Symmetry | undefined;
  unreducedDistinct = 0;
  unreducedTransitions = 0;
  /**
   * How a local state id becomes the id a violation records: a parallel
   * worker stores states by local id and reports global ones
   * (local * workers + worker).
   */
  idStride = 1;
  idBase = 0;
  stopReason: StopReason | undefined;
  /** After `add` answered -1 for a state already stored: its id (when the set keeps ids), else -1. */
  foundId = -1;
  /** The liveness graph being recorded, if any: its growth counts against the memory budget. */
  graphBytes: { readonly growthBytes: number } | undefined;
  /** True when some state was left unexpanded by a bound, so verdicts cannot be `holds`. */
  truncated = false;
  /** `truncated` as it was when the search was first stopped (a checkpoint keeps this, not the stop's). */
  truncatedBeforeStop = false;
  /**
   * A budget stopped the search inside an expansion (a state half expanded):
   * the search cannot be checkpointed there (checkpoint/).
   */
  stoppedMidState = false;
  /** When this session started; `priorSeconds`: the time spent before it, by the sessions a checkpoint resumed. */
  readonly started = performance.now();
  priorSeconds = 0;
  private lastProgress: number;
  private nextCheck = 0;
  /**
   * The model declares stuttering steps: a state is stuck when only
   * stuttering can ever happen again, which the liveness graph decides
   * (liveness/stuck.ts), not a look at the state's own steps.
   */
  readonly deadlockByGraph: boolean;
  private open: number;

  constructor(
    readonly m: CompiledModel,
    readonly opts: CheckOptions,
    keepIds: boolean,
    /** A visited set to use instead of the default one (a parallel search's shared table). */
    set?: StateSet,
  ) {
    tuneInlining();
    this.stepper = new Stepper(m);
    this.via = growableIndex(Math.max(m.instances.length, m.inits.length));
    this.set = set ?? (opts.exact ? new ExactSet(m.words) : new FingerprintSet(1 << 16, keepIds));
    this.coverage = new Float64Array(m.instances.length);
    this.violations = m.properties.map(() => undefined);
    this.checks = new PropertyChecks(m);
    this.deadlockByGraph = m.checkDeadlock && m.stutterFamilies !== undefined;
    this.open = m.properties.length;
    this.lastProgress = this.started;
    if (opts.symmetry) {
      if (!m.symmetry) throw new UsageError(`model ${m.name} declares no symmetry`);
      this.sym = m.symmetry;
    }
  }

  /** After the search: let the visited table go (its counts stay), so the liveness analysis has its memory. */
  releaseVisited(): void {
    this.set = new SpentSet(this.set);
  }

  /** Put a state in canonical form in place (no-op without symmetry reduction). */
  canon(words: Uint32Array, off: number): void {
    if (this.sym) this.sym.canonicalize(words, off);
  }

  /** How many unreduced states a stored state stands for. */
  weight(words: Uint32Array, off: number): number {
    return this.sym ? this.sym.orbit(words, off) : 1;
  }

  get distinct(): number {
    return this.set.size;
  }

  /** True once no property is left to decide, or the user asked to stop at the first violation. */
  get done(): boolean {
    return this.stopReason !== undefined;
  }

  /**
   * Add a state if it is new. Returns its id, or -1 if it was seen before.
   * Checks invariants on new states.
   */
  add(words: Uint32Array, off: number, parent: number, via: number, depth: number): number {
    const hi = fingerprint(words, off, this.m.words);
    return this.addHashed(words, off, hi, lastLo[0]!, parent, via, depth);
  }

  /** As `add`, with the fingerprint already computed. */
  addHashed(words: Uint32Array, off: number, hi: number, lo: number, parent: number, via: number, depth: number): number {
    const n = this.m.words;
    const budget = this.opts.maxMemoryBytes;
    if (budget !== undefined) {
      // A growth allocates the new array while the old one is still live, so
      // count the whole new array against the budget.
      const setGrowth = this.set.nextGrowthBytes > this.set.bytes ? this.set.nextGrowthBytes : 0;
      const growth = setGrowth + this.parents.growthBytes + this.via.growthBytes + (this.graphBytes?.growthBytes ?? 0);
      if (growth > 0 && process.memoryUsage.rss() + growth > budget) {
        this.stop('memory');
        this.stoppedMidState = true;
        this.foundId = -1;
        return -1;
      }
    }
    const id = this.set.size;
    const found = this.set.insert(words, off, hi, lo, id);
    if (found !== -1) {
      this.foundId = found;
      return -1;
    }
    this.parents.push(parent);
    this.via.push(via);
    if (this.sym) this.unreducedDistinct += this.sym.orbit(words, off);
    if (this.opts.maxStates !== undefined && this.set.size >= this.opts.maxStates) {
      this.stop('states');
      this.stoppedMidState = true;
    }
    if (depth > this.maxDepth) this.maxDepth = depth;
    this.opts.onState?.(words.subarray(off, off + n), depth);
    if (this.m.invariants.length) this.checkInvariants(words, off, id * this.idStride + this.idBase);
    return id;
  }

  private checkInvariants(words: Uint32Array, off: number, id: number): void {
    const n = this.checks.invariants(words, off);
    for (let j = 0; j < n; j++) this.violate({ property: this.checks.found[j]!, stateId: id, instance: -1 });
  }

  /** Check step properties on the step the stepper has just fired. */
  checkStep(parentId: number, instance: number): void {
    const n = this.checks.step(this.stepper.cur, instance, this.stepper.next);
    for (let j = 0; j < n; j++) this.violate({ property: this.checks.found[j]!, stateId: parentId, instance });
  }

  /** True if the state is already in the visited set. */
  isStored(words: Uint32Array): boolean {
    const n = this.m.words;
    this.canon(words, 0);
    const hi = fingerprint(words, 0, n);
    return this.set.get(words, 0, hi, lastLo[0]!) >= 0;
  }

  /** Called for an expanded state that had no enabled action. */
  deadlocked(words: Uint32Array, off: number, id: number): void {
    if (this.deadlockByGraph) return;
    if (this.checks.deadlock(words, off)) this.violate({ property: this.checks.deadlockIndex, stateId: id, instance: -1 });
  }

  /** True if the successor in the stepper's buffer is inside the state constraint. */
  inConstraint(): boolean {
    const c = this.m.constraint;
    return c === undefined || c(this.stepper.next);
  }

  private violate(v: Violation): void {
    this.violations[v.property] = v;
    this.checks.open[v.property] = 0;
    this.open--;
    if (!this.opts.continueAfterViolation || this.open === 0) this.stop('violation');
  }

  stop(reason: StopReason): void {
    if (this.stopReason === undefined) {
      this.stopReason = reason;
      this.truncatedBeforeStop = this.truncated;
    }
    // A budget may cut the search anywhere; a violation stop is judged by
    // what the strategy left unexpanded.
    if (reason !== 'violation') this.truncated = true;
  }

  /** Budgets and progress, checked every so many states. */
  tick(queue: number, depth: number): void {
    if (this.set.size < this.nextCheck) return;
    this.nextCheck = this.set.size + 1024;
    this.budgets(queue, depth);
  }

  /** Budgets and progress, now (a search whose count of states moves in steps calls this itself). */
  budgets(queue: number, depth: number): void {
    const o = this.opts;
    const now = performance.now();
    if (o.maxSeconds !== undefined && now - this.started > o.maxSeconds * 1000) this.stop('time');
    if (o.maxMemoryBytes !== undefined && process.memoryUsage.rss() > o.maxMemoryBytes) this.stop('memory');
    if (o.onProgress && now - this.lastProgress >= (o.progressIntervalMs ?? 1000)) {
      this.lastProgress = now;
      o.onProgress(this.progress(queue, depth, now));
    }
  }

  /** Seconds spent searching, in this session and the ones it resumed. */
  seconds(now = performance.now()): number {
    return this.priorSeconds + (now - this.started) / 1000;
  }

  /**
   * Forget a violation recorded on a state that turned out not to be new
   * (--spill checks candidates before it knows: a fingerprint collision);
   * the search in memory would have taken it for the state it collides with.
   */
  retract(property: number): void {
    this.violations[property] = undefined;
    this.reopen();
  }

  /** Properties still open: every one not yet violated (after a resume, from the violations it restored). */
  reopen(): void {
    this.open = 0;
    this.violations.forEach((v, p) => {
      this.checks.open[p] = v ? 0 : 1;
      if (!v) this.open++;
    });
  }

  progress(queue: number, depth: number, now = performance.now()): Progress {
    const seconds = this.seconds(now);
    return {
      distinct: this.set.size,
      transitions: this.transitions,
      queue,
      depth,
      seconds,
      statesPerSecond: seconds > 0 ? this.set.size / seconds : 0,
    };
  }

  /** Action instances from the initial state to `id`, and which initial state. */
  pathTo(id: number): { init: number; actions: number[] } {
    const actions: number[] = [];
    const file = this.parentFile;
    if (file) {
      // The parent records were moved to disk (--spill).
      let x = id;
      for (;;) {
        const [parent, via] = file.get(x);
        if (parent === NO_PARENT) {
          actions.reverse();
          return { init: via!, actions };
        }
        actions.push(via!);
        x = parent!;
      }
    }
    let x = id;
    while (this.parents.data[x] !== NO_PARENT) {
      actions.push(this.via.data[x]!);
      x = this.parents.data[x]!;
    }
    actions.reverse();
    return { init: this.via.data[x]!, actions };
  }

  /** Parent records kept on disk instead of in `parents` and `via` (--spill). */
  parentFile: { get(id: number): Uint32Array } | undefined;

  /**
   * Check the invariants still open on a state (--spill: a candidate, whose
   * id is not known yet); each one violated is recorded with `stateId`
   * standing for the state until it has its id. Returns how many.
   */
  checkCandidate(words: Uint32Array, off: number, stateId: number): number {
    if (this.m.invariants.length === 0) return 0;
    const n = this.checks.invariants(words, off);
    for (let j = 0; j < n; j++) this.violate({ property: this.checks.found[j]!, stateId, instance: -1 });
    return n;
  }
}

export { NO_PARENT };
