// The state graph that liveness checking needs, recorded by the breadth-first
// search as it goes (bfs.ts calls the recorder; no second expansion loop).
//
// Safety checking keeps one fingerprint and one parent record per state and
// forgets transitions. A fair cycle can only be found with the transitions,
// so the recorder keeps them in compressed sparse rows on typed arrays:
//
//   edgeStart[s] .. edgeStart[s + 1]   the edges of state s (ids are BFS
//                                      order, which is expansion order)
//   target[e], label[e]                the successor's id and the action
//                                      instance of edge e
//   enabled[s * actorWords ..]         which fair actors are enabled in s
//   marks[s * markBytes ..]            for each liveness condition c, bit 2c:
//                                      its trigger p holds in s; bit 2c + 1:
//                                      its goal q holds in s
//   progress[e]                        (models that declare stuttering) 1 if
//                                      edge e is progress, 0 if it stutters
//   endFlags[s]                        bit 0: s is a legal end; bit 1: some
//                                      step of s leaves the state constraint
//
// Per state beyond safety: 4 bytes for the id the visited set keeps, 4 for
// edgeStart, 5 per edge (4 for the target, 1 for the action while a model has
// at most 255 action instances), 1 more per edge for deadlock under
// stuttering, 4 per 32 fair actors, 1 per 4 conditions; then the analysis's
// scratch (analysis.ts). docs/liveness.md has the figures.

import { GrowableU8 } from '../store/growable.js';
import { chunkedIndex, chunkedU32, chunkedU8 } from '../store/chunked.js';
import { ModelError } from '../errors.js';
import type { CompiledModel, FairActor, LivenessProperty } from '../model.js';

/** One instance of a liveness property: the property at one value of its `over`. */
export interface Condition {
  /** Index into `model.liveness`. */
  readonly liveness: number;
  readonly k: number;
}

export function conditionsOf(m: CompiledModel): Condition[] {
  const out: Condition[] = [];
  m.liveness.forEach((p, liveness) => {
    for (const k of p.over ?? [0]) out.push({ liveness, k });
  });
  return out;
}

/** The recorder's scalars in a checkpoint's manifest. */
export interface GraphCheckpointMeta {
  readonly expanded: number;
  readonly edges: number;
  readonly levelStart: readonly number[];
  readonly initIds: readonly number[];
}

/** The edges once the search is over: one exact-size array each (`GraphRecorder.seal`). */
export interface SealedEdges {
  readonly edgeStart: Uint32Array;
  readonly target: Uint32Array;
  readonly label: Uint8Array | Uint16Array | Uint32Array;
  readonly progress: Uint8Array;
}

export class GraphRecorder {
  // Written during the search in chunks (no growth copies), sealed after it.
  private readonly edgeStartRec = chunkedU32();
  private readonly targetRec = chunkedU32();
  private readonly labelRec: ReturnType<typeof chunkedIndex>;
  private readonly progressRec = chunkedU8();
  private sealed: SealedEdges | undefined;
  /** States whose every successor was recorded: ids 0 .. expanded - 1. */
  expanded = 0;
  /** First id of each BFS level: level d holds ids levelStart[d] .. levelStart[d + 1] - 1. */
  readonly levelStart: number[] = [0];
  /** Ids of the initial states (several initial states may be one state). */
  readonly initIds: number[] = [];
  readonly actorWords: number;
  enabled: Uint32Array;
  readonly markBytes: number;
  marks: Uint8Array;
  readonly endFlags = new GrowableU8();
  /** The model declares stuttering and deadlock is checked: edges carry `progress`. */
  readonly stuttering: boolean;
  private readonly instanceActors: Uint32Array;
  private readonly scratch: Uint32Array;
  private leaves = false;
  private readonly view: any;

  constructor(
    readonly m: CompiledModel,
    readonly actors: readonly FairActor[],
    readonly conditions: readonly Condition[],
  ) {
    this.labelRec = chunkedIndex(m.instances.length);
    this.actorWords = Math.ceil(actors.length / 32);
    this.instanceActors = new Uint32Array(m.instances.length * this.actorWords);
    actors.forEach((a, j) => {
      for (const i of a.instances) this.instanceActors[i * this.actorWords + (j >>> 5)]! |= 1 << (j & 31);
    });
    this.scratch = new Uint32Array(this.actorWords);
    this.enabled = new Uint32Array(1024 * this.actorWords);
    this.markBytes = Math.ceil((2 * conditions.length) / 8);
    this.marks = new Uint8Array(1024 * this.markBytes);
    this.view = m.layout.view();
    this.edgeStartRec.push(0);
    this.stuttering = m.checkDeadlock && m.stutterFamilies !== undefined;
  }

  /** Bytes the next growth of any array would allocate (for the memory budget). */
  get growthBytes(): number {
    return this.edgeStartRec.growthBytes + this.targetRec.growthBytes + this.labelRec.growthBytes + this.progressRec.growthBytes;
  }

  /** Edges recorded so far. */
  get edgeCount(): number {
    return this.sealed ? this.sealed.target.length : this.targetRec.length;
  }

  get bytes(): number {
    const e = this.sealed;
    const edges = e
      ? e.edgeStart.byteLength + e.target.byteLength + e.label.byteLength + e.progress.byteLength
      : this.edgeStartRec.bytes + this.targetRec.bytes + this.labelRec.bytes + this.progressRec.bytes;
    return edges + this.enabled.byteLength + this.marks.byteLength + this.endFlags.bytes;
  }

  /** The search is over: the edges as exact-size arrays (the chunks are let go as they are copied). */
  seal(): SealedEdges {
    this.sealed ??= {
      edgeStart: this.edgeStartRec.seal(),
      target: this.targetRec.seal(),
      label: this.labelRec.seal(),
      progress: this.progressRec.seal(),
    };
    return this.sealed;
  }

  /** A state was stored with this id: evaluate every condition's trigger and goal on it (and whether it may end). */
  stored(id: number, words: Uint32Array, off: number): void {
    if (this.stuttering) {
      this.endFlags.grow(id + 1);
      this.endFlags.length = Math.max(this.endFlags.length, id + 1);
      const legal = this.m.legalEnd;
      if (legal !== undefined) {
        this.view.bind(words, off);
        let ok: boolean;
        try {
          ok = legal(this.view);
        } catch (e) {
          throw new ModelError(`legalEnd threw: ${(e as Error).message}`);
        }
        this.endFlags.data[id] = ok ? 1 : 0;
      }
    }
    const B = this.markBytes;
    if ((id + 1) * B > this.marks.length) {
      const d = new Uint8Array(Math.ceil((id + 1) * 1.5) * B + B);
      d.set(this.marks);
      this.marks = d;
    }
    if (B === 0) return;
    const v = this.view;
    v.bind(words, off);
    const live = this.m.liveness;
    const base = id * B;
    for (let c = 0; c < this.conditions.length; c++) {
      const { liveness, k } = this.conditions[c]!;
      const p: LivenessProperty<any> = live[liveness]!;
      let trig: boolean;
      let goal: boolean;
      try {
        trig = p.p === undefined ? true : p.p(v, k);
        goal = p.q(v, k);
      } catch (e) {
        throw new ModelError(`liveness property ${p.name} threw: ${(e as Error).message}`);
      }
      if (trig) this.marks[base + ((2 * c) >>> 3)]! |= 1 << ((2 * c) & 7);
      if (goal) this.marks[base + ((2 * c + 1) >>> 3)]! |= 1 << ((2 * c + 1) & 7);
    }
  }

  /** The initial state `id` (already `stored`). */
  initial(id: number): void {
    if (!this.initIds.includes(id)) this.initIds.push(id);
  }

  /** State `id` begins its expansion; BFS calls this in id order. */
  begin(id: number): void {
    if (id !== this.expanded) throw new Error(`internal: liveness graph expands state ${id}, expected ${this.expanded}`);
    this.scratch.fill(0);
    this.leaves = false;
  }

  /** The state being expanded has a step to a state outside the constraint (it is not stuck). */
  leavesConstraint(): void {
    this.leaves = true;
  }

  /** An edge of the state being expanded, to state `to` by instance `i`; `stutter`: the step is not progress. */
  edge(to: number, i: number, stutter = false): void {
    this.targetRec.push(to);
    this.labelRec.push(i);
    if (this.stuttering) this.progressRec.push(stutter ? 0 : 1);
    const W = this.actorWords;
    for (let w = 0; w < W; w++) this.scratch[w]! |= this.instanceActors[i * W + w]!;
  }

  /** The state being expanded has had all its successors recorded. */
  end(id: number): void {
    const W = this.actorWords;
    if ((id + 1) * W > this.enabled.length) {
      const d = new Uint32Array(Math.ceil((id + 1) * 1.5) * W + W);
      d.set(this.enabled);
      this.enabled = d;
    }
    for (let w = 0; w < W; w++) this.enabled[id * W + w] = this.scratch[w]!;
    if (this.leaves && this.stuttering) this.endFlags.data[id]! |= 2;
    this.edgeStartRec.push(this.targetRec.length);
    this.expanded = id + 1;
  }

  /** What a checkpoint keeps besides the arrays: small enough for its manifest. */
  get checkpointMeta(): GraphCheckpointMeta {
    return { expanded: this.expanded, edges: this.targetRec.length, levelStart: [...this.levelStart], initIds: [...this.initIds] };
  }

  /**
   * The recorded arrays for a checkpoint of a search that has stored
   * `distinct` states, in the order `restore` reads them: each a name and
   * its values as views.
   */
  checkpointArrays(distinct: number): { name: string; width: number; parts: Iterable<Uint8Array | Uint16Array | Uint32Array> }[] {
    if (this.sealed) throw new Error('internal: checkpoint of a sealed graph');
    const W = this.actorWords;
    return [
      { name: 'graph.edgeStart', width: 4, parts: this.edgeStartRec.parts() },
      { name: 'graph.target', width: 4, parts: this.targetRec.parts() },
      { name: 'graph.label', width: this.labelRec.bytesPerElement, parts: this.labelRec.parts() },
      { name: 'graph.progress', width: 1, parts: this.progressRec.parts() },
      { name: 'graph.enabled', width: 4, parts: [this.enabled.subarray(0, this.expanded * W)] },
      { name: 'graph.marks', width: 1, parts: [this.marks.subarray(0, distinct * this.markBytes)] },
      { name: 'graph.endFlags', width: 1, parts: [this.endFlags.data.subarray(0, this.endFlags.length)] },
    ];
  }

  /**
   * Fill a fresh recorder from a checkpoint: `read(name, into)` fills a view
   * with the next values of the named array; the counts come from `meta`
   * and the search's `distinct`.
   */
  restore(meta: GraphCheckpointMeta, distinct: number, read: (name: string, into: Uint8Array | Uint16Array | Uint32Array) => void): void {
    if (this.expanded !== 0 || this.targetRec.length !== 0) throw new Error('internal: restore into a used graph recorder');
    const W = this.actorWords;
    // edgeStart holds its first 0 already.
    const first = new Uint32Array(1);
    read('graph.edgeStart', first);
    this.edgeStartRec.load(meta.expanded, (into) => read('graph.edgeStart', into));
    this.targetRec.load(meta.edges, (into) => read('graph.target', into));
    this.labelRec.load(meta.edges, (into) => read('graph.label', into));
    this.progressRec.load(this.stuttering ? meta.edges : 0, (into) => read('graph.progress', into));
    this.enabled = new Uint32Array(Math.max(1024, Math.ceil(meta.expanded * 1.5)) * W);
    read('graph.enabled', this.enabled.subarray(0, meta.expanded * W));
    this.marks = new Uint8Array(Math.max(1024, Math.ceil(distinct * 1.5)) * this.markBytes);
    read('graph.marks', this.marks.subarray(0, distinct * this.markBytes));
    this.endFlags.load(this.stuttering ? distinct : 0, (into) => read('graph.endFlags', into));
    this.expanded = meta.expanded;
    this.levelStart.length = 0;
    this.levelStart.push(...meta.levelStart);
    this.initIds.length = 0;
    this.initIds.push(...meta.initIds);
  }

  /** BFS moved to depth `d`, whose first state has id `first`. */
  level(d: number, first: number): void {
    this.levelStart[d] = first;
  }

  /** Actor mask words of instance i. */
  actorsOf(i: number): Uint32Array {
    return this.instanceActors.subarray(i * this.actorWords, (i + 1) * this.actorWords);
  }

  trigger(s: number, c: number): boolean {
    return (this.marks[s * this.markBytes + ((2 * c) >>> 3)]! & (1 << ((2 * c) & 7))) !== 0;
  }

  goal(s: number, c: number): boolean {
    return (this.marks[s * this.markBytes + ((2 * c + 1) >>> 3)]! & (1 << ((2 * c + 1) & 7))) !== 0;
  }

  /** BFS depth of state s (its shortest distance from an initial state). */
  depth(s: number): number {
    const L = this.levelStart;
    let lo = 0;
    let hi = L.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >>> 1;
      if (L[mid]! <= s) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }
}
