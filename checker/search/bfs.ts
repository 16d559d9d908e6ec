// Breadth-first search: states are expanded in order of distance from the
// initial states, so the first violation found for a property has a shortest
// trace. State ids are assigned in BFS order, which is also queue order, so
// the queue stores only packed states. Each state is expanded by the one
// expansion loop every engine shares (expand.ts).

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

/**
 * Explore; returns the peak queue length. With a recorder, every transition
 * of every fully expanded state is also kept, for liveness checking.
 */
export function bfs(x: Exploration, rec?: GraphRecorder): number {
  const m = x.m;
  const q = new StateQueue(m.words);
  const ex = new Expander(x, new BfsSuccessors(x, q), rec);
  const maxDepth = x.opts.maxDepth;

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
  let cur = 0;
  let depth = 0;
  let levelEnd = x.distinct; // ids below this are at `depth`
  while (q.size > 0 && !x.done) {
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
    x.checkpoint(q.size, depth);
  }
  if (q.size > 0) x.truncated = true;
  return q.peak;
}
