// A random walk: a list of choices, one per step, read against the actions
// enabled at each state. fast-check generates and shrinks the choices
// (arbitrary.ts); this file turns them into steps and checks every property
// on the way, with the search's own checks (search/checks.ts).
//
// How a choice picks an action: every action instance i gets a pseudo-random
// priority hash(choice, i) and the enabled instance with the highest one is
// taken. Over random choices each enabled instance is equally likely, as
// with `choice mod enabledCount`; but unlike that, a choice keeps picking
// the same action when the set of enabled actions around it changes, which
// is what happens to the later steps of a walk when shrinking drops an
// earlier one. So a shrunk walk tends to keep its steps.
//
// Swarm weights (one per action family) make the priority a weighted draw
// (Efraimidis and Spirakis: the largest u^(1/w) wins with probability
// w / sum of weights). Weight 0 puts a family behind every other: its
// actions run only when nothing else can, so that a walk never ends just
// because a run left some family out.

import { Stepper } from '../search/stepper.js';
import { PropertyChecks } from '../search/checks.js';
import type { CompiledModel } from '../model.js';

/** Choices are drawn from 0..CHOICE_MAX: enough values that priorities tie with negligible probability. */
export const CHOICE_MAX = 0xffff;

/** What fast-check generates for one run. */
export interface Walk {
  /** Index of the initial state the walk starts from. */
  readonly init: number;
  /** One choice per step, in step order. */
  readonly choices: readonly number[];
  /** Swarm: a weight per action family (index as in the model); absent: every action alike. */
  readonly weights?: readonly number[];
}

/** How a walk ended. */
export type WalkEnd = 'violation' | 'depth' | 'end' | 'constraint';

/** A 32-bit mix of a choice and an instance index (murmur3's finaliser): the instance's priority. */
export function priority(choice: number, instance: number): number {
  let h = Math.imul(choice ^ 0x5bd1e995, 0x9e3779b1) ^ Math.imul(instance + 0x7f4a7c15, 0x85ebca77);
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

export class Walker {
  readonly stepper: Stepper;
  readonly checks: PropertyChecks;
  /** Steps taken by every walk so far. */
  steps = 0;
  /** Times each action instance was taken, over every walk. */
  readonly coverage: Float64Array;
  /** After `run`: how the walk ended, and the steps it took. */
  end: WalkEnd = 'depth';
  length = 0;
  /** After `run` with `record`: the action instances taken. */
  readonly taken: number[] = [];
  private readonly state: Uint32Array;
  private readonly candidates: Int32Array;
  private readonly keys: Float64Array;
  private readonly instanceWeight: Float64Array;

  constructor(readonly m: CompiledModel) {
    this.stepper = new Stepper(m);
    this.checks = new PropertyChecks(m);
    this.coverage = new Float64Array(m.instances.length);
    this.state = new Uint32Array(m.words);
    this.candidates = new Int32Array(m.instances.length);
    this.keys = new Float64Array(m.instances.length);
    this.instanceWeight = new Float64Array(m.instances.length);
  }

  /**
   * Walk from the initial state, one step per choice, checking the
   * properties on every state and step. Returns the property violated first
   * (index into `m.properties`), or -1.
   */
  run(w: Walk, record = false): number {
    const m = this.m;
    const st = this.stepper;
    const checks = this.checks;
    const state = this.state;
    const nInst = m.instances.length;
    const weighted = w.weights !== undefined;
    if (weighted) for (let i = 0; i < nInst; i++) this.instanceWeight[i] = w.weights![m.instanceFamily[i]!]!;
    if (record) this.taken.length = 0;
    this.length = 0;
    state.set(m.inits[w.init]!);
    if (checks.invariants(state, 0) > 0) return this.violated(checks.found[0]!);
    const choices = w.choices;
    for (let t = 0; t < choices.length; t++) {
      const flags = st.guards(state, 0);
      const c = choices[t]!;
      let n = 0;
      for (let i = 0; i < nInst; i++) {
        if (flags[i] === 0) continue;
        this.candidates[n] = i;
        if (!weighted) this.keys[n] = priority(c, i);
        else {
          const u = (priority(c, i) + 0.5) / 4294967296;
          const wt = this.instanceWeight[i]!;
          // log u / w ranks as u^(1/w) does; weight 0 ranks below any weight.
          this.keys[n] = wt > 0 ? Math.log(u) / wt : Math.log(u) - 1e9;
        }
        n++;
      }
      let enabled = false;
      let taken = -1;
      // Best priority first; a guard that holds but a step that declines, or
      // a successor outside the constraint, passes the turn to the next.
      for (let tries = 0; tries < n && taken < 0; tries++) {
        let best = -1;
        for (let j = 0; j < n; j++) if (this.keys[j]! > -Infinity && (best < 0 || this.keys[j]! > this.keys[best]!)) best = j;
        const i = this.candidates[best]!;
        this.keys[best] = -Infinity;
        if (!st.stepEnabled(state, 0, i)) continue;
        enabled = true;
        if (!this.inConstraint()) continue;
        taken = i;
      }
      if (taken < 0) {
        if (enabled) {
          this.end = 'constraint';
          return -1;
        }
        if (checks.deadlock(state, 0)) return this.violated(checks.deadlockIndex);
        this.end = 'end';
        return -1;
      }
      this.steps++;
      this.length++;
      this.coverage[taken]!++;
      if (record) this.taken.push(taken);
      const bad = checks.step(st.cur, taken, st.next);
      state.set(st.succ);
      if (bad > 0) return this.violated(checks.found[0]!);
      if (checks.invariants(state, 0) > 0) return this.violated(checks.found[0]!);
    }
    this.end = 'depth';
    return -1;
  }

  private inConstraint(): boolean {
    const c = this.m.constraint;
    return c === undefined || c(this.stepper.next);
  }

  private violated(property: number): number {
    this.end = 'violation';
    return property;
  }
}
