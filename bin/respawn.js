// `check --spill` in a process whose allocator gives memory back (bin/clockcheck.js
// runs this before it loads anything else, so that the parent stays small:
// about 7 MiB of its own beside the child, against 24 MiB once the command
// line is loaded).
//
// Node's typed arrays are allocated by the C library's malloc. glibc raises
// its mmap threshold each time a block it had mapped is freed (up to 32
// MiB), so after the first few tables and queue chunks are let go, later
// ones come from the heap, and when the search moves them to disk their
// memory stays in the process as free heap. On v3 3x2 at a 130 MiB budget,
// right after the move (two collections, array buffers down to 3 MiB) the
// process still held 134 MiB; with the threshold fixed
// (MALLOC_MMAP_THRESHOLD_: every block of 128 KiB or more mapped on its own
// and unmapped when freed) 73 MiB, its baseline. The tables of the disk
// phase are sized from what the process holds after the move: on v3 4x2 at
// 327 MiB they got 100 MiB without the setting and 239 MiB with it (the run
// 227 s against 190 s, both under the budget).
//
// glibc reads that setting when the process starts, so a --spill run on
// glibc runs the same command line in a child process started with it. The
// child is in a process group of its own, so that a Ctrl-C reaches it once,
// through the parent (SIGINT and SIGTERM are passed on); and it is told
// when the parent dies (the IPC channel closes), which it treats as SIGTERM.

import { spawn } from 'node:child_process';
import { existsSync, readdirSync, rmSync } from 'node:fs';
import { constants } from 'node:os';
import { join } from 'node:path';

const THRESHOLD = '131072';

/** The C library is glibc (where MALLOC_MMAP_THRESHOLD_ means something). */
function glibc() {
  if (process.platform !== 'linux') return false;
  try {
    if (process.report) process.report.excludeNetwork = true;
    return process.report?.getReport()?.header?.glibcVersionRuntime !== undefined;
  } catch {
    return false;
  }
}

/**
 * The --spill folder of a command line, if it names one.
 * @param {string[]} args
 */
function spillDir(args) {
  for (let i = 0; i < args.length; i++) {
    if (args[i] === '--spill') return args[i + 1];
    if (args[i].startsWith('--spill=')) return args[i].slice('--spill='.length);
  }
  return undefined;
}

/** @param {string | undefined} dir */
function spillFolders(dir) {
  try {
    return dir !== undefined && existsSync(dir) ? readdirSync(dir).filter((f) => f.startsWith('clockcheck-spill-')) : [];
  } catch {
    return [];
  }
}

/** Signals whose default action ends a process (others, e.g. SIGUSR1, mean something else to Node). */
const ENDING = new Set(['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGKILL', 'SIGQUIT']);

/**
 * `clockcheck check ... --spill DIR` on glibc, in a process started without
 * the allocator setting (CLOCKCHECK_NO_RESPAWN=1: never).
 * @param {string[]} args the command line after `clockcheck`
 */
export function needsRespawn(args) {
  if (args[0] !== 'check' || !args.some((a) => a === '--spill' || a.startsWith('--spill='))) return false;
  if (process.env.CLOCKCHECK_NO_RESPAWN === '1' || process.env.MALLOC_MMAP_THRESHOLD_ !== undefined) return false;
  return glibc();
}

/**
 * Run this command line again in a child with the allocator setting.
 * @returns {Promise<number>} its exit code (if a signal ended it, the same signal is raised here)
 */
export function respawn() {
  const dir = spillDir(process.argv.slice(2));
  const before = new Set(spillFolders(dir));
  const child = spawn(process.execPath, [...process.execArgv, ...process.argv.slice(1)], {
    stdio: ['inherit', 'inherit', 'inherit', 'ipc'],
    detached: true,
    env: { ...process.env, MALLOC_MMAP_THRESHOLD_: THRESHOLD, MALLOC_TRIM_THRESHOLD_: THRESHOLD, CLOCKCHECK_RESPAWNED: '1' },
  });
  /** @param {NodeJS.Signals} sig */
  const pass = (sig) => child.kill(sig);
  process.on('SIGINT', pass);
  process.on('SIGTERM', pass);
  return new Promise((resolve, reject) => {
    child.on('error', (e) => {
      process.off('SIGINT', pass);
      process.off('SIGTERM', pass);
      reject(e);
    });
    child.on('exit', (code, signal) => {
      process.off('SIGINT', pass);
      process.off('SIGTERM', pass);
      if (signal === null) return resolve(code ?? 1);
      // Killed by a signal (a second Ctrl-C, SIGKILL, the kernel's OOM
      // killer): it could not remove its spill folder; this process does.
      for (const f of spillFolders(dir)) if (!before.has(f)) rmSync(join(dir, f), { recursive: true, force: true });
      // End the same way, for the signals that end a process.
      if (ENDING.has(signal)) process.kill(process.pid, signal);
      resolve(128 + (constants.signals[signal] ?? 0));
    });
  });
}
