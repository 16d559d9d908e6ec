// The expansion loop: how one state's successors are generated, counted,
// checked, put in canonical form and fingerprinted. Every breadth-first
// engine uses it: the one-thread search (bfs.ts, with the liveness
// recorder's hooks when a graph is recorded), and the workers of both
// parallel engines (parallel/worker.ts, parallel/sharedWorker.ts). What an
// engine does with a successor once it is hashed (store it and queue it,
// send it to the worker that owns it, keep it aside past a quota) is its
// `Successors`.
//
// Why a sink object and not a callback per engine, and why that stays
// monomorphic: V8 keeps type feedback per call site. `this.sink.store(...)`
// is one call site, and in any one isolate it only ever sees one class:
// the main thread runs only the one-thread search (BfsSuccessors), and each
// worker thread is an isolate of its own that runs only its engine's sink.
// So TurboFan inlines the sink's method into the loop, as it inlined the
// code that was written out three times before (docs/performance.md has the
// instruction counts before and after). DFS keeps a loop of its own
// (dfs.ts): it stores a state when it is popped, not when it is generated,
// and walks the instances in reverse so that instance 0 is expanded first.

import { fingerprint, lastLo } from '../state/hash.js';
import type { Exploration } from './explore.js';
import type { GraphRecorder } from '../liveness/graph.js';

/** What an engine does with a successor once it is canonical and fingerprinted. */
export interface Successors {
  /**
   * A successor (`words[off..]`, fingerprint `hi`/`lo`) of state `parent` by
   * instance `via`, at `depth`. Returns the id it was stored under now, or
   * -1 if it was not stored here (already known: then `x.foundId` says its
   * id when the visited set keeps ids; or sent elsewhere, or kept aside).
   */
  store(words: Uint32Array, off: number, hi: number, lo: number, parent: number, via: number, depth: number): number;
  /**
   * At the depth bound: the successor is not stored; if it is not known, set
   * `x.truncated` (something new lies beyond the bound).
   */
  probe(words: Uint32Array, off: number, hi: number, lo: number, parent: number, via: number): void;
}

export class Expander {
  private readonly nInst: number;
  private readonly hasStepProps: boolean;
  private readonly stutters: boolean;
  private readonly W: number;

  constructor(
    private readonly x: Exploration,
    private readonly sink: Successors,
    /** The liveness graph being recorded (one-thread BFS only). */
    private readonly rec: GraphRecorder | undefined = undefined,
  ) {
    const m = x.m;
    this.nInst = m.instances.length;
    this.hasStepProps = m.stepProperties.length > 0;
    // Deadlock under stuttering is decided on the recorded graph: each edge says whether it stutters.
    this.stutters = rec !== undefined && rec.stuttering;
    this.W = m.words;
  }

  /**
   * Expand the state at `words[off..]`, whose id (as violations record it)
   * is `id`, at `depth`: count and check every enabled step, and hand each
   * successor inside the state constraint to the sink. Stops early once the
   * search is done (a violation, a budget), marking the search truncated if
   * successors were left.
   */
  expand(words: Uint32Array, off: number, id: number, depth: number): void {
    const x = this.x;
    const st = x.stepper;
    const sink = this.sink;
    const rec = this.rec;
    const nInst = this.nInst;
    const W = this.W;
    const weight = x.weight(words, off);
    let enabled = 0;
    let cut = false;
    const flags = st.guards(words, off);
    if (rec !== undefined) rec.begin(id);
    for (let i = 0; i < nInst; i++) {
      if (flags[i] === 0 || !st.stepEnabled(words, off, i)) continue;
      enabled++;
      if (!x.inConstraint()) {
        if (rec !== undefined) rec.leavesConstraint();
        continue;
      }
      const stutter = this.stutters && st.stutters(words, off, i);
      x.transitions++;
      x.unreducedTransitions += weight;
      x.coverage[i]!++;
      if (this.hasStepProps) x.checkStep(id, i);
      const succ = st.succ;
      x.canon(succ, 0);
      const hi = fingerprint(succ, 0, W);
      const to = sink.store(succ, 0, hi, lastLo[0]!, id, i, depth + 1);
      if (rec !== undefined) {
        if (to >= 0) rec.stored(to, succ, 0);
        const known = to >= 0 ? to : x.foundId;
        if (known >= 0) rec.edge(known, i, stutter);
        else cut = true;
      }
      if (x.done) {
        if (i < nInst - 1) {
          x.truncated = true;
          cut = true;
        }
        break;
      }
    }
    // A state cut short keeps no edges: the liveness analysis must not take it for a dead end.
    if (rec !== undefined && !cut) rec.end(id);
    if (enabled === 0) x.deadlocked(words, off, id);
  }

  /**
   * At the depth bound: find out whether anything new lies beyond, and
   * whether the state is a deadlock, without storing or counting successors.
   */
  probe(words: Uint32Array, off: number, id: number): void {
    const x = this.x;
    const st = x.stepper;
    const nInst = this.nInst;
    const W = this.W;
    let enabled = 0;
    const flags = st.guards(words, off);
    for (let i = 0; i < nInst; i++) {
      if (flags[i] === 0 || !st.stepEnabled(words, off, i)) continue;
      enabled++;
      if (!x.inConstraint()) continue;
      const succ = st.succ;
      x.canon(succ, 0);
      const hi = fingerprint(succ, 0, W);
      this.sink.probe(succ, 0, hi, lastLo[0]!, id, i);
    }
    if (enabled === 0) x.deadlocked(words, off, id);
  }
}
