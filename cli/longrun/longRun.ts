// `check` as a long run: the search in slices, so that between two slices
// SIGINT or SIGTERM is heard and checkpoints are written (--checkpoint,
// --checkpoint-every), and a search taken up from a checkpoint (--resume).
//
// The first SIGINT or SIGTERM stops the search between two expansions: with
// --checkpoint the checkpoint is written there, and the result so far is
// printed (verdicts not yet decided are unknown). The handlers are removed
// at once, so a second signal ends the process as usual (a checkpoint being
// written then is left as temporary files that the next run removes; the
// checkpoint before it stays whole).

import { CheckSession, UsageError, type CheckOptions, type CheckResult, type CompiledModel } from '../../checker/index.js';
import { assertResumable, Checkpointer, checkpointIdentity, holdsCheckpoint, removeCheckpoint, resumeSession, type CheckpointWritten } from '../../checker/checkpoint/checkpoint.js';
import { fmtBytes, fmtInt } from '../format.js';

/** How long the search runs between two looks at signals and the checkpoint clock. */
const SLICE_MS = 100;

export interface LongRunOptions {
  /** Write checkpoints into this folder. */
  readonly checkpoint?: string;
  /** Seconds between two checkpoints. */
  readonly every: number;
  /** Take up the search from the checkpoint in this folder (and checkpoint into it, unless `checkpoint` names another). */
  readonly resume?: string;
  /** Status lines on stderr (checkpoints written, the signal heard). */
  readonly say: (line: string) => void;
  /** A digest of the model's sources (registry's modelSourceDigest), kept in the checkpoint so a changed model is refused. */
  readonly source?: string;
}

export interface LongRunOutcome {
  readonly result: CheckResult;
  /** The signal that stopped the search, if one did. */
  readonly signal?: string;
  /** The folder checkpoints went to, if any. */
  readonly dir?: string;
  /** The last checkpoint this run wrote, if it wrote one. */
  readonly last?: CheckpointWritten;
  /** Checkpoints written by this run. */
  readonly written: number;
  /** The folder holds a checkpoint when the run ends (it may have been removed under the run). */
  readonly held: boolean;
  /**
   * The search is over (nothing left to explore, or it ended at a
   * violation): a checkpoint would only resume to this result, so the
   * folder is emptied once the result is out (`settleCheckpoint`).
   */
  readonly over: boolean;
}

/** Refuse what a checkpointed run cannot do, before anything is read or written. */
export function assertCheckpointable(opts: CheckOptions, workers: number, o: { checkpoint?: string; resume?: string; every?: string }): void {
  const flag = o.resume !== undefined ? '--resume' : o.checkpoint !== undefined ? '--checkpoint' : undefined;
  if (flag === undefined) {
    if (o.every !== undefined) throw new UsageError('--checkpoint-every needs --checkpoint DIR (or --resume DIR)');
    return;
  }
  if (workers > 1) throw new UsageError(`${flag} works with the one-thread search only; leave out --workers`);
  if ((opts.strategy ?? 'bfs') !== 'bfs') throw new UsageError(`${flag} works with the breadth-first search only; leave out --strategy dfs`);
  const target = o.checkpoint ?? o.resume!;
  if (target !== o.resume && holdsCheckpoint(target)) {
    throw new UsageError(`--checkpoint: ${target} already holds a checkpoint; resume it with --resume ${target}, or give another folder`);
  }
}

/**
 * Catch the first SIGINT or SIGTERM; after it, signals have their usual
 * effect again, or, with `onSecond`, end the process through it (a search
 * on disk removes its folder first: the default action would leave it).
 */
export function trapSignals(onSignal: (sig: string) => void, onSecond?: (sig: NodeJS.Signals) => void): { readonly caught: string | undefined; release(): void } {
  let caught: string | undefined;
  const second = (sig: NodeJS.Signals) => onSecond!(sig);
  const handler = (sig: NodeJS.Signals) => {
    caught = sig;
    process.off('SIGINT', handler);
    process.off('SIGTERM', handler);
    if (onSecond) {
      process.on('SIGINT', second);
      process.on('SIGTERM', second);
    }
    onSignal(sig);
  };
  const release = () => {
    process.off('SIGINT', handler);
    process.off('SIGTERM', handler);
    process.off('SIGINT', second);
    process.off('SIGTERM', second);
  };
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
  return {
    get caught() {
      return caught;
    },
    release,
  };
}

const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

export async function longRun(m: CompiledModel, opts: CheckOptions, o: LongRunOptions): Promise<LongRunOutcome> {
  const identity = checkpointIdentity(m, opts, o.source);
  const dir = o.checkpoint ?? o.resume;
  // Refusals first, before the folder is locked or anything is loaded.
  if (o.resume !== undefined) assertResumable(o.resume, m, opts, o.source);
  const writer = dir !== undefined ? new Checkpointer(dir, dir === o.resume) : undefined;
  let session: CheckSession;
  try {
    if (o.resume !== undefined) {
      const { session: s, manifest, seconds } = resumeSession(o.resume, m, opts, o.source);
      session = s;
      const at = manifest.search;
      o.say(
        `resuming from ${o.resume}: ${fmtInt(at.distinct)} states (${fmtInt(at.queued)} queued), depth ${at.position.depth}, written ${manifest.written}, loaded in ${seconds.toFixed(2)} s`,
      );
    } else session = new CheckSession(m, opts);
  } catch (e) {
    writer?.close();
    throw e;
  }
  let last: CheckpointWritten | undefined;
  let count = 0;
  const write = () => {
    try {
      last = writer!.write(session, identity);
    } catch (e) {
      // A full disk or a folder gone: the search goes on, and the checkpoint before stays whole.
      const code = (e as NodeJS.ErrnoException).code;
      if (typeof code !== 'string' || !/^E[A-Z0-9]+$/.test(code)) throw e;
      process.stderr.write(`clockcheck: warning: checkpoint not written (${(e as Error).message.split('\n')[0]}); the previous one, if any, stays\n`);
      return;
    }
    count++;
    o.say(`checkpoint: ${fmtInt(last.states)} states, ${fmtBytes(last.bytes)}, written in ${last.seconds.toFixed(2)} s to ${last.dir}`);
  };
  const signals = trapSignals(
    (sig) => o.say(`${sig}: stopping${writer ? ' (writing a checkpoint)' : ''}; send it again to quit at once`),
    opts.spill !== undefined
      ? (sig) => {
          session.dispose();
          process.exit(128 + (sig === 'SIGINT' ? 2 : 15));
        }
      : undefined,
  );
  try {
    let due = performance.now() + o.every * 1000;
    while (!session.finished) {
      const now = performance.now();
      session.run(Infinity, writer ? Math.min(due, now + SLICE_MS) : now + SLICE_MS);
      if (session.finished) break;
      await nextTurn();
      if (signals.caught) break;
      if (writer && performance.now() >= due) {
        write();
        due = performance.now() + o.every * 1000;
      }
    }
    const stop = session.x.stopReason;
    if (signals.caught) {
      if (writer && session.checkpointable) write();
      session.interrupt();
    } else if (writer && stop !== undefined && stop !== 'violation') {
      // A budget stopped the search: write where it stands, if it stands between two expansions.
      if (session.checkpointable) write();
      else if (last === undefined && o.resume === undefined) o.say(`no checkpoint written: the budget stopped the search inside an expansion`);
    }
  } catch (e) {
    session.dispose();
    throw e;
  } finally {
    signals.release();
    writer?.close();
  }
  const result = session.result();
  const stop = session.x.stopReason;
  return {
    result,
    ...(signals.caught ? { signal: signals.caught } : {}),
    ...(dir !== undefined ? { dir } : {}),
    ...(last ? { last } : {}),
    written: count,
    held: dir !== undefined && holdsCheckpoint(dir),
    over: stop === undefined || stop === 'violation',
  };
}

/** After the result is out: a finished run's checkpoint folder is emptied (what it held would resume to this result). */
export function settleCheckpoint(out: LongRunOutcome): void {
  if (out.dir !== undefined && out.over) removeCheckpoint(out.dir);
}
