// Progress lines on stderr for long runs: a line rewritten in place on a
// terminal, a line every few seconds otherwise (CI logs).

import type { Progress } from '../checker/index.js';
import { fmtInt } from './format.js';

export interface ProgressPrinter {
  readonly onProgress: (p: Progress) => void;
  /** Clear the live line, if any. */
  done(): void;
}

/** Show `text` (after two seconds, then in place or every five seconds); `done` clears it. */
export function progressLine(enabled: boolean): { show(seconds: number, text: string): void; done(): void } {
  const tty = process.stderr.isTTY === true;
  let live = false;
  let last = 0;
  return {
    show(seconds, line) {
      if (!enabled || seconds < 2) return;
      if (!tty && seconds - last < 5) return;
      last = seconds;
      if (tty) {
        process.stderr.write(`\r\x1b[K${line}`);
        live = true;
      } else process.stderr.write(line + '\n');
    },
    done() {
      if (live) process.stderr.write('\r\x1b[K');
      live = false;
    },
  };
}

export function progressPrinter(label: string, enabled: boolean): ProgressPrinter {
  const line = progressLine(enabled);
  const onProgress = (p: Progress) =>
    line.show(
      p.seconds,
      `${label}: ${fmtInt(p.distinct)} distinct, ${fmtInt(p.transitions)} transitions, ` +
        `queue ${fmtInt(p.queue)}, depth ${p.depth}, ${fmtInt(p.statesPerSecond)} states/s, ${p.seconds.toFixed(0)} s`,
    );
  return { onProgress, done: () => line.done() };
}
