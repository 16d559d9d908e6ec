// Successor generation: applies every action instance to a packed state,
// writing each successor into one reused buffer.

import { isFieldRangeError } from '../state/layout.js';
import { ModelError } from '../errors.js';
import type { CompiledModel } from '../model.js';
import { compileDispatch, type Dispatch } from './dispatch.js';

function wrap(e: unknown, what: string, label: string): ModelError {
  if (e instanceof ModelError) return e;
  if (isFieldRangeError(e)) return new ModelError(`${what} ${label}: ${e.message}`, label);
  const msg = e instanceof Error ? e.message : String(e);
  return new ModelError(`${what} ${label} threw: ${msg}`, label);
}

export class Stepper {
  /** Bound to the state being expanded. */
  readonly cur: any;
  /** Bound to `succ`, the successor being built. */
  readonly next: any;
  readonly succ: Uint32Array;
  /** After `guards`: 1 for each enabled instance. */
  readonly flags: Uint8Array;
  private readonly words: number;
  private readonly dispatch: Dispatch;
  private readonly failed = new Int32Array(1);

  constructor(private readonly m: CompiledModel) {
    this.words = m.words;
    this.flags = new Uint8Array(m.instances.length);
    this.dispatch = compileDispatch(m.families, m.instanceFamily, m.instanceArgs);
    this.cur = m.layout.view();
    this.next = m.layout.view();
    this.succ = new Uint32Array(m.words);
    this.next.bind(this.succ, 0);
  }

  /**
   * Try instance `i` on the state at `words[off..]`. On success `succ` holds
   * the successor, `cur` and `next` are bound to the two states, and the
   * result is true.
   */
  fire(words: Uint32Array, off: number, i: number): boolean {
    const m = this.m;
    const fam = m.families[m.instanceFamily[i]!]!;
    const a = m.instanceArgs;
    const a0 = a[3 * i]!;
    const a1 = a[3 * i + 1]!;
    const a2 = a[3 * i + 2]!;
    this.cur.bind(words, off);
    try {
      if (fam.enabled !== undefined && !fam.enabled(this.cur, a0, a1, a2)) return false;
    } catch (e) {
      throw wrap(e, 'guard of', m.instances[i]!.label);
    }
    return this.stepEnabled(words, off, i);
  }

  /** Evaluate every guard on the state at `words[off..]` into `flags`; binds `cur` to it. */
  guards(words: Uint32Array, off: number): Uint8Array {
    this.cur.bind(words, off);
    try {
      this.dispatch.guards(this.cur, this.flags, this.failed);
    } catch (e) {
      throw wrap(e, 'guard of', this.m.instances[this.failed[0]!]!.label);
    }
    return this.flags;
  }

  /**
   * Apply instance `i`, whose guard is known to hold, to the state at
   * `words[off..]`; as `fire` for the rest.
   */
  stepEnabled(words: Uint32Array, off: number, i: number): boolean {
    const succ = this.succ;
    for (let k = 0; k < this.words; k++) succ[k] = words[off + k]!;
    try {
      return this.dispatch.step(this.next, i) !== false;
    } catch (e) {
      throw wrap(e, 'action', this.m.instances[i]!.label);
    }
  }

  /**
   * Whether the step just built into `succ` from the state at `words[off..]`
   * by instance `i` stutters: its family always does, it changes nothing,
   * or the model's own test says so (models that declare `stuttering`).
   */
  stutters(words: Uint32Array, off: number, i: number): boolean {
    const m = this.m;
    if (m.stutterFamilies !== undefined && m.stutterFamilies[i] === 1) return true;
    const succ = this.succ;
    let same = true;
    for (let k = 0; k < this.words; k++) {
      if (succ[k] !== words[off + k]) {
        same = false;
        break;
      }
    }
    if (same) return true;
    const f = m.stutterStep;
    if (f === undefined) return false;
    try {
      return f(this.cur, m.instances[i]!, this.next);
    } catch (e) {
      throw wrap(e, 'stuttering test on', m.instances[i]!.label);
    }
  }

  /** The successor of `state` under instance `i`, or null if not enabled. */
  apply(state: Uint32Array, i: number): Uint32Array | null {
    return this.fire(state, 0, i) ? this.succ.slice() : null;
  }
}
