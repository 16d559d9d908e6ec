// Fair-cycle detection on the recorded state graph (graph.ts), one liveness
// condition at a time.
//
// A condition with trigger p and goal q is violated by a fair run that
// passes a p-state and never reaches a q-state from there on. Such a run
// ends in a cycle (or a state with no step at all) made of ¬q states. So:
//
// 1. A breadth-first search from the trigger states, through ¬q states only,
//    finds every ¬q state such a run can pass (its distance counts the
//    shortest path from an initial state to the trigger state too, so the
//    lasso's prefix is as short as possible).
// 2. Tarjan's algorithm splits that region into strongly connected
//    components. A component is fair when no weakly fair actor is enabled in
//    all of its states without taking one of its edges, and no strongly fair
//    actor is enabled in one of its states without taking one of its edges.
//    For a strong actor that fails, the states where it is enabled are
//    removed and the rest split again (Emerson and Lei; Lichtenstein and
//    Pnueli): a fair cycle can avoid them. A weak failure is final: every
//    cycle inside has the actor enabled throughout and never taken.
// 3. From the fair component closest to the start, a cycle through its entry
//    state is built that takes one edge of every actor it must take and
//    visits a state where each other actor is disabled.
//
// Every pass is linear in the region's states and edges, on typed arrays.

import type { CompiledModel, FairActor } from '../model.js';
import type { Condition, GraphRecorder } from './graph.js';

/** A liveness counterexample as action instances: prefix, then the cycle, repeated forever. */
export interface Lasso {
  readonly property: number;
  /** The value of the property's `over` the lasso is about (absent without `over`). */
  readonly subject: number | undefined;
  /** Index into `model.inits` of the initial state. */
  readonly init: number;
  readonly prefix: readonly number[];
  /** Empty when the run ends in a state with no enabled step (it stays there). */
  readonly cycle: readonly number[];
}

export type PathTo = (id: number) => { init: number; actions: number[] };

/** For each liveness property of the model, its shortest-prefix lasso, if any. */
export function findLassos(m: CompiledModel, g: GraphRecorder, pathTo: PathTo): (Lasso | undefined)[] {
  const out: (Lasso | undefined)[] = m.liveness.map(() => undefined);
  const a = new Analysis(g);
  g.conditions.forEach((cond, c) => {
    const kind = m.liveness[cond.liveness]!.kind;
    const found = a.run(c, kind, cond, pathTo);
    if (!found) return;
    const best = out[cond.liveness];
    if (!best || found.prefix.length + found.cycle.length < best.prefix.length + best.cycle.length) out[cond.liveness] = found;
  });
  return out;
}

class Analysis {
  private readonly N: number;
  private readonly start: Uint32Array;
  private readonly tgt: Uint32Array;
  private readonly lab: Uint8Array | Uint16Array | Uint32Array;
  private readonly W: number;
  private readonly actors: readonly FairActor[];
  // Scratch, one slot per expanded state, reused by every condition: 35 bytes
  // a state with 8-bit action labels. The region search (reach) fills dist,
  // par, parLab and done; Tarjan's algorithm uses tag, index, low, stack and
  // the call stack; the cycle's searches, run once Tarjan is done, borrow
  // stack as their queue, index as their visited stamp (negative, so it
  // never equals a Tarjan index), low as their parents and callEdge as
  // their parents' actions.
  private readonly dist: Int32Array;
  private readonly par: Int32Array;
  private readonly parLab: Uint8Array | Uint16Array | Uint32Array;
  private readonly done: Uint8Array;
  private readonly tag: Int32Array;
  private readonly index: Int32Array;
  private readonly low: Int32Array;
  private readonly stack: Int32Array;
  private readonly callNode: Int32Array;
  private readonly callEdge: Int32Array;
  // Scratch for `stats`: which actors a component's states enable (some, all) and its edges take.
  private readonly sAny: Uint32Array;
  private readonly sAll: Uint32Array;
  private readonly sTaken: Uint32Array;
  private readonly sStrongBad: Uint32Array;
  private readonly weakMask: Uint32Array;
  private readonly strongMask: Uint32Array;
  private nextTag = 1;
  private nextStamp = 1;
  private cond = 0;

  constructor(private readonly g: GraphRecorder) {
    const N = (this.N = g.expanded);
    const edges = g.seal();
    this.start = edges.edgeStart;
    this.tgt = edges.target;
    this.lab = edges.label;
    this.W = g.actorWords;
    this.actors = g.actors;
    this.dist = new Int32Array(N);
    this.par = new Int32Array(N);
    const Labels = this.lab.constructor as new (n: number) => Uint8Array | Uint16Array | Uint32Array;
    this.parLab = new Labels(N);
    this.done = new Uint8Array(N);
    this.tag = new Int32Array(N);
    this.index = new Int32Array(N);
    this.low = new Int32Array(N);
    this.stack = new Int32Array(N);
    this.callNode = new Int32Array(N);
    this.callEdge = new Int32Array(N);
    const W = this.W;
    this.sAny = new Uint32Array(W);
    this.sAll = new Uint32Array(W);
    this.sTaken = new Uint32Array(W);
    this.sStrongBad = new Uint32Array(W);
    this.weakMask = new Uint32Array(W);
    this.strongMask = new Uint32Array(W);
    g.actors.forEach((a, j) => {
      (a.kind === 'weak' ? this.weakMask : this.strongMask)[j >>> 5]! |= 1 << (j & 31);
    });
  }

  /** In the ¬q region of the current condition, and expanded. */
  private inRegion(s: number): boolean {
    return s < this.N && !this.g.goal(s, this.cond);
  }

  run(c: number, kind: string, cond: Condition, pathTo: PathTo): Lasso | undefined {
    this.cond = c;
    const g = this.g;
    const N = this.N;
    // 1. The ¬q region reachable from the triggers, with distances from an
    // initial state. The sources are listed in callNode, free until Tarjan runs.
    const sources = this.callNode;
    let ns = 0;
    if (kind === 'eventually') {
      for (const s of g.initIds) if (this.inRegion(s)) sources[ns++] = s;
    } else {
      for (let s = 0; s < N; s++) if (this.inRegion(s) && (kind === 'alwaysEventually' || g.trigger(s, c))) sources[ns++] = s;
    }
    if (ns === 0) return undefined;
    const key = (s: number) => (kind === 'eventually' ? 0 : g.depth(s));
    this.reach(sources, ns, key);

    // 2. Fair components (or states with no step) in the region; keep the one entered first.
    let best = -1;
    let bestTag = 0;
    let bestStats: ComponentStats | undefined;
    const regionTag = this.newTag();
    for (let s = 0; s < N; s++) {
      if (this.done[s] === 0) continue;
      this.tag[s] = regionTag;
      if (this.start[s + 1] === this.start[s] && (best < 0 || this.dist[s]! < this.dist[best]!)) best = s;
    }
    // Components are judged as Tarjan's algorithm pops them; only those that
    // a strong actor splits are kept, to be split after it.
    const pending: Int32Array[] = [];
    const consider = (arr: Int32Array, from: number, to: number, t: number) => {
      if (to - from === 1 && !this.hasSelfLoop(arr[from]!)) return;
      let entry = arr[from]!;
      for (let j = from + 1; j < to; j++) if (this.dist[arr[j]!]! < this.dist[entry]!) entry = arr[j]!;
      // No cycle here can beat the best found so far: skip the fairness question.
      if (best >= 0 && this.dist[entry]! >= this.dist[best]!) return;
      const verdict = this.judge(arr, from, to, t);
      if (verdict === 1) return;
      if (verdict === 2) {
        const keep: number[] = [];
        for (let j = from; j < to; j++) if (!this.enabledAny(arr[j]!, this.sStrongBad)) keep.push(arr[j]!);
        if (keep.length === 0) return;
        const sub = this.newTag();
        for (const u of keep) this.tag[u] = sub;
        pending.push(Int32Array.from(keep));
        return;
      }
      best = entry;
      bestTag = t;
      bestStats = this.snapshot();
    };
    this.components(regionTag, undefined, consider);
    while (pending.length) {
      const keep = pending.pop()!;
      this.components(this.tag[keep[0]!]!, keep, consider);
    }
    if (best < 0) return undefined;

    // 3. The lasso: the path to the entry state, then a fair cycle through it.
    const mode1: number[] = [];
    let s = best;
    while (this.par[s] !== -1) {
      mode1.push(this.parLab[s]!);
      s = this.par[s]!;
    }
    mode1.reverse();
    const { init, actions } = pathTo(s);
    const cycle = bestStats ? this.cycle(best, bestTag, bestStats) : [];
    const subject = this.g.m.liveness[cond.liveness]!.over ? cond.k : undefined;
    return { property: cond.liveness, subject, init, prefix: [...actions, ...mode1], cycle };
  }

  private newTag(): number {
    return this.nextTag++;
  }

  /**
   * Breadth-first search through the region from the sources, each entering
   * at its own distance (its BFS depth): two sorted streams, the sources and
   * the queue, always taking the smaller distance.
   */
  private reach(sources: Int32Array, count: number, key: (s: number) => number): void {
    const { dist, par, parLab, done, stack: queue, start, tgt, lab } = this;
    dist.fill(-1);
    done.fill(0);
    let qh = 0;
    let qt = 0;
    let si = 0;
    while (si < count || qh < qt) {
      let s: number;
      let d: number;
      if (si < count && (qh >= qt || key(sources[si]!) <= dist[queue[qh]!]!)) {
        s = sources[si++]!;
        d = key(s);
        if (done[s] || (dist[s]! >= 0 && dist[s]! <= d)) continue;
        dist[s] = d;
        par[s] = -1;
      } else {
        s = queue[qh++]!;
        d = dist[s]!;
      }
      if (done[s]) continue;
      done[s] = 1;
      for (let e = start[s]!; e < start[s + 1]!; e++) {
        const t = tgt[e]!;
        if (!this.inRegion(t) || done[t]) continue;
        if (dist[t]! < 0 || dist[t]! > d + 1) {
          dist[t] = d + 1;
          par[t] = s;
          parLab[t] = lab[e]!;
          queue[qt++] = t;
        }
      }
    }
  }

  /**
   * Tarjan's algorithm, iterative, over the nodes tagged `t` (roots taken
   * from `roots`, or from every state). A node is unvisited while its tag is
   * t and on the stack while it is -t; each component gets a fresh tag and is
   * handed to `visit` as a range of the stack, which holds it only until the
   * call returns.
   */
  private components(
    t: number,
    roots: Int32Array | undefined,
    visit: (stack: Int32Array, from: number, to: number, tag: number) => void,
  ): void {
    const { index, low, stack, callNode, callEdge, tag, start, tgt } = this;
    let counter = 1;
    let sp = 0;
    const n = roots ? roots.length : this.N;
    for (let i = 0; i < n; i++) {
      const root = roots ? roots[i]! : i;
      if (tag[root] !== t) continue;
      let cp = 0;
      callNode[cp] = root;
      callEdge[cp] = start[root]!;
      index[root] = low[root] = counter++;
      stack[sp++] = root;
      tag[root] = -t;
      while (cp >= 0) {
        const v = callNode[cp]!;
        const e = callEdge[cp]!;
        if (e < start[v + 1]!) {
          callEdge[cp] = e + 1;
          const w = tgt[e]!;
          if (w >= this.N) continue;
          const tw = tag[w]!;
          if (tw === t) {
            index[w] = low[w] = counter++;
            stack[sp++] = w;
            tag[w] = -t;
            cp++;
            callNode[cp] = w;
            callEdge[cp] = start[w]!;
          } else if (tw === -t) {
            if (index[w]! < low[v]!) low[v] = index[w]!;
          }
          continue;
        }
        // v is finished.
        if (low[v] === index[v]) {
          let k = sp;
          while (stack[--k] !== v);
          const nt = this.newTag();
          for (let j = k; j < sp; j++) tag[stack[j]!] = nt;
          visit(stack, k, sp, nt);
          sp = k;
        }
        cp--;
        if (cp >= 0) {
          const u = callNode[cp]!;
          if (low[v]! < low[u]!) low[u] = low[v]!;
        }
      }
    }
  }

  private hasSelfLoop(v: number): boolean {
    for (let e = this.start[v]!; e < this.start[v + 1]!; e++) if (this.tgt[e] === v) return true;
    return false;
  }

  private enabledAny(u: number, mask: Uint32Array): boolean {
    const en = this.g.enabled;
    for (let w = 0; w < this.W; w++) if ((en[u * this.W + w]! & mask[w]!) !== 0) return true;
    return false;
  }

  private isEnabled(u: number, j: number): boolean {
    return (this.g.enabled[u * this.W + (j >>> 5)]! & (1 << (j & 31))) !== 0;
  }

  private takes(instance: number, j: number): boolean {
    return (this.g.actorsOf(instance)[j >>> 5]! & (1 << (j & 31))) !== 0;
  }

  /**
   * Which actors the component's states enable (some / all) and its edges
   * take, into the scratch arrays; returns 0 if the component is fair, 1 if
   * a weak actor fails (no cycle inside is fair), 2 if only strong actors
   * fail (their states must go: `sStrongBad`). Most components are one state
   * with a self-loop, so this allocates nothing.
   */
  private judge(comp: Int32Array, from: number, to: number, t: number): number {
    const W = this.W;
    const { sAny: any, sAll: all, sTaken: taken, sStrongBad: bad } = this;
    any.fill(0);
    all.fill(0xffffffff);
    taken.fill(0);
    const en = this.g.enabled;
    const start = this.start;
    const tgt = this.tgt;
    const lab = this.lab;
    for (let c = from; c < to; c++) {
      const u = comp[c]!;
      for (let w = 0; w < W; w++) {
        any[w]! |= en[u * W + w]!;
        all[w]! &= en[u * W + w]!;
      }
      for (let e = start[u]!; e < start[u + 1]!; e++) {
        const v = tgt[e]!;
        if (v >= this.N || this.tag[v] !== t) continue;
        const m = this.g.actorsOf(lab[e]!);
        for (let w = 0; w < W; w++) taken[w]! |= m[w]!;
      }
    }
    let strongFails = false;
    for (let w = 0; w < W; w++) {
      if ((all[w]! & ~taken[w]! & this.weakMask[w]!) !== 0) return 1;
      bad[w] = any[w]! & ~taken[w]! & this.strongMask[w]!;
      if (bad[w] !== 0) strongFails = true;
    }
    return strongFails ? 2 : 0;
  }

  private snapshot(): ComponentStats {
    return { any: this.sAny.slice(), all: this.sAll.slice() };
  }

  /** A cycle through `entry` inside the component tagged `t` that is fair for every actor. */
  private cycle(entry: number, t: number, st: ComponentStats): number[] {
    const instances: number[] = [];
    const nodes: number[] = [entry];
    let cur = entry;
    const takenActors = new Set<number>();
    const seenDisabled = new Set<number>();
    const note = (node: number, instance: number) => {
      nodes.push(node);
      instances.push(instance);
      this.actors.forEach((_, j) => {
        if (this.takes(instance, j)) takenActors.add(j);
        if (!this.isEnabled(node, j)) seenDisabled.add(j);
      });
    };
    this.actors.forEach((_, j) => {
      if (!this.isEnabled(entry, j)) seenDisabled.add(j);
    });
    this.actors.forEach((a, j) => {
      const bit = 1 << (j & 31);
      const w = j >>> 5;
      if ((st.any[w]! & bit) === 0) return; // never enabled here: nothing to do
      const mustTake = a.kind === 'strong' || (st.all[w]! & bit) !== 0;
      if (takenActors.has(j) || (!mustTake && seenDisabled.has(j))) return;
      const path = this.pathIn(t, cur, (u) => (mustTake ? this.edgeOf(u, t, j) >= 0 : !this.isEnabled(u, j) || this.edgeOf(u, t, j) >= 0), false);
      for (const [node, inst] of path) note(node, inst);
      cur = path.length ? path[path.length - 1]![0] : cur;
      const e = this.edgeOf(cur, t, j);
      if (mustTake || (this.isEnabled(cur, j) && e >= 0)) {
        note(this.tgt[e]!, this.lab[e]!);
        cur = this.tgt[e]!;
      }
    });
    const back = this.pathIn(t, cur, (u) => u === entry, instances.length === 0);
    for (const [node, inst] of back) note(node, inst);
    return instances;
  }

  /** An edge from u inside the component tagged t taken by actor j, or -1. */
  private edgeOf(u: number, t: number, j: number): number {
    for (let e = this.start[u]!; e < this.start[u + 1]!; e++) {
      const v = this.tgt[e]!;
      if (v < this.N && this.tag[v] === t && this.takes(this.lab[e]!, j)) return e;
    }
    return -1;
  }

  /**
   * The shortest path inside the component tagged t from `from` to a state
   * where `goal` holds, as (state, instance) steps; with `oneStep`, at least
   * one step even when `from` is a goal.
   */
  private pathIn(t: number, from: number, goal: (u: number) => boolean, oneStep: boolean): [number, number][] {
    if (!oneStep && goal(from)) return [];
    const stamp = -this.nextStamp++;
    const { stack: queue, low: par, callEdge: parLab, index: seen, start, tgt, lab, tag } = this;
    let qh = 0;
    let qt = 0;
    queue[qt++] = from;
    seen[from] = stamp;
    par[from] = -1;
    let found = -1;
    search: while (qh < qt) {
      const u = queue[qh++]!;
      for (let e = start[u]!; e < start[u + 1]!; e++) {
        const v = tgt[e]!;
        if (v >= this.N || tag[v] !== t) continue;
        if (v === from && oneStep && goal(v)) return [...this.unwind(u, from), [v, lab[e]!]];
        if (seen[v] === stamp) continue;
        seen[v] = stamp;
        par[v] = u;
        parLab[v] = lab[e]!;
        if (goal(v)) {
          found = v;
          break search;
        }
        queue[qt++] = v;
      }
    }
    if (found < 0) throw new Error('internal: liveness cycle construction found no path inside a strongly connected component');
    return this.unwind(found, from);
  }

  private unwind(to: number, from: number): [number, number][] {
    const out: [number, number][] = [];
    let v = to;
    while (v !== from) {
      out.push([v, this.callEdge[v]!]);
      v = this.low[v]!;
    }
    return out.reverse();
  }
}

interface ComponentStats {
  readonly any: Uint32Array;
  readonly all: Uint32Array;
}
