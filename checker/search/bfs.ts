// Breadth-first search: states are expanded in order of distance from the
// initial states, so the first violation found for a property has a shortest
// trace. State ids are assigned in BFS order, which is also queue order, so
// the queue stores only packed states. Each state is expanded by the one
// expansion loop every engine shares (expand.ts).
//
// The search can pause between two expansions and go on later (`run` with a
// limit): the queue then holds exactly the stored states not yet expanded,
// ids `cur` .. `distinct - 1`, and `cur`, `depth` and `levelEnd` say where
// the search stands. That is what a checkpoint writes (checkpoint/), and why
// a resumed search is the uninterrupted one: the same ids, the same order.

import { NO_PARENT, type Exploration } from './explore.js';
import { Expander, type Successors } from './expand.js';
import { StateQueue } from '../store/queue.js';
import type { GraphRecorder } from '../liveness/graph.js';

/** The one-thread search's successors: stored in the visited set and queued (and recorded for liveness). */
class BfsSuccessors implements Successors {
  constructor(
    private readonly x: Exploration,
    private readonly q: StateQueue,
  ) {}
  store(words: Uint32Array, off: number, hi: number, lo: number, parent: number, via: number, depth: number): number {
    const id = this.x.addHashed(words, off, hi, lo, parent, via, depth);
    if (id >= 0) this.q.push(words, off);
    return id;
  }
  probe(words: Uint32Array, off: number, hi: number, lo: number): void {
    if (this.x.set.get(words, off, hi, lo) < 0) this.x.truncated = true;
  }
}

/** Where a paused breadth-first search stands. */
export interface BfsPosition {
  /** Id of the next state to expand (every id below it is expanded). */
  readonly cur: number;
  /** Depth of state `cur`'s level. */
  readonly depth: number;
  /** First id of the next level. */
  readonly levelEnd: number;
  /** Largest queue so far. */
  readonly peak: number;
}

export class Bfs {
  readonly q: StateQueue;
  private readonly ex: Expander;
  cur = 0;
  depth = 0;
  levelEnd = 0;
  /** The queue is empty or the search was stopped: `run` has nothing left to do. */
  finished = false;

  constructor(
    private readonly x: Exploration,
    private readonly rec?: GraphRecorder,
  ) {
    this.q = new StateQueue(x.m.words);
    this.ex = new Expander(x, new BfsSuccessors(x, this.q), rec);
  }

  /** Store the initial states: the search's start (not after a resume). */
  seed(): void {
    const { x, q, rec } = this;
    const m = x.m;
    for (let i = 0; i < m.inits.length && !x.done; i++) {
      const s0 = m.inits[i]!.slice();
      x.canon(s0, 0);
      const id = x.add(s0, 0, NO_PARENT, i, 0);
      if (id >= 0) q.push(s0, 0);
      if (rec !== undefined) {
        if (id >= 0) rec.stored(id, s0, 0);
        const known = id >= 0 ? id : x.foundId;
        if (known >= 0) rec.initial(known);
      }
    }
    this.levelEnd = x.distinct; // ids below this are at `depth`
  }

  /** Take up a search where a checkpoint left it (the queue already refilled). */
  restore(p: BfsPosition): void {
    this.cur = p.cur;
    this.depth = p.depth;
    this.levelEnd = p.levelEnd;
    this.q.peak = Math.max(this.q.peak, p.peak);
  }

  get position(): BfsPosition {
    return { cur: this.cur, depth: this.depth, levelEnd: this.levelEnd, peak: this.q.peak };
  }

  /**
   * Expand states until the queue is empty or the search is stopped (then
   * `finished`), or until `maxExpansions` states were expanded, or
   * `deadline` (performance.now()) has passed, whichever comes first: the
   * search then pauses between two expansions and `run` goes on from there.
   */
  run(maxExpansions = Infinity, deadline = Infinity): void {
    const { x, q, ex, rec } = this;
    const maxDepth = x.opts.maxDepth;
    let cur = this.cur;
    let depth = this.depth;
    let levelEnd = this.levelEnd;
    const stopAt = cur + maxExpansions;
    while (q.size > 0 && !x.done) {
      if (cur >= stopAt || ((cur & 1023) === 0 && deadline !== Infinity && performance.now() >= deadline)) break;
      if (cur === levelEnd) {
        depth++;
        levelEnd = x.distinct;
        if (rec !== undefined) rec.level(depth, cur);
      }
      const chunk = q.shiftChunk();
      const off = q.shiftOffset();
      const id = cur++;
      if (maxDepth !== undefined && depth >= maxDepth) ex.probe(chunk, off, id);
      else ex.expand(chunk, off, id, depth);
      x.tick(q.size, depth);
    }
    this.cur = cur;
    this.depth = depth;
    this.levelEnd = levelEnd;
    if (q.size === 0 || x.done) {
      this.finished = true;
      if (q.size > 0) x.truncated = true;
    }
  }
}

/**
 * Explore to the end; returns the peak queue length. With a recorder, every
 * transition of every fully expanded state is also kept, for liveness checking.
 */
export function bfs(x: Exploration, rec?: GraphRecorder): number {
  const b = new Bfs(x, rec);
  b.seed();
  b.run();
  return b.q.peak;
}
