// Generated dispatch for a compiled model's action instances.
//
// Calling `family.enabled(s, a, b, c)` from one call site in a loop over all
// instances is a megamorphic call: V8 goes through its generic call builtin
// every time and can inline nothing, and the arguments are unknown to the
// guard. The generated code instead has one call site per instance, with the
// instance's arguments as literals. Each site always calls the same function,
// so V8 calls it directly or inlines it, and an inlined `s.vcpu[1]` becomes a
// load from a known block. On the KVM model this made guard evaluation 1.5 to
// 2 times as fast (docs/performance.md).

import type { ActionFamily } from '../model.js';

/**
 * Instances per generated function: V8's optimising compiler gives up on
 * functions with very large bytecode, so a big model gets several.
 */
const PER_FUNCTION = 32;

export interface Dispatch {
  /**
   * Evaluate every guard on `cur`; flags[i] becomes 1 if instance i is
   * enabled, else 0. A guard that throws leaves the instance's index in
   * `failed[0]` and rethrows.
   */
  guards(cur: unknown, flags: Uint8Array, failed: Int32Array): void;
  /** Apply instance i's step to `next`; returns the step's result. */
  step(next: unknown, i: number): unknown;
}

export function compileDispatch(
  families: ReadonlyArray<ActionFamily<any>>,
  instanceFamily: Int32Array,
  instanceArgs: Int32Array,
): Dispatch {
  const n = instanceFamily.length;
  const enabled = Array.from(instanceFamily, (f) => families[f]!.enabled);
  const steps = Array.from(instanceFamily, (f) => families[f]!.step);
  const args = (i: number) => `${instanceArgs[3 * i]}, ${instanceArgs[3 * i + 1]}, ${instanceArgs[3 * i + 2]}`;
  const src: string[] = [];
  const guardParts: string[] = [];
  const stepParts: string[] = [];
  for (let lo = 0; lo < n; lo += PER_FUNCTION) {
    const hi = Math.min(n, lo + PER_FUNCTION);
    const g: string[] = [];
    const s: string[] = [];
    for (let i = lo; i < hi; i++) {
      if (enabled[i] === undefined) g.push(`flags[${i}] = 1;`);
      else {
        src.push(`const e${i} = E[${i}];`);
        g.push(`failed[0] = ${i}; flags[${i}] = e${i}(cur, ${args(i)}) ? 1 : 0;`);
      }
      src.push(`const s${i} = S[${i}];`);
      s.push(`case ${i}: return s${i}(next, ${args(i)});`);
    }
    const k = lo / PER_FUNCTION;
    src.push(`function guards${k}(cur, flags, failed) {\n${g.join('\n')}\n}`);
    src.push(`function step${k}(next, i) {\nswitch (i) {\n${s.join('\n')}\n}\n}`);
    guardParts.push(`guards${k}(cur, flags, failed);`);
    stepParts.push(`if (i < ${hi}) return step${k}(next, i);`);
  }
  src.push(`return {
  guards(cur, flags, failed) {\n${guardParts.join('\n')}\n},
  step(next, i) {\n${stepParts.join('\n')}\n},
};`);
  return new Function('E', 'S', src.join('\n'))(enabled, steps) as Dispatch;
}
