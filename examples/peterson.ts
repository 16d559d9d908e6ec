// Peterson's mutual exclusion for two processes, one shared variable write
// per step. With `swapped=1` each process writes `turn` before raising its
// flag, the textbook mistake that lets both into the critical section.
import { array, bool, defineLayout, defineModel, enumOf, int, invariant, leadsTo, modelOf, weakFairness } from '../checker/index.js';

export const Pc = { idle: 0, setTurn: 1, setFlag: 2, wait: 3, critical: 4 } as const;

export default defineModel({
  name: 'peterson',
  description: "Peterson's mutual exclusion algorithm for two processes",
  params: {
    swapped: { default: 0, min: 0, max: 1, doc: '1: write turn before the flag (broken)' },
  },
  build(p) {
    const layout = defineLayout({
      proc: array(2, { pc: enumOf(Pc), flag: bool() }),
      turn: int(0, 1),
    });
    const me = [0, 1];
    const swapped = p.swapped === 1;
    return modelOf(layout, {
      init: () => {},
      actions: [
        {
          name: 'request',
          over: [me],
          enabled: (s, i) => s.proc[i]!.pc === Pc.idle,
          step: (s, i) => {
            if (swapped) {
              s.turn = 1 - i;
              s.proc[i]!.pc = Pc.setFlag;
            } else {
              s.proc[i]!.flag = true;
              s.proc[i]!.pc = Pc.setTurn;
            }
          },
        },
        {
          name: 'yieldTurn',
          over: [me],
          enabled: (s, i) => s.proc[i]!.pc === (swapped ? Pc.setFlag : Pc.setTurn),
          step: (s, i) => {
            if (swapped) s.proc[i]!.flag = true;
            else s.turn = 1 - i;
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
      properties: [
        invariant(
          'mutualExclusion',
          (s) => !(s.proc[0]!.pc === Pc.critical && s.proc[1]!.pc === Pc.critical),
          'at most one process is in its critical section',
        ),
        leadsTo(
          'waitLeadsToCritical',
          (s, i) => s.proc[i]!.pc === Pc.wait,
          (s, i) => s.proc[i]!.pc === Pc.critical,
          { over: me, doc: 'a process waiting at the door eventually enters its critical section (no starvation)' },
        ),
      ],
      // Each process, once it has asked to enter, keeps taking its steps.
      fairness: [weakFairness('process', ['yieldTurn', 'enter', 'leave'], { per: 0 })],
    });
  },
});
