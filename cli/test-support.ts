// Running the real command line from tests: a child process, real exit codes.
import { spawn, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const bin = fileURLToPath(new URL('../bin/clockcheck.js', import.meta.url));

export function run(...args: string[]): { code: number; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

/** `run` with changes to the environment (`undefined` removes a variable). */
export function runWith(env: Record<string, string | undefined>, ...args: string[]): { code: number; stdout: string; stderr: string } {
  const merged: Record<string, string> = { NO_COLOR: '1' };
  for (const [k, v] of Object.entries({ ...process.env, ...env })) if (v !== undefined) merged[k] = v;
  const r = spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', env: merged });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

/** A command line running in the background, for tests that signal or kill it. */
export interface Child {
  readonly pid: number;
  stdout: string;
  stderr: string;
  readonly exited: Promise<{ code: number | null; signal: string | null }>;
}

/** Start the command line (with these changes to the environment), collecting its output. */
export function startWith(env: Record<string, string>, ...args: string[]): Child {
  const p = spawn(process.execPath, [bin, ...args], { env: { ...process.env, NO_COLOR: '1', ...env } });
  const c: Child = {
    pid: p.pid!,
    stdout: '',
    stderr: '',
    exited: new Promise((resolve) => p.on('exit', (code, signal) => resolve({ code, signal }))),
  };
  p.stdout.on('data', (d) => (c.stdout += d));
  p.stderr.on('data', (d) => (c.stderr += d));
  return c;
}

export function start(...args: string[]): Child {
  return startWith({}, ...args);
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Wait until `cond` holds (polling), or fail after `ms`. */
export async function until(cond: () => boolean, what: string, ms = 60_000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}
