// Random small models with random fairness and liveness properties, and a
// brute-force reference that decides them without strongly connected
// components: it tries every set of edges of the ¬q region and asks whether
// a closed walk could use exactly that set (the set is strongly connected)
// and be fair. Tiny graphs only (the region has at most 12 edges).

import fc from 'fast-check';
import { defineLayout, int } from '../state/layout.js';
import {
  alwaysEventually,
  compileModel,
  defineModel,
  eventually,
  fairnessActors,
  leadsTo,
  modelOf,
  strongFairness,
  weakFairness,
  type CompiledModel,
  type FairnessMode,
  type ModelDefinition,
} from '../model.js';
import { Stepper } from '../search/stepper.js';

export interface LiveSpec {
  readonly nodes: number;
  readonly edges: readonly { readonly src: number; readonly dst: number; readonly actor: number }[];
  /** Actors 0..2: their kind, or none. */
  readonly actorKinds: readonly ('weak' | 'strong' | 'none')[];
  readonly kind: 'eventually' | 'leadsTo' | 'alwaysEventually';
  /** Goal nodes for subject 0 and subject 1; trigger nodes. */
  readonly goals: readonly (readonly number[])[];
  readonly triggers: readonly number[];
  readonly excluded: number;
}

export const liveSpec: fc.Arbitrary<LiveSpec> = fc.integer({ min: 1, max: 6 }).chain((nodes) => {
  const node = fc.integer({ min: 0, max: nodes - 1 });
  return fc.record({
    nodes: fc.constant(nodes),
    edges: fc.array(fc.record({ src: node, dst: node, actor: fc.integer({ min: -1, max: 2 }) }), { maxLength: 10 }),
    actorKinds: fc.array(fc.constantFrom('weak' as const, 'strong' as const, 'none' as const), { minLength: 3, maxLength: 3 }),
    kind: fc.constantFrom('eventually' as const, 'leadsTo' as const, 'alwaysEventually' as const),
    goals: fc.array(fc.uniqueArray(node, { maxLength: 3 }), { minLength: 2, maxLength: 2 }),
    triggers: fc.uniqueArray(node, { maxLength: 3 }),
    excluded: fc.integer({ min: -1, max: nodes - 1 }),
  });
});

const ACTOR_FAMILIES = ['a0', 'a1', 'a2', 'free'];

export function liveModel(g: LiveSpec): ModelDefinition {
  return defineModel({
    name: 'live-graph',
    description: 'random transition system with fairness',
    params: {},
    build() {
      const layout = defineLayout({ node: int(0, g.nodes - 1) });
      const family = (f: string) => {
        const ids = g.edges.map((e, j) => ({ e, j })).filter(({ e }) => ACTOR_FAMILIES[e.actor < 0 ? 3 : e.actor] === f).map(({ j }) => j);
        return {
          name: f,
          over: [ids.length ? ids : [-1]],
          enabled: (s: any, j: number) => j >= 0 && s.node === g.edges[j]!.src,
          step: (s: any, j: number) => void (s.node = g.edges[j]!.dst),
        };
      };
      const q = (s: any, k: number) => g.goals[k]!.includes(s.node);
      const p = (s: any) => g.triggers.includes(s.node);
      const opts = { over: [0, 1] };
      const prop =
        g.kind === 'eventually' ? eventually('live', q, opts) : g.kind === 'leadsTo' ? leadsTo('live', p, q, opts) : alwaysEventually('live', q, opts);
      return modelOf(layout, {
        init: () => {},
        actions: ACTOR_FAMILIES.map(family),
        properties: [prop],
        deadlock: false,
        fairness: g.actorKinds.flatMap((k, a) =>
          k === 'none' ? [] : [k === 'weak' ? weakFairness(`actor${a}`, [`a${a}`]) : strongFairness(`actor${a}`, [`a${a}`])],
        ),
        ...(g.excluded > 0 ? { constraint: (s: any) => s.node !== g.excluded } : {}),
      });
    },
  });
}

interface Edge {
  readonly src: number;
  readonly dst: number;
  readonly instance: number;
}

/**
 * The reference verdict: true when some fair run violates the property for
 * some subject, or undefined when the ¬q region is too big to brute-force.
 */
export function naiveLivenessViolated(m: CompiledModel, mode: FairnessMode): boolean | undefined {
  const st = new Stepper(m);
  const key = (s: Uint32Array) => s.join(',');
  const ids = new Map<string, number>();
  const states: Uint32Array[] = [];
  const edges: Edge[] = [];
  const intern = (s: Uint32Array) => {
    const k = key(s);
    let id = ids.get(k);
    if (id === undefined) {
      id = states.length;
      ids.set(k, id);
      states.push(s);
    }
    return id;
  };
  for (const s0 of m.inits) intern(s0.slice());
  for (let i = 0; i < states.length; i++) {
    for (const a of m.instances) {
      const next = st.apply(states[i]!, a.index);
      if (!next) continue;
      if (m.constraint) {
        const v = m.layout.view();
        v.bind(next, 0);
        if (!m.constraint(v)) continue;
      }
      edges.push({ src: i, dst: intern(next), instance: a.index });
    }
  }
  const n = states.length;
  const actors = fairnessActors(m, mode);
  const enabled = (s: number, a: number) => edges.some((e) => e.src === s && actors[a]!.instances.includes(e.instance));
  const v = m.layout.view();
  const p = m.liveness[0]!;
  const holds = (s: number, f: (s: any, k: number) => boolean, k: number) => {
    v.bind(states[s]!, 0);
    return f(v, k);
  };
  for (const k of p.over ?? [0]) {
    const inR = (s: number) => !holds(s, p.q, k);
    // Where a violating run may be after its trigger: reachable through ¬q from a start state.
    const reachable = new Set<number>();
    const fromInit = new Set<number>([0]);
    for (let changed = true; changed; ) {
      changed = false;
      for (const e of edges) if (fromInit.has(e.src) && !fromInit.has(e.dst)) (fromInit.add(e.dst), (changed = true));
    }
    for (let s = 0; s < n; s++) {
      const start = p.kind === 'eventually' ? s === 0 : p.kind === 'leadsTo' ? fromInit.has(s) && holds(s, p.p!, k) : fromInit.has(s);
      if (start && inR(s)) reachable.add(s);
    }
    for (let changed = true; changed; ) {
      changed = false;
      for (const e of edges) if (reachable.has(e.src) && inR(e.dst) && !reachable.has(e.dst)) (reachable.add(e.dst), (changed = true));
    }
    // A run that ends: a reachable ¬q state with no step at all.
    for (const s of reachable) if (!edges.some((e) => e.src === s)) return true;
    const region = edges.filter((e) => reachable.has(e.src) && reachable.has(e.dst));
    if (region.length > 12) return undefined;
    for (let mask = 1; mask < 1 << region.length; mask++) {
      const used = region.filter((_, j) => mask & (1 << j));
      const nodes = new Set(used.flatMap((e) => [e.src, e.dst]));
      // A closed walk uses exactly these edges iff they form a strongly connected graph.
      const first = used[0]!.src;
      const reach = (forward: boolean) => {
        const seen = new Set([first]);
        for (let changed = true; changed; ) {
          changed = false;
          for (const e of used) {
            const [a, b] = forward ? [e.src, e.dst] : [e.dst, e.src];
            if (seen.has(a) && !seen.has(b)) (seen.add(b), (changed = true));
          }
        }
        return seen;
      };
      if (reach(true).size !== nodes.size || reach(false).size !== nodes.size) continue;
      const fair = actors.every((a, j) => {
        if (used.some((e) => a.instances.includes(e.instance))) return true;
        const en = [...nodes].map((s) => enabled(s, j));
        return a.kind === 'weak' ? !en.every(Boolean) : !en.some(Boolean);
      });
      if (fair) return true;
    }
  }
  return false;
}

export { compileModel };
