// Depth-first search with an explicit stack of pending successors.
//
// A state is stored when it is popped. With a depth bound, a state first met
// deep down is expanded again when it is later reached by a shorter path,
// otherwise the bound would hide states that lie within it. Traces found by
// DFS are valid but not necessarily shortest.

import { fingerprint, lastLo } from '../state/hash.js';
import { GrowableU32 } from '../store/growable.js';
import { NO_PARENT, type Exploration } from './explore.js';

class PendingStack {
  words: Uint32Array;
  readonly parent = new GrowableU32();
  readonly via = new GrowableU32();
  readonly depth = new GrowableU32();
  size = 0;
  peak = 0;
  constructor(private readonly w: number) {
    this.words = new Uint32Array(1024 * w);
  }
  push(state: Uint32Array, parent: number, via: number, depth: number): void {
    if ((this.size + 1) * this.w > this.words.length) {
      const d = new Uint32Array(this.words.length * 2);
      d.set(this.words);
      this.words = d;
    }
    this.words.set(state.subarray(0, this.w), this.size * this.w);
    this.parent.grow(this.size + 1);
    this.via.grow(this.size + 1);
    this.depth.grow(this.size + 1);
    this.parent.data[this.size] = parent;
    this.via.data[this.size] = via;
    this.depth.data[this.size] = depth;
    this.size++;
    if (this.size > this.peak) this.peak = this.size;
  }
}

/**
 * A depth-first search that can pause between two states (`run` with a
 * limit) and go on, so that the command line hears signals during a long
 * one. (It cannot be checkpointed: only the breadth-first search can.)
 */
export class Dfs {
  private readonly depthOf = new GrowableU32();
  readonly stack: PendingStack;
  private readonly state: Uint32Array;
  /** The stack is empty or the search was stopped. */
  finished = false;

  constructor(private readonly x: Exploration) {
    const m = x.m;
    this.stack = new PendingStack(m.words);
    this.state = new Uint32Array(m.words);
    for (let i = m.inits.length - 1; i >= 0; i--) this.stack.push(m.inits[i]!, NO_PARENT, i, 0);
  }

  /** Pop and expand states until the search is over, or `deadline` (performance.now()) has passed. */
  run(deadline = Infinity): void {
    const { x, stack, state, depthOf } = this;
    const m = x.m;
    const W = m.words;
    const st = x.stepper;
    const nInst = m.instances.length;
    const hasStepProps = m.stepProperties.length > 0;
    const maxDepth = x.opts.maxDepth;
    const bounded = maxDepth !== undefined;
    let popped = 0;
    while (stack.size > 0 && !x.done) {
      if ((++popped & 1023) === 0 && deadline !== Infinity && performance.now() >= deadline) return;
      const top = --stack.size;
      state.set(stack.words.subarray(top * W, top * W + W));
      const parent = stack.parent.data[top]!;
      const via = stack.via.data[top]!;
      const depth = stack.depth.data[top]!;
      x.canon(state, 0);
      const hi = fingerprint(state, 0, W);
      const lo = lastLo[0]!;
      let id = x.set.get(state, 0, hi, lo);
      if (id >= 0) {
        if (!bounded || depthOf.data[id]! <= depth) continue;
        // Reached by a shorter path: record it and expand again.
        depthOf.data[id] = depth;
        x.parents.data[id] = parent;
        x.via.data[id] = via;
      } else {
        id = x.add(state, 0, parent, via, depth);
        if (id < 0) break; // stopped by the memory budget
        depthOf.grow(id + 1);
        depthOf.data[id] = depth;
        depthOf.length = id + 1;
      }
      const weight = x.weight(state, 0);
      let enabled = 0;
      const flags = st.guards(state, 0);
      if (bounded && depth >= maxDepth) {
        for (let i = 0; i < nInst; i++) {
          if (flags[i] === 0 || !st.stepEnabled(state, 0, i)) continue;
          enabled++;
          if (x.inConstraint() && !x.isStored(st.succ)) x.truncated = true;
        }
      } else {
        // Push in reverse so that instance 0 is expanded first.
        for (let i = nInst - 1; i >= 0; i--) {
          if (flags[i] === 0 || !st.stepEnabled(state, 0, i)) continue;
          enabled++;
          if (!x.inConstraint()) continue;
          x.transitions++;
          x.unreducedTransitions += weight;
          x.coverage[i]!++;
          if (hasStepProps) x.checkStep(id, i);
          if (x.done) {
            // This successor is not pushed: the search is complete only if
            // nothing else was pending and the successor was already known.
            if (i > 0 || bounded || !x.isStored(st.succ)) x.truncated = true;
            break;
          }
          if (!bounded && x.isStored(st.succ)) continue;
          stack.push(st.succ, id, i, depth + 1);
        }
      }
      if (enabled === 0) x.deadlocked(state, 0, id);
      x.tick(stack.size, depth);
    }
    this.finished = true;
    if (stack.size > 0) x.truncated = true;
  }
}

/** Explore to the end; returns the peak stack size. */
export function dfs(x: Exploration): number {
  const d = new Dfs(x);
  d.run();
  return d.stack.peak;
}
