// Running the real command line from tests: a child process, real exit codes.
import { spawnSync } from 'node:child_process';
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
