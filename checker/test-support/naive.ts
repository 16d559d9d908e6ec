// A deliberately simple reference explorer for tests: string keys in a Map,
// whole paths kept, no fingerprints, no shared buffers. It calls the model's
// own families on fresh copies, so it shares nothing with the engine's search.

import type { CompiledModel } from '../model.js';

export interface NaiveResult {
  /** Reachable states as comma-joined words. */
  readonly reachable: Set<string>;
  readonly transitions: number;
  /** Per property (model order): length of a shortest counterexample, or -1 if it holds. */
  readonly shortest: number[];
}

export function keyOf(w: ArrayLike<number>): string {
  return Array.from(w).join(',');
}

export function naiveExplore(m: CompiledModel): NaiveResult {
  const view = m.layout.view();
  const before = m.layout.view();
  const successors = (s: Uint32Array): { inst: number; next: Uint32Array }[] => {
    const out: { inst: number; next: Uint32Array }[] = [];
    m.instances.forEach((inst, i) => {
      const fam = m.families[m.instanceFamily[i]!]!;
      const [a = 0, b = 0, c = 0] = inst.args;
      const next = s.slice();
      before.bind(s.slice(), 0);
      if (fam.enabled && !fam.enabled(before, a, b, c)) return;
      view.bind(next, 0);
      if (fam.step(view, a, b, c) === false) return;
      out.push({ inst: i, next });
    });
    return out;
  };
  const inConstraint = (s: Uint32Array): boolean => {
    if (!m.constraint) return true;
    view.bind(s, 0);
    return m.constraint(view);
  };
  const dist = new Map<string, number>();
  const queue: Uint32Array[] = [];
  for (const s of m.inits) {
    const k = keyOf(s);
    if (!dist.has(k)) {
      dist.set(k, 0);
      queue.push(s.slice());
    }
  }
  const nProps = m.properties.length;
  const shortest = new Array<number>(nProps).fill(-1);
  const note = (p: number, len: number) => {
    if (shortest[p] === -1 || len < shortest[p]!) shortest[p] = len;
  };
  let transitions = 0;
  for (let qi = 0; qi < queue.length; qi++) {
    const s = queue[qi]!;
    const d = dist.get(keyOf(s))!;
    view.bind(s, 0);
    m.invariants.forEach((inv, k) => {
      if (!inv.check(view)) note(m.invariantIndex[k]!, d);
    });
    const succ = successors(s);
    if (succ.length === 0 && m.checkDeadlock) {
      view.bind(s, 0);
      if (!m.legalEnd || !m.legalEnd(view)) note(nProps - 1, d);
    }
    for (const { inst, next } of succ) {
      if (!inConstraint(next)) continue;
      transitions++;
      m.stepProperties.forEach((sp, k) => {
        before.bind(s, 0);
        view.bind(next, 0);
        if (!sp.check(before, m.instances[inst]!, view)) note(m.stepIndex[k]!, d + 1);
      });
      const k = keyOf(next);
      if (!dist.has(k)) {
        dist.set(k, d + 1);
        queue.push(next);
      }
    }
  }
  return { reachable: new Set(dist.keys()), transitions, shortest };
}
