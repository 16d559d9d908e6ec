// Options in, results out: a result is plain data that the CLI prints and
// tests assert on.

import type { ActionInstance, FairnessMode, Params, PropertyKind } from './model.js';

export type Strategy = 'bfs' | 'dfs';
export type Verdict = 'holds' | 'violated' | 'unknown';
export type StopReason = 'violation' | 'depth' | 'states' | 'time' | 'memory' | 'interrupted';

export interface Progress {
  readonly distinct: number;
  readonly transitions: number;
  readonly queue: number;
  readonly depth: number;
  readonly seconds: number;
  readonly statesPerSecond: number;
}

export interface CheckOptions {
  readonly strategy?: Strategy;
  /** Keep searching after a violation until every property has a verdict. */
  readonly continueAfterViolation?: boolean;
  /** Do not expand states at this many steps from an initial state. */
  readonly maxDepth?: number;
  readonly maxStates?: number;
  readonly maxSeconds?: number;
  /** Stop cleanly (verdicts `unknown`) before the process's memory passes this. */
  readonly maxMemoryBytes?: number;
  /** Store whole states instead of 64-bit fingerprints: no collisions, more memory. */
  readonly exact?: boolean;
  /** Symmetry reduction over the model's declared interchangeable elements. */
  readonly symmetry?: boolean;
  /** The fairness liveness properties are checked under (default: the model's declarations). */
  readonly fairness?: FairnessMode;
  readonly onProgress?: (p: Progress) => void;
  readonly progressIntervalMs?: number;
  /** Called once for every distinct state found (tests, exports). */
  readonly onState?: (state: Uint32Array, depth: number) => void;
  /**
   * A folder for the search to move its visited set, queue and parent
   * records to when `maxMemoryBytes` would be exceeded, instead of stopping
   * (one-thread BFS, safety properties).
   */
  readonly spill?: string;
  /**
   * Tests only: with `spill`, move to disk once this many states are stored
   * (not by the budget), with tables of these many entries (so that small
   * models clear them, write runs and merge them).
   */
  readonly spillForTests?: { readonly atStates: number; readonly recent: number; readonly level: number; readonly keys: number };
}

/**
 * A counterexample: `states[0]` is an initial state and `actions[i]` takes
 * `states[i]` to `states[i + 1]`. For a step property the last action is the
 * violating step.
 */
export interface Trace {
  readonly property: string;
  readonly kind: PropertyKind;
  readonly initIndex: number;
  readonly states: readonly Uint32Array[];
  readonly actions: readonly ActionInstance[];
  /**
   * Liveness counterexamples are lassos: the run goes on forever by
   * repeating `actions[loopStart..]`, which lead from `states[loopStart]`
   * back to a state equal to it (the last state). Absent for finite traces.
   */
  readonly loopStart?: number;
  /** For a property checked `over` several values: the value this counterexample is about. */
  readonly subject?: number;
  /** The same for people: "vCPU 1" (the property's `overName` and the value). */
  readonly subjectName?: string;
  /** The fairness the lasso is fair under. */
  readonly fairness?: FairnessMode;
}

/** The fairness a liveness check assumed, as data for people and files. */
export interface FairnessUsed {
  readonly mode: FairnessMode;
  readonly actors: readonly { readonly name: string; readonly kind: 'weak' | 'strong' }[];
}

export interface PropertyResult {
  readonly name: string;
  readonly kind: PropertyKind;
  readonly doc: string;
  readonly verdict: Verdict;
  readonly trace?: Trace;
}

export interface CoverageEntry {
  readonly label: string;
  readonly family: string;
  readonly count: number;
}

export interface Stats {
  readonly distinct: number;
  readonly transitions: number;
  /** Most steps from an initial state to a stored state (for BFS: the diameter). */
  readonly depth: number;
  readonly seconds: number;
  readonly statesPerSecond: number;
  /** Peak resident set size of the process, bytes. */
  readonly peakRssBytes: number;
  /** Bytes held by the visited set at the end. */
  readonly visitedBytes: number;
  /** Bytes held by the parent records (parent id and action per state) that rebuild traces. */
  readonly parentBytes: number;
  /** Largest frontier (BFS queue or DFS stack), in states. */
  readonly frontierPeak: number;
  /** Bytes of one packed state. */
  readonly stateBytes: number;
  /** Worker threads that explored (1: the calling thread alone). */
  readonly workers: number;
  /**
   * With symmetry reduction: the states and transitions of the unreduced
   * space, summed from the size of each stored state's orbit.
   */
  readonly unreduced?: { readonly distinct: number; readonly transitions: number };
  /** With liveness properties: bytes of the recorded state graph, and its edges. */
  readonly graphBytes?: number;
  readonly edges?: number;
  /** With `spill`: when the search moved to disk and what the disk held. */
  readonly spill?: {
    /** Distinct states when the search moved to disk; null if it never had to. */
    readonly atStates: number | null;
    readonly diskPeakBytes: number;
    readonly diskWrittenBytes: number;
    /** Levels whose candidates were merged with the visited set on disk. */
    readonly merges: number;
    /** Bytes the budget left for the tables in memory once on disk. */
    readonly tableBytes: number;
    /** The budget left no room for those tables after the move (stop reason memory): the least it would need. */
    readonly neededBytes?: number;
  };
}

export interface CheckResult {
  readonly model: string;
  readonly params: Params;
  readonly strategy: Strategy;
  readonly exact: boolean;
  /** True when the whole reachable space (within constraint and bounds) was explored. */
  readonly complete: boolean;
  readonly stopReason?: StopReason;
  readonly properties: readonly PropertyResult[];
  /** With liveness properties: the fairness they were checked under. */
  readonly fairness?: FairnessUsed;
  readonly stats: Stats;
  readonly coverage: readonly CoverageEntry[];
  /** Labels of action instances that never fired. */
  readonly neverFired: readonly string[];
  /**
   * Estimated probability that two distinct states shared a fingerprint
   * (TLC's optimistic estimate n·(t−n)/2^64); 0 in exact mode.
   */
  readonly collisionProbability: number;
}
