// Progress lines on stderr for long runs: a line rewritten in place on a
// terminal, a line every few seconds otherwise (CI logs).

import type { Progress } from '../checker/index.js';
import { fmtInt } from './format.js';

export interface ProgressPrinter {
  readonly onProgress: (p: Progress) => void;
  /** Clear the live line, if any. */
  done(): void;
}

export function progressPrinter(label: string, enabled: boolean): ProgressPrinter {
  const tty = process.stderr.isTTY === true;
  let live = false;
  let last = 0;
  const onProgress = (p: Progress) => {
    if (!enabled || p.seconds < 2) return;
    if (!tty && p.seconds - last < 5) return;
    last = p.seconds;
    const line =
      `${label}: ${fmtInt(p.distinct)} distinct, ${fmtInt(p.transitions)} transitions, ` +
      `queue ${fmtInt(p.queue)}, depth ${p.depth}, ${fmtInt(p.statesPerSecond)} states/s, ${p.seconds.toFixed(0)} s`;
    if (tty) {
      process.stderr.write(`\r\x1b[K${line}`);
      live = true;
    } else process.stderr.write(line + '\n');
  };
  return {
    onProgress,
    done() {
      if (live) process.stderr.write('\r\x1b[K');
      live = false;
    },
  };
}
