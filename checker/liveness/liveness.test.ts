import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  alwaysEventually,
  array,
  bool,
  check,
  compileModel,
  defineLayout,
  defineModel,
  enumOf,
  eventually,
  int,
  isStuck,
  leadsTo,
  modelOf,
  selectProperties,
  Stepper,
  strongFairness,
  UsageError,
  weakFairness,
  type CheckResult,
  type CompiledModel,
  type FairnessMode,
  type Trace,
} from '../index.js';
import { judgeLasso } from './lasso.js';
import { GraphRecorder } from './graph.js';
import { findStuck } from './stuck.js';
import { Exploration } from '../search/explore.js';
import { bfs } from '../search/bfs.js';
import { liveModel, liveSpec, naiveLivenessViolated } from '../test-support/naiveLiveness.js';
import peterson from '../../examples/peterson.js';

const Pc = { idle: 0, setTurn: 1, wait: 2, critical: 3 } as const;

/** Peterson's algorithm where an idle process may think forever (a self-loop). */
const thinkingPeterson = defineModel({
  name: 'thinking-peterson',
  description: "Peterson's mutex; an idle process may think forever",
  params: {},
  build() {
    const layout = defineLayout({ proc: array(2, { pc: enumOf(Pc), flag: bool() }), turn: int(0, 1) });
    const me = [0, 1];
    return modelOf(layout, {
      init: () => {},
      actions: [
        { name: 'think', over: [me], enabled: (s, i) => s.proc[i]!.pc === Pc.idle, step: () => {} },
        {
          name: 'request',
          over: [me],
          enabled: (s, i) => s.proc[i]!.pc === Pc.idle,
          step: (s, i) => {
            s.proc[i]!.flag = true;
            s.proc[i]!.pc = Pc.setTurn;
          },
        },
        {
          name: 'yieldTurn',
          over: [me],
          enabled: (s, i) => s.proc[i]!.pc === Pc.setTurn,
          step: (s, i) => {
            s.turn = 1 - i;
            s.proc[i]!.pc = Pc.wait;
          },
        },
        {
          name: 'enter',
          over: [me],
          enabled: (s, i) => s.proc[i]!.pc === Pc.wait && (!s.proc[1 - i]!.flag || s.turn === i),
          step: (s, i) => void (s.proc[i]!.pc = Pc.critical),
        },
        {
          name: 'leave',
          over: [me],
          enabled: (s, i) => s.proc[i]!.pc === Pc.critical,
          step: (s, i) => {
            s.proc[i]!.flag = false;
            s.proc[i]!.pc = Pc.idle;
          },
        },
      ],
      properties: [leadsTo('noStarvation', (s, i) => s.proc[i]!.pc === Pc.wait, (s, i) => s.proc[i]!.pc === Pc.critical, { over: me })],
      // Once it has asked, a process keeps going; thinking may last forever.
      fairness: [weakFairness('process', ['yieldTurn', 'enter', 'leave'], { per: 0 })],
    });
  },
});

/** A test-and-set lock: a waiting process can only take it in the moments it is free. */
const spinlock = defineModel({
  name: 'spinlock',
  description: 'two processes and a test-and-set lock',
  params: {},
  build() {
    const layout = defineLayout({ holder: int(-1, 1), waiting: array(2, bool()) });
    const me = [0, 1];
    return modelOf(layout, {
      init: (s) => void (s.holder = -1),
      actions: [
        { name: 'want', over: [me], enabled: (s, i) => !s.waiting[i] && s.holder !== i, step: (s, i) => void (s.waiting[i] = true) },
        {
          name: 'acquire',
          over: [me],
          enabled: (s, i) => s.waiting[i]! && s.holder === -1,
          step: (s, i) => {
            s.holder = i;
            s.waiting[i] = false;
          },
        },
        { name: 'release', over: [me], enabled: (s, i) => s.holder === i, step: (s) => void (s.holder = -1) },
      ],
      properties: [leadsTo('getsLock', (s, i) => s.waiting[i]!, (s, i) => s.holder === i, { over: me })],
      fairness: [strongFairness('process', ['acquire', 'release'], { per: 0 })],
    });
  },
});

function lassoOf(r: CheckResult, name: string): Trace {
  const t = r.properties.find((p) => p.name === name)!.trace;
  if (!t || t.loopStart === undefined) throw new Error(`no lasso for ${name}`);
  return t;
}

/** Checks a reported lasso independently: it replays, closes, is fair under `mode` and violates the property. */
function expectRealLasso(m: CompiledModel, t: Trace, mode: FairnessMode): void {
  const p = m.liveness.find((l) => l.name === t.property)!;
  const j = judgeLasso(
    m,
    p,
    t.states,
    t.actions.map((a) => a.index),
    t.loopStart!,
    mode,
  );
  expect(j.closes).toBe(true);
  expect(j.unfair).toBeUndefined();
  expect(j.violatedFor).toContain(t.subject ?? 0);
}

describe('liveness: textbook cases', () => {
  const m = compileModel(thinkingPeterson);

  it("Peterson's mutex starves a waiting process without fairness: the other thinks forever", () => {
    const r = check(m, { fairness: 'none' });
    const p = r.properties[0]!;
    expect(p.verdict).toBe('violated');
    expect(p.kind).toBe('leadsTo');
    const t = lassoOf(r, 'noStarvation');
    expect(t.actions.map((a) => a.label)).toEqual(['request(0)', 'yieldTurn(0)', 'think(1)']);
    expect(t.loopStart).toBe(2);
    expect(t.subject).toBe(0);
    expect(t.fairness).toBe('none');
    expectRealLasso(m, t, 'none');
  });

  it('with weak fairness per process it does not starve (and the graph is the whole space)', () => {
    for (const mode of ['model', 'weak', 'strong'] as const) {
      const r = check(m, { fairness: mode });
      expect(r.properties[0]!.verdict).toBe('holds');
      expect(r.stats.distinct).toBe(20);
      expect(r.stats.edges).toBe(r.stats.transitions);
      expect(r.stats.transitions).toBe(46);
    }
    expect(check(m).fairness).toEqual({
      mode: 'model',
      actors: [
        { name: 'process(0)', kind: 'weak' },
        { name: 'process(1)', kind: 'weak' },
      ],
    });
  });

  it('a test-and-set lock needs strong fairness: weak fairness lets the other process take it every time', () => {
    const s = compileModel(spinlock);
    expect(check(s, { fairness: 'model' }).properties[0]!.verdict).toBe('holds');
    expect(check(s, { fairness: 'strong' }).properties[0]!.verdict).toBe('holds');
    for (const mode of ['weak', 'none'] as const) {
      const r = check(s, { fairness: mode });
      expect(r.properties[0]!.verdict).toBe('violated');
      const t = lassoOf(r, 'getsLock');
      expectRealLasso(s, t, mode);
      // The starved process waits through the whole loop while the other takes and releases the lock.
      const other = 1 - t.subject!;
      const loop = t.actions.slice(t.loopStart).map((a) => a.label);
      expect(loop).toContain(`acquire(${other})`);
      expect(loop).toContain(`release(${other})`);
    }
  });

  it('eventually: a run that ends in a state with no step, short of the goal, is a lasso with an empty loop', () => {
    const line = defineModel({
      name: 'line',
      description: '0 -> 1 -> 2, or 0 -> 3 (a dead end)',
      params: {},
      build() {
        const layout = defineLayout({ at: int(0, 3) });
        return modelOf(layout, {
          init: () => {},
          actions: [
            { name: 'next', enabled: (s) => s.at === 0 || s.at === 1, step: (s) => void s.at++ },
            { name: 'fallOff', enabled: (s) => s.at === 0, step: (s) => void (s.at = 3) },
          ],
          properties: [eventually('reachesTwo', (s) => s.at === 2), alwaysEventually('oftenZero', (s) => s.at === 0)],
          deadlock: false,
        });
      },
    });
    const lm = compileModel(line);
    const r = check(lm, { continueAfterViolation: true });
    const t = lassoOf(r, 'reachesTwo');
    expect(t.actions.map((a) => a.label)).toEqual(['fallOff']);
    expect(t.loopStart).toBe(1);
    expectRealLasso(lm, t, 'model');
    expect(r.properties[1]!.verdict).toBe('violated');
    // Both dead ends miss the goal; the nearer one (at 3, one step away) is reported.
    expect(lassoOf(r, 'oftenZero').actions.map((a) => a.label)).toEqual(['fallOff']);
  });

  it('leadsTo on the example Peterson model (no thinking): every waiting process gets in, with or without fairness', () => {
    const pm = compileModel(peterson);
    for (const mode of ['none', 'model'] as const) {
      const r = check(pm, { fairness: mode });
      const live = r.properties.find((p) => p.name === 'waitLeadsToCritical')!;
      expect(live.kind).toBe('leadsTo');
      expect(live.verdict).toBe('holds');
    }
    const broken = compileModel(peterson, { swapped: 1 });
    expect(check(broken, { continueAfterViolation: true }).properties.find((p) => p.name === 'waitLeadsToCritical')!.verdict).toBe('holds');
  });
});

describe('liveness: against a brute-force reference on random models', () => {
  it('same verdict as trying every edge set of the region; every lasso is a real, fair counterexample', () => {
    let decided = 0;
    fc.assert(
      fc.property(liveSpec, fc.constantFrom<FairnessMode>('none', 'model', 'weak', 'strong'), (g, mode) => {
        const m = compileModel(liveModel(g));
        const expected = naiveLivenessViolated(m, mode);
        fc.pre(expected !== undefined);
        decided++;
        const r = check(m, { fairness: mode });
        const p = r.properties[0]!;
        expect(p.verdict).toBe(expected ? 'violated' : 'holds');
        if (p.trace) expectRealLasso(m, p.trace, mode);
      }),
      { numRuns: 600 },
    );
    expect(decided).toBeGreaterThan(300);
  });
});

describe('liveness: what cannot be decided is refused or unknown, never a wrong holds', () => {
  const m = compileModel(thinkingPeterson);

  it('refuses depth-first search, symmetry and several workers with one line', () => {
    expect(() => check(m, { strategy: 'dfs' })).toThrow(UsageError);
    expect(() => check(m, { strategy: 'dfs' })).toThrow(/property noStarvation cannot be checked by a depth-first search/);
    expect(() => check(compileModel(peterson), { symmetry: true })).toThrow(/declares no symmetry|cannot be checked with --symmetry/);
  });

  it('a depth bound leaves the verdict unknown when no lasso lies within it', () => {
    const r = check(m, { maxDepth: 3 });
    expect(r.complete).toBe(false);
    expect(r.properties[0]!.verdict).toBe('unknown');
  });

  it('a lasso found inside a bound is still a real violation', () => {
    const r = check(m, { maxDepth: 3, fairness: 'none' });
    expect(r.properties[0]!.verdict).toBe('violated');
    expectRealLasso(m, lassoOf(r, 'noStarvation'), 'none');
  });
});

/** Two threads take locks A and B in opposite orders; an observer may read forever. */
function abba(stuttering: boolean, legalEnd = true) {
  return defineModel({
    name: 'abba',
    description: 'the ABBA lock-order deadlock, with an observer that never stops reading',
    params: {},
    build() {
      // pc: 0 start, 1 holds its first lock, 2 holds both, 3 done
      const layout = defineLayout({ pc: array(2, int(0, 3)), a: int(-1, 1), b: int(-1, 1), reads: int(0, 1) });
      const first = (i: number) => (i === 0 ? 'a' : 'b');
      const second = (i: number) => (i === 0 ? 'b' : 'a');
      const t = [0, 1];
      return modelOf(layout, {
        init: (s) => {
          s.a = -1;
          s.b = -1;
        },
        actions: [
          { name: 'takeFirst', over: [t], enabled: (s, i) => s.pc[i] === 0 && (s as any)[first(i)] === -1, step: (s, i) => void ((s as any)[first(i)] = i, (s.pc[i] = 1)) },
          { name: 'takeSecond', over: [t], enabled: (s, i) => s.pc[i] === 1 && (s as any)[second(i)] === -1, step: (s, i) => void ((s as any)[second(i)] = i, (s.pc[i] = 2)) },
          {
            name: 'release',
            over: [t],
            enabled: (s, i) => s.pc[i] === 2,
            step: (s, i) => {
              s.a = -1;
              s.b = -1;
              s.pc[i] = 3;
            },
          },
          { name: 'observe', step: (s) => void (s.reads = 1 - s.reads) },
        ],
        ...(legalEnd ? { deadlock: { legalEnd: (s: any) => s.pc[0] === 3 && s.pc[1] === 3 } } : {}),
        ...(stuttering ? { stuttering: { families: ['observe'] } } : {}),
      });
    },
  });
}

describe('deadlock under stuttering', () => {
  it('without stuttering declared, an always-enabled observer hides the ABBA deadlock', () => {
    const r = check(compileModel(abba(false)));
    expect(r.properties.find((p) => p.name === 'deadlock')!.verdict).toBe('holds');
  });

  it('with the observer declared stuttering, the stuck state is found, shortest, and replays as stuck', () => {
    const m = compileModel(abba(true));
    const r = check(m);
    const d = r.properties.find((p) => p.name === 'deadlock')!;
    expect(d.verdict).toBe('violated');
    expect(d.trace!.actions.map((a) => a.label)).toEqual(['takeFirst(0)', 'takeFirst(1)']);
    expect(isStuck(m, d.trace!.states.at(-1)!)).toBe(true);
    // The end where both threads are done is legal, and from the start progress is possible.
    expect(isStuck(m, m.inits[0]!)).toBe(false);
  });

  it('a state that can still stutter into a legal end is not stuck', () => {
    const m = compileModel(abba(true));
    const done = m.inits[0]!.slice();
    const v: any = m.layout.view();
    v.bind(done, 0);
    v.pc[0] = 3;
    v.pc[1] = 3;
    expect(isStuck(m, done)).toBe(false);
  });

  it('the stuttering check refuses depth-first search and workers, as liveness does', () => {
    expect(() => check(compileModel(abba(true)), { strategy: 'dfs' })).toThrow(/deadlock \(with stuttering steps\) cannot be checked by a depth-first search/);
  });
});

describe('deadlock under stuttering: against a state-by-state reference on random models', () => {
  it('stuck states found on the graph (by sweeps, or by reverse edges) are exactly those from which only stuttering can follow', () => {
    fc.assert(
      fc.property(liveSpec, fc.subarray(['a0', 'a1', 'a2', 'free']), fc.uniqueArray(fc.integer({ min: 0, max: 5 }), { maxLength: 2 }), (g, stutter, legal) => {
        const def = liveModel(g);
        const base = compileModel(def);
        const m: CompiledModel = {
          ...selectProperties({ ...base, checkDeadlock: true, properties: [...base.properties, { name: 'deadlock', kind: 'deadlock', doc: '' }] }, ['deadlock']),
          stutterFamilies: Uint8Array.from(base.instances, (i) => (stutter.includes(i.family) ? 1 : 0)),
          stutterStep: undefined,
          legalEnd: (s: any) => legal.includes(s.node),
        };
        // Reference: every reachable state, judged on its own by searching what can follow it.
        const reach: Uint32Array[] = [m.inits[0]!.slice()];
        const seen = new Set([reach[0]!.join(',')]);
        const st = new Stepper(m);
        for (let k = 0; k < reach.length; k++) {
          for (const i of m.instances) {
            const n = st.apply(reach[k]!, i.index);
            if (!n || (m.constraint && !m.constraint(st.next))) continue;
            if (!seen.has(n.join(','))) (seen.add(n.join(',')), reach.push(n));
          }
        }
        const anyStuck = reach.some((s) => isStuck(m, s) === true);
        for (const sweeps of [16, 0]) {
          const x = new Exploration(m, {}, true);
          const rec = new GraphRecorder(m, [], []);
          bfs(x, rec);
          const stuck = findStuck(rec, sweeps);
          expect(stuck >= 0).toBe(anyStuck);
          if (stuck >= 0) {
            let s: Uint32Array = m.inits[0]!.slice();
            for (const a of x.pathTo(stuck).actions) s = st.apply(s, a)!;
            expect(isStuck(m, s)).toBe(true);
          }
        }
      }),
      { numRuns: 400 },
    );
  });
});
