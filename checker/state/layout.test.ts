import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { array, bool, defineLayout, enumOf, FieldRangeError, int } from './layout.js';

const Phase = { awake: 0, preparing: 1, asleep: 2 } as const;

describe('layout', () => {
  const layout = defineLayout({
    phase: enumOf(Phase),
    awake: int(0, 4),
    offset: int(-8, 7),
    flags: array(3, bool()),
    vcpu: array(2, { mode: int(0, 3), req: bool(), pages: array(2, int(0, 1000)) }),
  });

  it('packs fields into as few words as their ranges need', () => {
    // 2 + 3 + 4 + 3*1 + 2*(2 + 1 + 2*10) = 58 bits; no field straddles a word.
    expect(layout.bits).toBe(58);
    expect(layout.words).toBe(3);
    expect(layout.fields.map((f) => f.path)).toEqual([
      'phase', 'awake', 'offset', 'flags[0]', 'flags[1]', 'flags[2]',
      'vcpu[0].mode', 'vcpu[0].req', 'vcpu[0].pages[0]', 'vcpu[0].pages[1]',
      'vcpu[1].mode', 'vcpu[1].req', 'vcpu[1].pages[0]', 'vcpu[1].pages[1]',
    ]);
    for (const f of layout.fields) expect(f.shift + Math.log2(f.mask + 1)).toBeLessThanOrEqual(32);
  });

  it('reads back what was written, field by field, through named views', () => {
    const w = new Uint32Array(layout.words);
    const v = layout.view();
    v.bind(w, 0);
    v.phase = Phase.asleep;
    v.awake = 4;
    v.offset = -7;
    v.flags[1] = true;
    v.vcpu[1]!.mode = 3;
    v.vcpu[1]!.pages[0] = 999;
    expect(layout.toObject(w)).toEqual({
      phase: 'asleep',
      awake: 4,
      offset: -7,
      flags: [false, true, false],
      vcpu: [
        { mode: 0, req: false, pages: [0, 0] },
        { mode: 3, req: false, pages: [999, 0] },
      ],
    });
    expect(layout.diff(new Uint32Array(layout.words), w).map((f) => f.path)).toEqual([
      'phase', 'awake', 'offset', 'flags[1]', 'vcpu[1].mode', 'vcpu[1].pages[0]',
    ]);
  });

  it('a field of one value after a full word gets a shift in 0..31 and reads its value', () => {
    // The KVM layout with hostTsc=1 has one (tscSleptSeen: int(0, 0)); trace files reject a shift of 32.
    const l = defineLayout({ a: int(0, 2 ** 31 - 1), b: bool(), one: int(5, 5), next: bool() });
    const one = l.fields.find((f) => f.path === 'one')!;
    expect(one.shift).toBe(0);
    expect(one.mask).toBe(0);
    const w = new Uint32Array(l.words);
    const v = l.view();
    v.bind(w, 0);
    v.a = 2 ** 31 - 1;
    v.b = true;
    v.next = true;
    expect(l.toObject(w)).toEqual({ a: 2 ** 31 - 1, b: true, one: 5, next: true });
  });

  it('rebinding moves every nested view to the new state', () => {
    const big = new Uint32Array(layout.words * 2);
    const v = layout.view();
    v.bind(big, layout.words);
    v.vcpu[0]!.req = true;
    v.bind(big, 0);
    expect(v.vcpu[0]!.req).toBe(false);
    v.bind(big, layout.words);
    expect(v.vcpu[0]!.req).toBe(true);
  });

  it('rejects writes outside the declared range with the field path', () => {
    const v = layout.view();
    v.bind(new Uint32Array(layout.words), 0);
    expect(() => (v.awake = 5)).toThrow(new FieldRangeError('awake', 5, 0, 4));
    expect(() => (v.vcpu[1]!.pages[1] = -1)).toThrow('field vcpu[1].pages[1] = -1 is outside its declared range 0..1000');
    expect(() => (v.offset = 1.5)).toThrow(FieldRangeError);
    expect(() => ((v as any).flags[0] = 1)).toThrow(FieldRangeError);
  });

  it('round-trips random values for every field (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.nat(), { minLength: layout.fields.length, maxLength: layout.fields.length }), (raw) => {
        const w = new Uint32Array(layout.words);
        const values = layout.fields.map((f, i) => f.min + (raw[i]! % (f.max - f.min + 1)));
        // Write through raw positions, read back through read(): fields never overlap.
        layout.fields.forEach((f, i) => {
          w[f.word] = (w[f.word]! & ~(f.mask << f.shift)) | ((values[i]! - f.min) << f.shift);
        });
        return layout.fields.every((f, i) => layout.read(w, 0, f) === values[i]) && layout.validate(w) === undefined;
      }),
    );
  });

  it('rejects bad declarations', () => {
    expect(() => int(3, 2)).toThrow('min <= max');
    expect(() => enumOf({ a: 0, b: 2 })).toThrow('0..n-1');
    expect(() => defineLayout({ bind: int(0, 1) })).toThrow('not allowed');
  });
});
