// The userspace VMM of Marc's proposal, on any architecture: it learns of a
// suspend (or does not: vmmNotice), stops its vCPU threads, moves the
// guest's counters from userspace while they are stopped (what it can move
// is the architecture's: `moveCounters`), posts the drift in shared memory
// and raises the notification interrupt.

import { weakFairness, type ActionFamily } from '../../checker/index.js';
import type { Design } from './design.js';
import { deliverCallbackIrq, injectDifference } from './machine.js';
import { VmmNotice } from './premises.js';
import { HostPhase, VcpuPc, type CoreState, type Ctx } from './state.js';

/** The VMM writes the cumulative drift it has seen (host BOOTTIME - MONOTONIC) and raises the interrupt on vCPU 0. */
export function postDrift(s: CoreState): void {
  if (s.hostSlept > s.sharedSuspendNs) {
    s.sharedSuspendNs = s.hostSlept;
    deliverCallbackIrq(s, 0);
  }
}

/** The VMM has a drift still to post. */
export function driftUnposted(s: CoreState): boolean {
  return s.hostSlept > s.sharedSuspendNs;
}

/** A thawed VMM thread: it can act once the tasks are thawed. */
export function vmmThawed(s: CoreState): boolean {
  return s.hostPhase === HostPhase.thawed || s.hostPhase === HostPhase.running;
}

export interface StrongVmm<S extends CoreState, C extends Ctx> {
  /** vmmResume's doc: what the VMM moves, with which ioctl. */
  readonly resumeDoc: string;
  /** vmmStop's doc: what it notes. */
  readonly stopDoc: string;
  /** Called only if it stopped its vCPUs before the suspend: move their counters back by what passed since. */
  moveCounters(s: S, c: C): void;
  /** What it notes of vCPU i when it stops it, besides offs_boot. */
  noteAtStop?(s: S, i: number): void;
}

/**
 * The userspace proposal at its strongest: everything a VMM can do. It
 * learns of a suspend from systemd-logind (PrepareForSleep, with a delay
 * inhibitor), stops its vCPU threads and notes the host's offs_boot; after
 * resume it moves the guest's counters back by what passed, while its vCPUs
 * are still stopped, then posts the drift, sends the interrupt and restarts
 * them. If it did not stop them in time it moves no counter (that would
 * rewind a guest that already ran on) and only posts the drift. What it
 * cannot do is make the kernel wait: `vmmNotice` says what guarantee the
 * host gives.
 */
export function strongVmm<S extends CoreState, C extends Ctx>(o: StrongVmm<S, C>): Pick<Design<S, C>, 'usesLogind' | 'irqHandler' | 'inFlight' | 'vmmFair' | 'fairness' | 'vmm'> {
  return {
    usesLogind: true,
    irqHandler: (s) => injectDifference(s),
    inFlight: driftUnposted,
    vmmFair: ['vmmResume'],
    fairness(c) {
      if (c.p.vmmNotice === VmmNotice.none) return [];
      return [
        weakFairness('vmmStop', ['vmmStop'], { doc: 'a VMM that got PrepareForSleep stops its vCPUs' }),
        weakFairness('logind', ['pmSuspendPrepare'], { doc: 'logind goes on with a suspend it announced: when the VMM releases its delay lock, or when the delay ends' }),
      ];
    },
    vmm: (c) => {
      const out: ActionFamily<S>[] = [
        {
          name: 'vmmResume',
          doc: o.resumeDoc,
          enabled: (s) => vmmThawed(s) && (s.vmmPaused || driftUnposted(s)),
          step: (s) => {
            if (s.vmmPaused) o.moveCounters(s, c);
            postDrift(s);
            s.vmmPaused = false;
          },
        },
      ];
      if (c.p.vmmNotice !== VmmNotice.none) {
        out.push(
          {
            name: 'logindPrepareForSleep',
            doc: 'systemd-logind is asked to suspend: it sends PrepareForSleep(true) and waits for delay inhibitors (at most InhibitDelayMaxSec, 5 s by default)',
            enabled: (s) => s.hostPhase === HostPhase.running && s.suspendsStarted < c.p.suspends,
            step: (s) => void (s.hostPhase = HostPhase.requested),
          },
          {
            name: 'vmmStop',
            doc: o.stopDoc,
            enabled: (s) => !s.vmmPaused && (s.hostPhase === HostPhase.requested || s.hostPhase === HostPhase.prepared),
            step: (s) => {
              s.vmmPaused = true;
              s.vmmSleptAtStop = s.hostSlept;
              for (let i = 0; i < c.n; i++) {
                const v = s.vcpu[i]!;
                o.noteAtStop?.(s, i);
                if (v.pc === VcpuPc.guest) v.pc = VcpuPc.run;
              }
            },
          },
        );
      }
      return out;
    },
  };
}
