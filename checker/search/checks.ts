// Property checks on one state, one step, or a state with no enabled action:
// the one place that evaluates a model's safety properties, shared by the
// exhaustive search (explore.ts) and random simulation (simulation/), so
// both judge a state or a step the same way and report a property that
// throws the same way.

import { ModelError } from '../errors.js';
import type { CompiledModel } from '../model.js';

export class PropertyChecks {
  /** Per property (index into `m.properties`): 1 while it is still checked. */
  readonly open: Uint8Array;
  /** Property indices that the last `invariants` or `step` call found violated. */
  readonly found: Int32Array;
  /** Index of the deadlock property in `m.properties`, or -1 when deadlocks are not checked. */
  readonly deadlockIndex: number;
  // Its own view, so that a caller's views stay bound where they are.
  private readonly view: any;

  constructor(private readonly m: CompiledModel) {
    this.open = new Uint8Array(m.properties.length).fill(1);
    this.found = new Int32Array(m.properties.length);
    this.deadlockIndex = m.checkDeadlock ? m.properties.length - 1 : -1;
    this.view = m.layout.view();
  }

  /** Check every open invariant on the state at `words[off..]`; returns how many it violates (in `found`). */
  invariants(words: Uint32Array, off: number): number {
    const v = this.view;
    v.bind(words, off);
    const invs = this.m.invariants;
    let n = 0;
    for (let k = 0; k < invs.length; k++) {
      const p = this.m.invariantIndex[k]!;
      if (this.open[p] === 0) continue;
      let ok: boolean;
      try {
        ok = invs[k]!.check(v);
      } catch (e) {
        throw new ModelError(`invariant ${invs[k]!.name} threw: ${(e as Error).message}`);
      }
      if (!ok) this.found[n++] = p;
    }
    return n;
  }

  /**
   * Check every open step property on the step by `instance` from the state
   * `before` is bound to to the one `after` is bound to; returns how many it
   * violates (in `found`).
   */
  step(before: unknown, instance: number, after: unknown): number {
    const props = this.m.stepProperties;
    const act = this.m.instances[instance]!;
    let n = 0;
    for (let k = 0; k < props.length; k++) {
      const p = this.m.stepIndex[k]!;
      if (this.open[p] === 0) continue;
      let ok: boolean;
      try {
        ok = props[k]!.check(before, act, after);
      } catch (e) {
        throw new ModelError(`step property ${props[k]!.name} threw on ${act.label}: ${(e as Error).message}`);
      }
      if (!ok) this.found[n++] = p;
    }
    return n;
  }

  /**
   * For a state at `words[off..]` with no enabled action: true if that
   * violates an open deadlock property (the model's `legalEnd` does not accept it).
   */
  deadlock(words: Uint32Array, off: number): boolean {
    if (this.deadlockIndex < 0 || this.open[this.deadlockIndex] === 0) return false;
    const legal = this.m.legalEnd;
    if (legal) {
      const v = this.view;
      v.bind(words, off);
      if (legal(v)) return false;
    }
    return true;
  }
}
