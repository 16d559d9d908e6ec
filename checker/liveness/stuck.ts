// Deadlock when the model declares stuttering steps: a state is stuck when,
// whatever happens next, only stuttering steps can ever be taken again (a
// vCPU that only exits and re-enters, time that only ticks, observers that
// only read). That is a question about everything reachable from the state,
// so it is answered on the recorded graph: a backward search from every
// progress step marks the states that can still make progress; a reachable
// state left unmarked that is not a legal end is stuck.
//
// States the search did not expand (a bound cut it short) count as able to
// make progress, and so do legal ends (a state that can stutter into a legal
// end may finish there): a stuck state is only reported when everything
// reachable from it was seen.

import type { CompiledModel } from '../model.js';
import { Stepper } from '../search/stepper.js';
import type { GraphRecorder } from './graph.js';

/**
 * The id of the shallowest stuck state (ids are BFS order), or -1. `sweeps`
 * bounds the passes before the reverse edges are built (tests set 0).
 */
export function findStuck(g: GraphRecorder, sweeps = 16): number {
  const N = g.expanded;
  const { edgeStart: start, target: tgt, progress } = g.seal();
  const flags = g.endFlags.data;
  const can = new Uint8Array(N);
  for (let s = 0; s < N; s++) {
    if ((flags[s]! & 3) !== 0) {
      can[s] = 1;
      continue;
    }
    for (let e = start[s]!; e < start[s + 1]!; e++) {
      if (progress[e] === 1 || tgt[e]! >= N) {
        can[s] = 1;
        break;
      }
    }
  }
  // Propagate backwards along edges without storing reverse edges: sweep the
  // states from the last id to the first. Breadth-first ids make most edges
  // point to larger ids, so one sweep settles nearly everything; a few more
  // settle the edges back to earlier levels. Past a bound, build the reverse
  // edges after all (4 bytes an edge) and finish with one backward search.
  for (let sweep = 0; sweep < sweeps; sweep++) {
    let changed = false;
    for (let s = N - 1; s >= 0; s--) {
      if (can[s] === 1) continue;
      for (let e = start[s]!; e < start[s + 1]!; e++) {
        if (can[tgt[e]!] === 1) {
          can[s] = 1;
          changed = true;
          break;
        }
      }
    }
    if (!changed) {
      for (let s = 0; s < N; s++) if (can[s] === 0) return s;
      return -1;
    }
  }
  return backwardSearch(g, can);
}

/** The rest of findStuck when sweeps do not settle: a backward search over reverse edges. */
function backwardSearch(g: GraphRecorder, can: Uint8Array): number {
  const N = g.expanded;
  const { edgeStart: start, target: tgt } = g.seal();
  const revStart = new Uint32Array(N + 1);
  for (let s = 0; s < N; s++) for (let e = start[s]!; e < start[s + 1]!; e++) if (tgt[e]! < N) revStart[tgt[e]! + 1]!++;
  for (let s = 0; s < N; s++) revStart[s + 1]! += revStart[s]!;
  const fill = revStart.slice(0, N);
  const rev = new Uint32Array(revStart[N]!);
  for (let s = 0; s < N; s++) for (let e = start[s]!; e < start[s + 1]!; e++) if (tgt[e]! < N) rev[fill[tgt[e]!]!++] = s;
  const queue = new Uint32Array(N);
  let qt = 0;
  for (let s = 0; s < N; s++) if (can[s] === 1) queue[qt++] = s;
  for (let qh = 0; qh < qt; qh++) {
    const t = queue[qh]!;
    for (let r = revStart[t]!; r < revStart[t + 1]!; r++) {
      const s = rev[r]!;
      if (can[s] === 0) {
        can[s] = 1;
        queue[qt++] = s;
      }
    }
  }
  for (let s = 0; s < N; s++) if (can[s] === 0) return s;
  return -1;
}

/**
 * Whether `state` is stuck, decided from the state alone (for replay): a
 * search of everything reachable from it finds neither a progress step nor
 * a legal end. Without declared stuttering: no step is enabled and it is not
 * a legal end. Undefined if the search passes `limit` states.
 */
export function isStuck(m: CompiledModel, state: Uint32Array, limit = 1_000_000): boolean | undefined {
  const st = new Stepper(m);
  const view = m.layout.view();
  const legal = (s: Uint32Array) => {
    if (!m.legalEnd) return false;
    view.bind(s, 0);
    return m.legalEnd(view);
  };
  if (m.stutterFamilies === undefined) return !legal(state) && m.instances.every((i) => !st.fire(state, 0, i.index));
  const seen = new Set<string>([state.join(',')]);
  const queue: Uint32Array[] = [state];
  for (let qh = 0; qh < queue.length; qh++) {
    const s = queue[qh]!;
    if (legal(s)) return false;
    for (const inst of m.instances) {
      if (!st.fire(s, 0, inst.index)) continue;
      if (m.constraint && !m.constraint(st.next)) return false;
      if (!st.stutters(s, 0, inst.index)) return false;
      const key = st.succ.join(',');
      if (seen.has(key)) continue;
      if (seen.size >= limit) return undefined;
      seen.add(key);
      queue.push(st.succ.slice());
    }
  }
  return true;
}
