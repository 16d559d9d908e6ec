// clockcheck's verdicts against SPIN's on the Promela port with premises
// (bench/peers/kvm-premises.pml): for each design and premise of the matrix,
// SPIN must find the same states and transitions and violate exactly the
// properties clockcheck violates. docs/spin-crosscheck.md says what the
// matrix covers and how to run one cell by hand. .ci/run installs spin (and
// gcc) when missing; where it cannot, this file is skipped with a line that
// says why.
import { execFile as execFileCb, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { check, compileModel, selectProperties } from '../../checker/index.js';
import { kvmModels } from '../../specs/kvm.js';

const execFile = promisify(execFileCb);
const PML = fileURLToPath(new URL('./kvm-premises.pml', import.meta.url));

/** The properties the port asserts, each by name. */
const PROPS = ['monoNoRewind', 'monoNoJump', 'bootNoRewind', 'bootExact', 'lockOrder', 'noSleepInAtomic'] as const;

/** The port's design macros. */
const DESIGN_MACRO: Record<string, string> = {
  v3: 'V3',
  'v3-fixed': 'V3_FIXED',
  v1: 'V1',
  'mutant-fix-under-kvm-lock': 'FIX_UNDER_KVM_LOCK',
  baseline: 'BASELINE',
};

/** The designs of a premise's row unless it names its own. */
const DESIGNS = ['v3', 'v3-fixed', 'v1', 'mutant-fix-under-kvm-lock'] as const;

/** clockcheck parameter -> the port's macro. */
const PARAM_MACRO: Record<string, string> = {
  vcpus: 'VCPUS',
  suspends: 'SUSPENDS',
  maxAwake: 'MAXAWAKE',
  maxSleep: 'MAXSLEEP',
  tscGranularity: 'GRAN',
  canFail: 'CANFAIL',
  vdso: 'VDSO',
  jumpTolerance: 'JUMPTOL',
  hostTsc: 'HOSTTSC',
  vmIoctl: 'VMIOCTL',
};

interface Cell {
  readonly design: string;
  readonly premise: string;
  /** Parameters that differ from the defaults (vcpus=2 suspends=2 maxAwake=2 maxSleep=2, failures and vDSO on). */
  readonly params: Readonly<Record<string, number>>;
}

// The matrix. At the default sizes: the host TSC counting through S3, stopping,
// resetting (and upstream KVM, baseline, with a reset: the stale vCPU 0 page
// that keeps PVCLOCK_TSC_STABLE_BIT). With the VMM's VM ioctl (kvm->lock, then
// every vcpu->mutex) the space is about eight times larger, so one suspend.
// And v3 at one suspend without failures, where it holds everything unless the
// TSC stops or resets (with baseline at a reset: specs/configs.ts pins both).
const PREMISES: readonly { premise: string; params: Record<string, number>; designs?: readonly string[] }[] = [
  { premise: 'hostTsc=0 (counts)', params: {} },
  { premise: 'hostTsc=1 (stops)', params: { hostTsc: 1 } },
  { premise: 'hostTsc=2 (resets)', params: { hostTsc: 2 }, designs: [...DESIGNS, 'baseline'] },
  { premise: 'vmIoctl=1, suspends=1', params: { vmIoctl: 1, suspends: 1 } },
  { premise: 'vmIoctl=1 hostTsc=1, suspends=1', params: { vmIoctl: 1, hostTsc: 1, suspends: 1 } },
  { premise: 'hostTsc=0, suspends=1 canFail=0', params: { suspends: 1, canFail: 0 }, designs: ['v3'] },
  { premise: 'hostTsc=1, suspends=1 canFail=0', params: { hostTsc: 1, suspends: 1, canFail: 0 }, designs: ['v3'] },
  { premise: 'hostTsc=2, suspends=1 canFail=0', params: { hostTsc: 2, suspends: 1, canFail: 0 }, designs: ['v3', 'baseline'] },
];
const CELLS: readonly Cell[] = PREMISES.flatMap(({ premise, params, designs }) =>
  (designs ?? DESIGNS).map((design) => ({ design, premise, params })),
);

function have(cmd: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${cmd}`]).status === 0;
}
const CC = ['cc', 'gcc'].find(have);
const missing = [...(have('spin') ? [] : ['spin']), ...(CC ? [] : ['a C compiler (cc or gcc)'])];
if (missing.length) {
  console.warn(
    `SKIPPED: the SPIN cross-check (bench/peers/spin-crosscheck.test.ts): no ${missing.join(' and no ')} on PATH. ` +
      '.ci/run installs spin and gcc with apt-get where it can; elsewhere: apt-get install spin gcc',
  );
}

interface SpinRun {
  violated: string[];
  distinct: number;
  transitions: number;
  output: string;
}

/** spin -a and the C compile of the verifier, in a directory of its own. */
async function buildPan(cell: Cell, dir: string): Promise<void> {
  const defs = Object.entries(cell.params).map(([k, v]) => `-D${PARAM_MACRO[k]!}=${v}`);
  // -o2: keep variables written but never read, as bench/run.ts does.
  await execFile('spin', ['-o2', `-D${DESIGN_MACRO[cell.design]!}`, ...defs, '-a', PML], { cwd: dir });
  // -O0: these spaces are small, and the compile is most of the time.
  await execFile(CC!, ['-O0', '-DSAFETY', '-DNOREDUCE', '-w', '-o', 'pan', 'pan.c'], { cwd: dir });
}

/** The verifier: -c0 goes on past every assertion violation, so each violated property is printed. */
async function runPan(dir: string, expectedStates: number): Promise<SpinRun> {
  const w = Math.max(16, Math.ceil(Math.log2(Math.max(1, expectedStates))) + 1);
  const { stdout } = await execFile(join(dir, 'pan'), [`-w${w}`, '-m1000000', '-c0'], { cwd: dir, maxBuffer: 1 << 26 });
  const messages = [...stdout.matchAll(/^pan:\d+: (.*) \(at depth \d+\)$/gm)].map((m) => m[1]!);
  const num = (re: RegExp) => Number(re.exec(stdout)?.[1] ?? NaN);
  const violated = new Set<string>();
  for (const msg of messages) {
    const m = /^assertion violated (\w+)$/.exec(msg);
    // Anything else (an invalid end state, an index out of bounds) is a port error.
    if (!m || !(PROPS as readonly string[]).includes(m[1]!)) throw new Error(`SPIN reported an error that is no property: ${msg}\n${stdout}`);
    violated.add(m[1]!);
  }
  if (/max search depth too small|Search not completed/.test(stdout)) throw new Error(`SPIN's search was cut short:\n${stdout}`);
  return {
    violated: [...violated].sort(),
    distinct: num(/(\d+) states, stored/),
    // SPIN counts one more transition: the step into the initial state.
    transitions: num(/(\d+) transitions \(= stored\+matched\)/) - 1,
    output: stdout,
  };
}

const byName = new Map(kvmModels.map((m) => [m.name, m]));
const dirs: string[] = [];

describe.skipIf(missing.length > 0).concurrent('SPIN agrees with clockcheck on the Promela port with premises', () => {
  afterAll(() => {
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  for (const cell of CELLS) {
    it(`${cell.design}, ${cell.premise}`, async () => {
      const dir = mkdtempSync(join(tmpdir(), 'clockcheck-spin-'));
      dirs.push(dir);
      // SPIN and the compiler run while clockcheck checks.
      const built = buildPan(cell, dir);
      const m = selectProperties(compileModel(byName.get(cell.design)!, cell.params), PROPS);
      const r = check(m, { continueAfterViolation: true });
      // Every cell has a property that holds, so the search was exhaustive and counted every state.
      expect(r.complete).toBe(true);
      const ours = r.properties.filter((p) => p.verdict === 'violated').map((p) => p.name).sort();
      expect(r.properties.every((p) => p.verdict === 'holds' || p.verdict === 'violated')).toBe(true);
      await built;
      const spin = await runPan(dir, r.stats.distinct);
      expect({ states: spin.distinct, transitions: spin.transitions }, 'the same state space').toEqual({ states: r.stats.distinct, transitions: r.stats.transitions });
      expect(spin.violated, 'the properties SPIN finds violated').toEqual(ours);
    });
  }
});
