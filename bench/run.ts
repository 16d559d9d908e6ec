// `npm run bench`: clockcheck against SPIN and Rumur on the same KVM model,
// then how clockcheck's cost grows with vCPUs and suspends, with and without
// symmetry reduction, then random simulation against BFS (bench/simulate.ts),
// then long runs: checkpoints and the disk (bench/longrun.ts).
// Prints figures; asserts only that every tool found the same number of
// states (exit 1 if not).
//
//   npm run bench -- [--design v3|baseline] [--vcpus 3] [--suspends 2]
//                    [--budget 20] [--no-peers] [--no-scaling] [--no-large] [--no-simulation] [--runs 3]
//                    [--no-reviewer] [--premises k=v,...] (default: every premise on) [--no-liveness] [--no-rumur]
//                    [--no-longrun] [--spill-quarter]
//
// --runs: the headline rows are the best of this many runs; the run at scale
// and the scaling table run once.
//
// Times are wall-clock seconds of the checking process, measured by this
// script (the C compile of SPIN's and Rumur's verifiers is reported apart).
// Peak RSS comes from GNU time when it is installed, else from the tool.

import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir, totalmem } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const { values: opt } = parseArgs({
  options: {
    design: { type: 'string', default: 'v3' },
    vcpus: { type: 'string', default: '3' },
    suspends: { type: 'string', default: '2' },
    budget: { type: 'string', default: '20' },
    // Best of three: this kind of VM's timings vary by 20% from run to run.
    runs: { type: 'string', default: '3' },
    'no-peers': { type: 'boolean', default: false },
    'no-scaling': { type: 'boolean', default: false },
    'no-large': { type: 'boolean', default: false },
    'no-simulation': { type: 'boolean', default: false },
    'no-reviewer': { type: 'boolean', default: false },
    'no-rumur': { type: 'boolean', default: false },
    'no-liveness': { type: 'boolean', default: false },
    'no-longrun': { type: 'boolean', default: false },
    'spill-quarter': { type: 'boolean', default: false },
    // The model parameters that switch every premise of the model on (locks,
    // clock-hardware modes, guest lifecycle), as k=v,k=v: the second
    // reviewer's row. Pending until the model has them.
    premises: { type: 'string', default: '' },
  },
});

function fail(msg: string): never {
  process.stderr.write(`bench: error: ${msg}\n`);
  process.exit(2);
}
const design = opt.design!;
if (design !== 'v3' && design !== 'baseline') fail(`--design: '${design}' is not v3 or baseline (the designs ported to Promela and Murphi)`);
const int = (name: string, v: string, lo: number, hi: number) => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < lo || n > hi) fail(`--${name}: '${v}' is not a whole number from ${lo} to ${hi}`);
  return n;
};
const vcpus = int('vcpus', opt.vcpus!, 1, 4);
const suspends = int('suspends', opt.suspends!, 0, 3);
const budget = int('budget', opt.budget!, 1, 3600);
const runs = int('runs', opt.runs!, 1, 10);
const cores = availableParallelism();
const params = { vcpus, suspends, maxAwake: 2, maxSleep: 2, tscGranularity: 1, canFail: 1, vdso: 1 };

// ---- running things ---------------------------------------------------------

const gnuTime = existsSync('/usr/bin/time') ? '/usr/bin/time' : undefined;

interface Run {
  seconds: number;
  rssBytes: number | undefined;
  stdout: string;
  stderr: string;
  status: number | null;
}

/** Run a command, timing it; with GNU time, also its peak RSS. */
function timed(cmd: string, args: string[], cwd: string, timeoutSeconds = 3600): Run {
  const marker = '@@bench-rss ';
  const [file, argv] = gnuTime ? [gnuTime, ['-f', `${marker}%M`, cmd, ...args]] : [cmd, args];
  const t0 = performance.now();
  const r = spawnSync(file, argv, { cwd, encoding: 'utf8', maxBuffer: 1 << 28, timeout: timeoutSeconds * 1000 });
  const seconds = (performance.now() - t0) / 1000;
  let stderr = r.stderr ?? '';
  let rssBytes: number | undefined;
  const at = stderr.lastIndexOf(marker);
  if (at >= 0) {
    rssBytes = Number(stderr.slice(at + marker.length).trim()) * 1024;
    stderr = stderr.slice(0, at);
  }
  return { seconds, rssBytes, stdout: r.stdout ?? '', stderr, status: r.status };
}

/** Best (fastest) of `runs` runs. */
function best<T extends Row>(f: () => T): T {
  let b: T | undefined;
  for (let i = 0; i < runs; i++) {
    const r = f();
    if (!b || r.seconds < b.seconds) b = r;
  }
  return b!;
}

function have(cmd: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${cmd}`]).status === 0;
}

/** Install SPIN, Rumur, a C compiler and GNU time with apt-get when missing. */
function ensurePeers(): { spin: boolean; rumur: boolean; note?: string } {
  const missing = ['spin', 'rumur', 'cc'].filter((c) => !have(c));
  if (missing.length === 0) return { spin: true, rumur: true };
  const pkgs = [...(have('spin') ? [] : ['spin']), ...(have('rumur') ? [] : ['rumur']), ...(have('cc') ? [] : ['gcc']), ...(gnuTime ? [] : ['time'])];
  process.stderr.write(`bench: installing ${pkgs.join(', ')} with apt-get (missing: ${missing.join(', ')})...\n`);
  const sudo = process.getuid?.() === 0 ? [] : ['sudo', '-n'];
  const apt = (args: string[]) => spawnSync(sudo[0] ?? 'apt-get', [...sudo.slice(1), ...(sudo.length ? ['apt-get'] : []), ...args], { encoding: 'utf8', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
  let r = apt(['install', '-y', ...pkgs]);
  if (r.status !== 0) {
    apt(['update']);
    r = apt(['install', '-y', ...pkgs]);
  }
  const ok = { spin: have('spin') && have('cc'), rumur: have('rumur') && have('cc') };
  if (!ok.spin || !ok.rumur) {
    const why = (r.stderr || r.error?.message || '').trim().split('\n').at(-1) ?? '';
    return { ...ok, note: `could not install ${pkgs.join(', ')} with apt-get${why ? `: ${why}` : ''}` };
  }
  return ok;
}

// ---- the tools ----------------------------------------------------------------

interface Row {
  tool: string;
  distinct: number;
  transitions: number;
  seconds: number;
  rssBytes: number | undefined;
  /** Bytes the tool says its state storage holds, when it says. */
  storeBytes?: number;
  /** The tool printed a count rounded (SPIN's %g past 10^8): compare to 8 significant digits. */
  approx?: boolean;
  note?: string;
}

interface CheckRow extends Row {
  complete: boolean;
  unreduced?: number;
  /** Search time alone, as clockcheck reports it. */
  search: number;
  verdicts: string;
}

/**
 * `clockcheck check` as a user runs it, timed. `property`: what --property
 * gets ('none': count states only; 'safety'; 'all': every property, as
 * without the option). `accept`: exit codes that are not a failure.
 */
function clockcheck(
  extra: string[],
  label: string,
  p: Record<string, number> = params,
  timeoutSeconds = 3600,
  { model = design, property = 'none', accept = [0, 3] } = {},
): CheckRow {
  const args = [
    join(root, 'bin/clockcheck.js'),
    'check',
    model,
    ...Object.entries(p).flatMap(([k, v]) => ['-p', `${k}=${v}`]),
    ...(property !== 'all' ? ['--property', property] : []),
    '--json',
    '-q',
    ...extra,
  ];
  const r = timed(process.execPath, args, root, timeoutSeconds + 60);
  if (r.status === null || !accept.includes(r.status)) fail(`clockcheck ${model} ${extra.join(' ')} exited with ${r.status}: ${r.stderr.trim().split('\n').at(-1)}`);
  const j = JSON.parse(r.stdout) as {
    complete: boolean;
    stats: { distinct: number; transitions: number; seconds: number; peakRssBytes: number; visitedBytes: number; unreduced?: { distinct: number } };
    properties: { name: string; verdict: string }[];
  };
  return {
    search: j.stats.seconds,
    verdicts: j.properties.map((x) => `${x.name} ${x.verdict === 'holds' ? '✓' : x.verdict === 'violated' ? '✗' : '?'}`).join(', '),
    tool: label,
    distinct: j.stats.distinct,
    transitions: j.stats.transitions,
    seconds: r.seconds,
    rssBytes: r.rssBytes ?? j.stats.peakRssBytes,
    storeBytes: j.stats.visitedBytes,
    complete: j.complete,
    ...(j.stats.unreduced ? { unreduced: j.stats.unreduced.distinct } : {}),
    note: `search ${j.stats.seconds.toFixed(2)} s`,
  };
}

const SPIN_DESIGN: Record<string, string> = { v3: '-DV3', baseline: '-DBASELINE', 'v3-fixed': '-DV3_FIXED' };
// v3 and baseline run on the lean port (bench/peers/kvm.pml, the one Rumur
// mirrors); v3-fixed on the port with the premises, at their defaults (its
// counts are cross-checked cell by cell in bench/peers/spin-crosscheck.test.ts).
const SPIN_PML: Record<string, string> = { v3: 'bench/peers/kvm.pml', baseline: 'bench/peers/kvm.pml', 'v3-fixed': 'bench/peers/kvm-premises.pml' };

/**
 * SPIN on the Promela port (bench/peers/kvm.pml), best of `times` runs.
 * With `orFail`, a run that does not finish (out of memory, over its time)
 * is returned as a row with a note instead of failing the bench.
 */
function spin(work: string, expected: number, p: typeof params = params, model = design, times = runs, timeoutSeconds = 3600, orFail = false): Row | { failed: string } {
  const defs = [
    `-DVCPUS=${p.vcpus}`,
    `-DSUSPENDS=${p.suspends}`,
    `-DMAXAWAKE=${p.maxAwake}`,
    `-DMAXSLEEP=${p.maxSleep}`,
    `-DGRAN=${p.tscGranularity}`,
    `-DCANFAIL=${p.canFail}`,
    `-DVDSO=${p.vdso}`,
    SPIN_DESIGN[model]!,
  ];
  const dir = join(work, `spin-${model}-${p.vcpus}x${p.suspends}-${p.maxAwake}-${p.maxSleep}`);
  mkdirSync(dir, { recursive: true });
  const t0 = performance.now();
  // -o2: keep variables that are written but never read (lastMono, ...):
  // SPIN's data-flow optimisation would drop them and merge states we keep.
  execFileSync('spin', ['-o2', ...defs, '-a', join(root, SPIN_PML[model]!)], { cwd: dir, stdio: 'pipe' });
  // MEMLIM: SPIN's own cap on its memory (MiB; 2048 by default), raised so
  // that only the machine's memory bounds it.
  execFileSync('cc', ['-O2', '-DNOREDUCE', '-DSAFETY', `-DMEMLIM=${SPIN_MEMLIM_MIB}`, '-w', '-o', 'pan', 'pan.c'], { cwd: dir, stdio: 'pipe' });
  const compile = (performance.now() - t0) / 1000;
  // Hash table sized to the model: at least twice as many slots as states.
  const w = Math.max(16, Math.ceil(Math.log2(Math.max(1, expected))) + 1);
  let b: Row | undefined;
  for (let k = 0; k < times; k++) {
    const r = timed(join(dir, 'pan'), [`-w${w}`], dir, timeoutSeconds);
    const num = (re: RegExp) => Number(re.exec(r.stdout)?.[1] ?? NaN);
    if (!/errors: 0/.test(r.stdout) || r.status !== 0) {
      const why = r.status === null ? `stopped after ${timeoutSeconds} s` : /out of memory/.test(r.stdout + r.stderr) ? 'out of memory' : `exit ${r.status}`;
      if (orFail) return { failed: `${why} (${r.seconds.toFixed(0)} s, peak RSS ${fmtMiB(r.rssBytes)})` };
      fail(`SPIN reported errors:\n${r.stdout}`);
    }
    const row: Row = {
      tool: 'SPIN 1 core',
      // SPIN prints large counts in %g notation (8 significant digits):
      // such a count is compared to that precision (`countsEqual`).
      distinct: num(/([\d.e+]+) states, stored/),
      // SPIN counts one more transition: the step into the initial state.
      transitions: num(/([\d.e+]+) transitions \(= stored\+matched\)/) - 1,
      ...(/[\d.]+e\+\d+ (states, stored|transitions)/.test(r.stdout) ? { approx: true } : {}),
      seconds: r.seconds,
      rssBytes: r.rssBytes ?? num(/([\d.]+)\s+total actual memory usage/) * 2 ** 20,
      storeBytes: (num(/([\d.]+)\s+actual memory usage for states/) + num(/([\d.]+)\s+memory used for hash table/)) * 2 ** 20,
      note: `-w${w}, compile ${compile.toFixed(1)} s`,
    };
    if (!b || row.seconds < b.seconds) b = row;
  }
  return b!;
}

/** SPIN's memory cap for the runs at scale (MiB): most of this machine's memory. */
const SPIN_MEMLIM_MIB = Math.max(2048, Math.floor((totalmem() / 2 ** 20) * 0.75));

/** Equal counts: exactly, or to the 8 significant digits a rounded count has. */
function countEqual(a: number, b: number, approx: boolean): boolean {
  return approx ? Math.abs(a - b) <= Math.max(1, Math.abs(b)) * 1e-7 : a === b;
}
function countsEqual(a: Row, b: Row): boolean {
  const approx = a.approx === true || b.approx === true;
  return countEqual(a.distinct, b.distinct, approx) && countEqual(a.transitions, b.transitions, approx);
}

function spinOrFail(r: Row | { failed: string }): Row {
  if ('failed' in r) fail(`SPIN did not finish: ${r.failed}`);
  return r;
}

function rumur(work: string, threads: number | 'all'): Row {
  const src = readFileSync(join(root, 'bench/peers/kvm.m'), 'utf8')
    .replace(/^(\s*VCPUS\s*:\s*)\d+;/m, `$1${vcpus};`)
    .replace(/^(\s*SUSPENDS\s*:\s*)\d+;/m, `$1${suspends};`)
    .replace(/^(\s*V3\s*:\s*)(true|false);/m, `$1${design === 'v3'};`);
  const name = `kvm-${threads}`;
  writeFileSync(join(work, `${name}.m`), src);
  const t0 = performance.now();
  execFileSync('rumur', [...(threads === 'all' ? [] : ['--threads', String(threads)]), '--deadlock-detection', 'off', '--output', `${name}.c`, `${name}.m`], { cwd: work, stdio: 'pipe' });
  execFileSync('cc', ['-std=c11', '-O3', '-o', name, `${name}.c`, '-lpthread', '-mcx16'], { cwd: work, stdio: 'pipe' });
  const compile = (performance.now() - t0) / 1000;
  return best(() => {
    const r = timed(join(work, name), [], work);
    const m = /(\d+) states, (\d+) rules fired/.exec(r.stdout + r.stderr);
    if (!m) fail(`could not read Rumur's counts:\n${r.stdout}`);
    return {
      tool: `Rumur ${threads === 'all' ? `${cores} threads` : '1 thread'}`,
      distinct: Number(m[1]),
      transitions: Number(m[2]),
      seconds: r.seconds,
      rssBytes: r.rssBytes,
      note: `compile ${compile.toFixed(1)} s`,
    };
  });
}

// ---- printing -------------------------------------------------------------------

const fmtInt = (n: number) => Math.round(n).toLocaleString('en-US');
const fmtMiB = (b: number | undefined) => (b === undefined ? 'n/a' : `${(b / 2 ** 20).toFixed(0)} MiB`);

function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
  return rows.map((r) => '  ' + r.map((cell, c) => (c === 0 || c === r.length - 1 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!))).join('  ').trimEnd()).join('\n');
}

const rate = (r: Row) => r.distinct / r.seconds;

/** One target: its figure, and whether it is met. */
function target(what: string, value: number, op: '>=' | '<=', goal: number, digits = 2): void {
  const met = op === '>=' ? value >= goal : value <= goal;
  const unit = digits === 1 ? '' : 'x';
  console.log(`    ${what}: ${value.toFixed(digits)}${unit} (target ${op === '>=' ? 'at least' : 'at most'} ${goal.toFixed(digits)}${unit}): ${met ? 'met' : 'NOT met'}`);
}

// ---- the reviewer's question ------------------------------------------------------

/** v3-fixed at the size reviewers ask about: every ordering of the host's awake and sleep ticks can happen. */
const reviewerParams = { vcpus: 4, suspends: 3, maxAwake: 4, maxSleep: 3, tscGranularity: 1, canFail: 1, vdso: 1 };

/**
 * The reviewer's question row: v3-fixed at 4 vCPUs x 3 suspends, every
 * safety property, as fast as clockcheck goes on this machine (symmetry and
 * every core); beside it one worker with and without symmetry (what symmetry
 * costs at 4 vCPUs) and SPIN on the same configuration, unreduced. Then the
 * same with every premise of the model on and every property, liveness
 * included (one thread, no symmetry: liveness needs the graph one thread
 * records), once the model has its premises (--premises).
 */
function reviewer(work: string): void {
  const p = reviewerParams;
  const text = Object.entries(p).map(([k, v]) => `${k}=${v}`).join(' ');
  console.log('');
  console.log(`the reviewer's question: v3-fixed (${text}), every safety property; each run once`);
  console.log('');
  const safety = { model: 'v3-fixed', property: 'safety' };
  const fast = clockcheck(['--symmetry', '-w', String(cores)], `clockcheck ${cores} workers, symmetry`, p, 3600, safety);
  const sym1 = clockcheck(['--symmetry'], 'clockcheck 1 worker, symmetry', p, 3600, safety);
  const full1 = clockcheck([], 'clockcheck 1 worker', p, 3600, safety);
  const peer = !opt['no-peers'] && have('spin') ? spin(work, full1.distinct, p, 'v3-fixed', 1, 1800, true) : { failed: 'not run (--no-peers, or SPIN missing)' };
  const rows = [fast, sym1, full1].map((r) => [
    r.tool,
    `${fmtInt(r.distinct)}${r.unreduced !== undefined ? ` for ${fmtInt(r.unreduced)}` : ''}`,
    fmtInt(r.transitions),
    r.seconds.toFixed(1),
    fmtInt(rate(r)),
    fmtMiB(r.rssBytes),
    r.complete ? `search ${r.search.toFixed(1)} s` : 'INCOMPLETE',
  ]);
  if ('failed' in peer) rows.push(['SPIN 6.5.2, unreduced, no property', '', '', '', '', '', `could not finish: ${peer.failed}`]);
  else rows.push(['SPIN 6.5.2, unreduced, no property', fmtInt(peer.distinct), fmtInt(peer.transitions), peer.seconds.toFixed(1), fmtInt(rate(peer)), fmtMiB(peer.rssBytes), peer.note ?? '']);
  console.log(table([['run', 'distinct', 'transitions', 's', 'states/s', 'peak RSS', 'notes'], ...rows]));
  console.log(`  verdicts: ${fast.verdicts}`);
  target(`the reviewer's question, ${cores} workers with symmetry, seconds`, fast.seconds, '<=', 15, 1);
  target('symmetry at 4 vCPUs: stored states/s over unreduced states/s (1 worker)', rate(sym1) / rate(full1), '>=', 0.8);
  target('visited set, B/state (1 worker, unreduced)', full1.storeBytes! / full1.distinct, '<=', 12, 1);
  const same = countsEqual;
  if (!same(fast, sym1) || fast.unreduced !== full1.distinct || ('distinct' in peer && !same(peer, full1))) {
    console.log('  COUNTS DIFFER between the runs above');
    process.exitCode = 1;
  }

  // Every premise of the model on, every property (liveness included).
  const premises = opt.premises!.trim() || EVERY_PREMISE;
  const extra = Object.fromEntries(
    premises.split(',').map((kv) => {
      const [k, v] = kv.split('=');
      if (!k || v === undefined || !Number.isFinite(Number(v))) fail(`--premises: '${kv}' is not k=v`);
      return [k, Number(v)];
    }),
  );
  const all = clockcheck(['--continue', '--max-seconds', '600', '--max-memory', '8G'], 'clockcheck 1 worker, every property', { ...p, ...extra }, 660, {
    model: 'v3-fixed',
    property: 'all',
    accept: [0, 1, 3],
  });
  console.log(
    `  every premise on (${premises}), every property: ${fmtInt(all.distinct)} states, ${all.seconds.toFixed(1)} s, peak RSS ${fmtMiB(all.rssBytes)}${all.complete ? '' : ', INCOMPLETE (a budget stopped it)'}; ${all.verdicts}`,
  );
  target('every premise on, every property, seconds', all.complete ? all.seconds : Infinity, '<=', 600, 1);
  target('every premise on, every property, peak RSS GiB', (all.rssBytes ?? NaN) / 2 ** 30, '<=', 8, 1);
  // The same premises at the model's default sizes (2 vCPUs, 2 suspends), where the run completes:
  // what the premises cost on their own.
  const small = clockcheck(['--continue', '--max-seconds', '600', '--max-memory', '8G'], 'clockcheck 1 worker, every property, default sizes', extra, 660, {
    model: 'v3-fixed',
    property: 'all',
    accept: [0, 1, 3],
  });
  console.log(
    `  the same premises at the default sizes (vcpus=2 suspends=2 maxAwake=2 maxSleep=2): ${fmtInt(small.distinct)} states, ${small.seconds.toFixed(1)} s, peak RSS ${fmtMiB(small.rssBytes)}${small.complete ? '' : ', INCOMPLETE (a budget stopped it)'}; ${small.verdicts}`,
  );
  console.log('  SPIN: the Promela port has the TSC and lock premises only (kvm-premises.pml), so it has no row here');
}

/** "Every premise on" for v3-fixed: each premise at its most general value that is not an alternative to another (hostTsc=2, the usual S3; kvmclock; a stable TSC). */
const EVERY_PREMISE = 'hostTsc=2,sleepError=1,tscScaling=1,lateEnable=1,reboot=1,asyncPf=1,migrate=1,vmIoctl=1';

// ---- main -------------------------------------------------------------------------

const paramText = Object.entries(params).map(([k, v]) => `${k}=${v}`).join(' ');
console.log(`clockcheck bench: ${design} (${paramText}), every state, no property checks; ${cores} cores, Node ${process.version}`);
console.log('');

const rows: Row[] = [];
const c1 = best(() => clockcheck([], 'clockcheck 1 worker'));
const expected = c1.distinct;
const work = mkdtempSync(join(tmpdir(), 'clockcheck-bench-'));
try {
  if (!opt['no-peers']) {
    const peers = ensurePeers();
    if (peers.note) console.log(`  note: ${peers.note}; the rows of the missing tools are left out`);
    if (peers.spin) rows.push(spinOrFail(spin(work, expected)));
    if (peers.rumur && !opt['no-rumur']) {
      rows.push(rumur(work, 1));
      if (cores > 1) rows.push(rumur(work, 'all'));
    }
  }
  rows.push(c1);
  if (cores > 1) rows.push(best(() => clockcheck(['-w', String(cores)], `clockcheck ${cores} workers`)));
  const sym = best(() => clockcheck(['--symmetry'], 'clockcheck 1 worker, symmetry'));

  const spinRow = rows.find((r) => r.tool.startsWith('SPIN'));
  console.log(
    table([
      ['tool', 'distinct', 'transitions', 's', 'states/s', 'peak RSS', 'B/state', 'vs SPIN', 'notes'],
      ...rows.map((r) => [
        r.tool,
        fmtInt(r.distinct),
        fmtInt(r.transitions),
        r.seconds.toFixed(2),
        fmtInt(rate(r)),
        fmtMiB(r.rssBytes),
        r.rssBytes === undefined ? 'n/a' : (r.rssBytes / r.distinct).toFixed(0),
        spinRow ? `${(rate(r) / rate(spinRow)).toFixed(2)}x` : 'n/a',
        [r.note, r.storeBytes !== undefined ? `store ${(r.storeBytes / r.distinct).toFixed(1)} B/state` : ''].filter(Boolean).join(', '),
      ]),
    ]),
  );
  console.log('');
  const w = rows.find((r) => r.tool.includes('workers'));
  console.log(
    `  clockcheck with symmetry (vCPUs 1..${vcpus - 1}): ${fmtInt(sym.distinct)} states stored for ${fmtInt(sym.unreduced ?? sym.distinct)}, ${sym.seconds.toFixed(2)} s`,
  );
  console.log('  B/state: peak RSS of the process over distinct states; store: what the state storage itself holds (clockcheck: visited set; SPIN: states + hash table)');
  const bad = rows.filter((r) => !countsEqual(r, c1));
  if (bad.length) {
    console.log(`\n  MISMATCH: ${bad.map((r) => `${r.tool} found ${fmtInt(r.distinct)} states, ${fmtInt(r.transitions)} transitions`).join('; ')}; clockcheck found ${fmtInt(expected)}, ${fmtInt(c1.transitions)}`);
    process.exitCode = 1;
  } else console.log(`  every tool found the same ${fmtInt(expected)} states and ${fmtInt(c1.transitions)} transitions`);
  console.log('');
  console.log(`  targets at ${fmtInt(expected)} states (wall clock of the whole process${runs > 1 ? `, best of ${runs}` : ''}):`);
  if (spinRow) target('1 worker vs SPIN, states/s', rate(c1) / rate(spinRow), '>=', 1.0);
  if (w) target(`${cores} workers vs 1 worker`, c1.seconds / w.seconds, '>=', 1.3);
  if (vcpus > 2) target('symmetry: stored states/s over unreduced states/s', rate(sym) / rate(c1), '>=', 0.8);
  target('visited set, B/state (1 worker)', c1.storeBytes! / c1.distinct, '<=', 12, 1);

  if (w && !opt['no-large']) {
    // At 1.7 M states a second of fixed costs (start, loading, workers) hides
    // how the search itself scales; a space ten times larger shows it.
    // One- and many-worker runs and SPIN alternate, so that a slow spell of
    // the VM does not fall on one side only; each side keeps its best.
    const large = { ...params, vcpus: 3, suspends: 3 };
    let l1: CheckRow | undefined;
    let lN: CheckRow | undefined;
    let ls: Row | undefined;
    const withSpin = !opt['no-peers'] && have('spin');
    for (let i = 0; i < runs; i++) {
      const a = clockcheck([], '1 worker', large);
      if (!l1 || a.seconds < l1.seconds) l1 = a;
      const b = clockcheck(['-w', String(cores)], `${cores} workers`, large);
      if (!lN || b.seconds < lN.seconds) lN = b;
      if (withSpin) {
        const c = spinOrFail(spin(work, a.distinct, large, design, 1));
        if (!ls || c.seconds < ls.seconds) ls = c;
      }
    }
    if (!l1 || !lN) throw new Error('internal: no run at scale');
    console.log('');
    console.log(`  at scale (${design}, vcpus=3 suspends=3, ${fmtInt(l1.distinct)} states${runs > 1 ? `, best of ${runs}, runs alternating` : ''}):`);
    console.log(
      table([
        ['tool', 'distinct', 'transitions', 's', 'states/s', 'peak RSS', 'notes'],
        ...[...(ls ? [ls] : []), l1, lN].map((r) => [
          r.tool,
          fmtInt(r.distinct),
          fmtInt(r.transitions),
          r.seconds.toFixed(1),
          fmtInt(rate(r)),
          fmtMiB(r.rssBytes),
          [r.note, r.storeBytes !== undefined ? `store ${(r.storeBytes / r.distinct).toFixed(1)} B/state` : ''].filter(Boolean).join(', '),
        ]),
      ]),
    );
    const same = (r: Row) => countsEqual(r, l1!);
    target(`${cores} workers vs 1 worker`, l1.seconds / lN.seconds, '>=', 1.8);
    if (ls) target('1 worker vs SPIN, states/s', rate(l1) / rate(ls), '>=', 1.2);
    const differ = [lN, ...(ls ? [ls] : [])].filter((r) => !same(r));
    if (differ.length) {
      console.log(`  COUNTS DIFFER: ${differ.map((r) => `${r.tool} ${fmtInt(r.distinct)} states, ${fmtInt(r.transitions)} transitions`).join('; ')}; 1 worker ${fmtInt(l1.distinct)}, ${fmtInt(l1.transitions)}`);
      process.exitCode = 1;
    } else console.log(`  same counts: ${fmtInt(l1.distinct)} states, ${fmtInt(l1.transitions)} transitions`);
  }

  if (!opt['no-reviewer']) reviewer(work);
} finally {
  rmSync(work, { recursive: true, force: true });
}

if (!opt['no-liveness']) liveness();

/**
 * Issue 11's row: what checking liveness costs over safety on the benchmark
 * (v3, 3 vCPUs, 2 suspends): every property (one thread, the model's
 * fairness) against its safety properties alone, both with --continue so
 * that both explore every state. Runs alternate; each side keeps its best
 * time and its lowest peak RSS.
 */
function liveness(): void {
  const p = { ...params, vcpus: 3, suspends: 2 };
  let all: CheckRow | undefined;
  let safe: CheckRow | undefined;
  let allRss = Infinity;
  let safeRss = Infinity;
  for (let i = 0; i < runs; i++) {
    const a = clockcheck(['--continue'], 'every property', p, 3600, { property: 'all', accept: [0, 1] });
    if (!all || a.seconds < all.seconds) all = a;
    allRss = Math.min(allRss, a.rssBytes ?? NaN);
    const b = clockcheck(['--continue'], 'safety', p, 3600, { property: 'safety', accept: [0, 1] });
    if (!safe || b.seconds < safe.seconds) safe = b;
    safeRss = Math.min(safeRss, b.rssBytes ?? NaN);
  }
  console.log('');
  console.log(
    `liveness against safety: ${design} vcpus=3 suspends=2, one thread, the model's fairness, --continue${runs > 1 ? `, best of ${runs}, runs alternating` : ''}`,
  );
  console.log('');
  console.log(
    table([
      ['run', 'distinct', 'transitions', 's', 'peak RSS', 'verdicts'],
      ...[all!, safe!].map((r, k) => [r.tool, fmtInt(r.distinct), fmtInt(r.transitions), r.seconds.toFixed(2), fmtMiB(k === 0 ? allRss : safeRss), r.verdicts]),
    ]),
  );
  target('time, every property over safety', all!.seconds / safe!.seconds, '<=', 3);
  target('peak RSS, every property over safety', allRss / safeRss, '<=', 3);
  if (all!.distinct !== safe!.distinct || all!.transitions !== safe!.transitions) {
    console.log('  COUNTS DIFFER between the two runs');
    process.exitCode = 1;
  } else console.log(`  same counts: ${fmtInt(all!.distinct)} states, ${fmtInt(all!.transitions)} transitions`);
}

if (!opt['no-scaling']) {
  console.log('');
  console.log(`scaling: clockcheck, 1 worker, ${design}, maxAwake=2 maxSleep=2; at most ${budget} s per run (--budget); '>' marks a run the budget cut`);
  console.log('');
  // Rows print as they finish (a full table takes minutes), so widths are fixed.
  const widths = [5, 8, 12, 6, 9, 16, 6, 12, 9];
  const line = (cells: string[]) => console.log('  ' + cells.map((c, i) => c.padStart(widths[i]!)).join('  '));
  line(['vcpus', 'suspends', 'states', 's', 'states/s', 'symmetric states', 's', 'stand for', 'reduction']);
  const cut = { full: new Set<number>(), sym: new Set<number>() };
  for (let v = 1; v <= 4; v++) {
    for (let s = 1; s <= 3; s++) {
      const p = { ...params, vcpus: v, suspends: s };
      const cell = (kind: 'full' | 'sym') => {
        if (cut[kind].has(v)) return undefined; // a smaller run of this row was already cut
        const r = clockcheck([...(kind === 'sym' ? ['--symmetry'] : []), '--max-seconds', String(budget)], kind, p, budget);
        if (!r.complete) cut[kind].add(v);
        return r;
      };
      const f = cell('full');
      const y = cell('sym');
      const states = (r: CheckRow | undefined) => (r ? `${r.complete ? '' : '>'}${fmtInt(r.distinct)}` : 'skipped');
      line([
        String(v),
        String(s),
        states(f),
        f ? f.seconds.toFixed(1) : '',
        f ? fmtInt(f.distinct / f.seconds) : '',
        states(y),
        y ? y.seconds.toFixed(1) : '',
        y?.unreduced !== undefined ? `${y.complete ? '' : '>'}${fmtInt(y.unreduced)}` : '',
        y && f && y.complete && f.complete ? `${(f.distinct / y.distinct).toFixed(2)}x` : '',
      ]);
    }
  }
}

if (!opt['no-simulation']) {
  console.log('');
  const r = spawnSync(process.execPath, [join(root, 'bin/run-ts.js'), join(root, 'bench/simulate.ts')], { cwd: root, stdio: 'inherit' });
  if (r.status !== 0) process.exitCode = r.status ?? 1;
}

if (!opt['no-longrun']) {
  console.log('');
  const r = spawnSync(process.execPath, [join(root, 'bin/run-ts.js'), join(root, 'bench/longrun.ts'), ...(opt['spill-quarter'] ? ['--spill-quarter'] : [])], { cwd: root, stdio: 'inherit' });
  if (r.status !== 0) process.exitCode = r.status ?? 1;
}
