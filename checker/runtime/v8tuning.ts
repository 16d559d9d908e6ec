// V8's optimising compiler stops inlining into a function once it has inlined
// 920 bytes of bytecode. A checker's hot loop is one function that calls the
// visited set, the hash, the generated guard and step dispatch (dispatch.ts)
// and, through them, the model's own small guards, steps and field
// accessors: with the default budget most of those stay calls. Raising it
// made the KVM benchmark about a third faster (docs/performance.md). The
// flag only changes how much the compiler inlines, for code compiled after
// it is set; V8 flags are per process, so worker threads see it too. Node
// keeps V8's flags writable after start-up for v8.setFlagsFromString
// (v8/node#141); should that ever fail, only speed is lost.

import { setFlagsFromString } from 'node:v8';

const INLINE_BUDGET = 4000;
let tuned = false;

/** Raise V8's inlining budget once per process (idempotent; never lowers a budget set on the command line). */
export function tuneInlining(): void {
  if (tuned) return;
  tuned = true;
  const given = [...process.execArgv, ...(process.env.NODE_OPTIONS ?? '').split(/\s+/)];
  if (given.some((a) => a.replaceAll('_', '-').startsWith('--max-inlined-bytecode-size-cumulative'))) return;
  try {
    setFlagsFromString(`--max-inlined-bytecode-size-cumulative=${INLINE_BUDGET}`);
  } catch {
    // The default budget: slower, never wrong.
  }
}
