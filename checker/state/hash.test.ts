import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { fingerprint, fingerprintHi, fingerprintLo, lastLo } from './hash.js';

describe('fingerprint', () => {
  it('computes both halves in one pass, equal to the separate functions', () => {
    fc.assert(
      fc.property(fc.array(fc.nat({ max: 0xffffffff }), { minLength: 1, maxLength: 12 }), (xs) => {
        const w = Uint32Array.from(xs);
        const hi = fingerprint(w, 0, w.length);
        expect([hi, lastLo[0]]).toEqual([fingerprintHi(w, 0, w.length), fingerprintLo(w, 0, w.length)]);
        expect(lastLo[0]).not.toBe(0);
      }),
    );
  });

  it('separates states that differ in one bit', () => {
    const a = new Uint32Array([1, 2, 3]);
    const b = new Uint32Array([1, 2, 3 ^ (1 << 17)]);
    expect(fingerprint(a, 0, 3)).not.toBe(fingerprint(b, 0, 3));
  });
});
