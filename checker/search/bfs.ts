// Breadth-first search: states are expanded in order of distance from the
// initial states, so the first violation found for a property has a shortest
// trace. State ids are assigned in BFS order, which is also queue order, so
// the queue stores only packed states.

import { NO_PARENT, type Exploration } from './explore.js';
import { StateQueue } from '../store/queue.js';
import type { GraphRecorder } from '../liveness/graph.js';

/**
 * Explore; returns the peak queue length. With a recorder, every transition
 * of every fully expanded state is also kept, for liveness checking.
 */
export function bfs(x: Exploration, rec?: GraphRecorder): number {
  const m = x.m;
  const st = x.stepper;
  const q = new StateQueue(m.words);
  const nInst = m.instances.length;
  const hasStepProps = m.stepProperties.length > 0;
  // Deadlock under stuttering is decided on the recorded graph: each edge says whether it stutters.
  const stutters = rec !== undefined && rec.stuttering;
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
    const weight = x.weight(chunk, off);
    let enabled = 0;
    if (maxDepth !== undefined && depth >= maxDepth) {
      // At the bound: find out whether anything new lies beyond, and whether
      // the state is a deadlock, without storing successors.
      const flags = st.guards(chunk, off);
      for (let i = 0; i < nInst; i++) {
        if (flags[i] === 0 || !st.stepEnabled(chunk, off, i)) continue;
        enabled++;
        if (x.inConstraint() && !x.isStored(st.succ)) x.truncated = true;
      }
    } else {
      const flags = st.guards(chunk, off);
      let cut = false;
      if (rec !== undefined) rec.begin(id);
      for (let i = 0; i < nInst; i++) {
        if (flags[i] === 0 || !st.stepEnabled(chunk, off, i)) continue;
        enabled++;
        if (!x.inConstraint()) {
          if (rec !== undefined) rec.leavesConstraint();
          continue;
        }
        const stutter = stutters && st.stutters(chunk, off, i);
        x.transitions++;
        x.unreducedTransitions += weight;
        x.coverage[i]!++;
        if (hasStepProps) x.checkStep(id, i);
        x.canon(st.succ, 0);
        const to = x.add(st.succ, 0, id, i, depth + 1);
        if (to >= 0) q.push(st.succ, 0);
        if (rec !== undefined) {
          if (to >= 0) rec.stored(to, st.succ, 0);
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
    }
    if (enabled === 0) x.deadlocked(chunk, off, id);
    x.checkpoint(q.size, depth);
  }
  if (q.size > 0) x.truncated = true;
  return q.peak;
}
