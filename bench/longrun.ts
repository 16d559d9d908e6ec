// The long-run section of `npm run bench` (also on its own:
// `node bin/run-ts.js bench/longrun.ts [--vcpus 3] [--suspends 2] [--runs 1] [--no-checkpoints] [--no-cli] [--no-spill] [--spill-quarter]`;
// `npm run bench -- --spill-quarter` passes the last one on).
//
// Checkpoints (check --checkpoint / --resume) on v3 at 3 vCPUs and 2
// suspends, safety properties alone and every property (the liveness graph
// goes into the checkpoint too), one thread, --continue so that every state
// is explored:
//   - a checkpoint taken once half the states are expanded: its size per stored
//     state, the time to write it, the time to load it back (read, checksum,
//     visited set rebuilt), and the run resumed from it against the
//     uninterrupted one (counts must be equal; exit 1 if not);
//   - the command line with a checkpoint every second against none: what
//     periodic checkpoints cost a run.
// The disk (check --spill, command line, safety properties, --continue):
//   - v3 at the same size in memory, then with --spill and a budget halfway
//     between the process's baseline and the run's peak, so that it moves
//     to disk at about half its states: the slowdown;
//   - with --spill-quarter (opt in: about 6 minutes here), v3 at 4 vCPUs and
//     2 suspends in memory (46.5 M states, 1.3 GiB), then with --spill and
//     --max-memory a quarter of the peak it had in memory.
// Figures only, apart from the counts (exit 1 if a run differs).

import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { check, CheckSession, compileModel, selectProperties, safetyOnly, type CheckOptions, type CompiledModel } from '../checker/index.js';
import { Checkpointer, checkpointIdentity, resumeSession } from '../checker/checkpoint/checkpoint.js';
import { kvmModels } from '../specs/kvm.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const { values: opt } = parseArgs({
  options: {
    vcpus: { type: 'string', default: '3' },
    suspends: { type: 'string', default: '2' },
    runs: { type: 'string', default: '1' },
    'no-cli': { type: 'boolean', default: false },
    'no-spill': { type: 'boolean', default: false },
    'no-checkpoints': { type: 'boolean', default: false },
    'spill-quarter': { type: 'boolean', default: false },
  },
});
const params = { vcpus: Number(opt.vcpus), suspends: Number(opt.suspends) };
const runs = Number(opt.runs);
const v3 = kvmModels.find((m) => m.name === 'v3')!;
const full = compileModel(v3, params);
const fmtInt = (n: number) => Math.round(n).toLocaleString('en-US');
const mib = (b: number) => `${(b / 2 ** 20).toFixed(1)} MiB`;

function table(rows: string[][]): string {
  const w = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return rows.map((r) => '  ' + r.map((c, i) => (i === 0 ? c.padEnd(w[i]!) : c.padStart(w[i]!))).join('  ')).join('\n');
}

const work = mkdtempSync(join(tmpdir(), 'clockcheck-longrun-'));
let bad = false;

interface Row {
  what: string;
  states: number;
  whole: number;
  firstHalf: number;
  write: number;
  bytes: number;
  at: number;
  load: number;
  secondHalf: number;
}

function halfway(what: string, m: CompiledModel, opts: CheckOptions): Row {
  let best: Row | undefined;
  check(m, opts); // warm up: the first run of a model pays for compiling its code
  for (let k = 0; k < runs; k++) {
    const t0 = performance.now();
    const whole = check(m, opts);
    const wholeSeconds = (performance.now() - t0) / 1000;
    const dir = join(work, `${what.replace(/\W+/g, '-')}-${k}`);
    const t1 = performance.now();
    let s: CheckSession | undefined = new CheckSession(m, opts);
    s.run(Math.floor(whole.stats.distinct / 2));
    const firstHalf = (performance.now() - t1) / 1000;
    const written = new Checkpointer(dir).write(s, checkpointIdentity(m, opts));
    s = undefined; // as a process that stopped: its memory is let go before the resume
    const { session, seconds: load } = resumeSession(dir, m, opts);
    const t2 = performance.now();
    session.run();
    const r = session.result();
    const secondHalf = (performance.now() - t2) / 1000;
    rmSync(dir, { recursive: true, force: true });
    const same =
      r.stats.distinct === whole.stats.distinct &&
      r.stats.transitions === whole.stats.transitions &&
      r.stats.depth === whole.stats.depth &&
      r.properties.every((p, i) => p.verdict === whole.properties[i]!.verdict && p.trace?.actions.length === whole.properties[i]!.trace?.actions.length);
    if (!same) {
      console.log(`  ${what}: THE RESUMED RUN DIFFERS from the uninterrupted one`);
      bad = true;
    }
    const row = { what, states: whole.stats.distinct, whole: wholeSeconds, firstHalf, write: written.seconds, bytes: written.bytes, at: written.states, load, secondHalf };
    if (!best || row.whole < best.whole) best = row;
  }
  return best!;
}

function checkpointSection(): void {
  console.log(`checkpoints: v3 vcpus=${params.vcpus} suspends=${params.suspends}, one thread, --continue; a checkpoint once half the states are expanded, then resumed${runs > 1 ? `; best of ${runs}` : ''}`);
  console.log('');
  const rows = [
    halfway('safety', safetyOnly(full), { continueAfterViolation: true }),
    halfway('every property', full, { continueAfterViolation: true }),
  ];
  console.log(
    table([
      ['properties', 'states', 'whole run s', 'checkpoint at', 'size', 'B/state', 'write s', 'load s', 'halves + write + load s', 'over the whole'],
      ...rows.map((r) => {
        const sum = r.firstHalf + r.write + r.load + r.secondHalf;
        return [
          r.what,
          fmtInt(r.states),
          r.whole.toFixed(2),
          fmtInt(r.at),
          mib(r.bytes),
          (r.bytes / r.at).toFixed(1),
          r.write.toFixed(3),
          r.load.toFixed(3),
          sum.toFixed(2),
          `${(((sum - r.whole) / r.whole) * 100).toFixed(0)}%`,
        ];
      }),
    ]),
  );
  if (!bad) console.log(`  resumed runs equal to the uninterrupted ones (states, transitions, depth, verdicts, counterexample lengths)`);

  if (!opt['no-cli']) {
    // The command line, as a user runs it: no checkpoint against one every second.
    const cli = (extra: string[]) => {
      const args = [join(root, 'bin/clockcheck.js'), 'check', 'v3', '-p', `vcpus=${params.vcpus}`, '-p', `suspends=${params.suspends}`, '--property', 'safety', '--continue', '--json', '--quiet', ...extra];
      const t0 = performance.now();
      const r = spawnSync(process.execPath, args, { encoding: 'utf8', maxBuffer: 1 << 28 });
      const seconds = (performance.now() - t0) / 1000;
      const j = JSON.parse(r.stdout);
      return { seconds, distinct: j.stats.distinct as number, written: (j.checkpoint?.written ?? 0) as number };
    };
    let plain = Infinity;
    let every = Infinity;
    let written = 0;
    for (let k = 0; k < Math.max(runs, 2); k++) {
      plain = Math.min(plain, cli([]).seconds);
      const c = cli(['--checkpoint', join(work, `cli-${k}`), '--checkpoint-every', '1']);
      if (c.seconds < every) {
        every = c.seconds;
        written = c.written;
      }
    }
    console.log('');
    console.log(`  command line, safety, best of ${Math.max(runs, 2)} (runs alternating): no checkpoint ${plain.toFixed(2)} s; a checkpoint every second ${every.toFixed(2)} s (${written} written), ${(((every - plain) / plain) * 100).toFixed(0)}% more`);
  }
}

if (!opt['no-checkpoints']) checkpointSection();
if (!opt['no-spill']) spillSection();
rmSync(work, { recursive: true, force: true });
if (bad) process.exitCode = 1;

/** check --spill against the run in memory, through the command line (which runs --spill in a child: cli/respawn.ts). */
function spillSection(): void {
  interface Run {
    seconds: number;
    peak: number;
    counts: string;
    spill?: { atStates: number | null; tableBytes: number; diskPeakBytes: number; diskWrittenBytes: number; merges: number; neededBytes?: number };
  }
  // Peak RSS from GNU time when it is installed: the process's own figure
  // (stats.peakRssBytes) starts from this script's size, which a child
  // forked from it inherits until it execs.
  const gnuTime = existsSync('/usr/bin/time') ? '/usr/bin/time' : undefined;
  const marker = '@@bench-rss ';
  const cli = (p: { vcpus: number; suspends: number }, extra: string[]): Run => {
    const args = [join(root, 'bin/clockcheck.js'), 'check', 'v3', '-p', `vcpus=${p.vcpus},suspends=${p.suspends}`, '--property', 'safety', '--continue', '--json', '--quiet', ...extra];
    const [file, argv] = gnuTime ? [gnuTime, ['-f', `${marker}%M`, process.execPath, ...args]] : [process.execPath, args];
    const t0 = performance.now();
    const r = spawnSync(file, argv, { encoding: 'utf8', maxBuffer: 1 << 28 });
    const seconds = (performance.now() - t0) / 1000;
    const j = JSON.parse(r.stdout);
    const at = r.stderr.lastIndexOf(marker);
    const peak = at >= 0 ? Number(r.stderr.slice(at + marker.length).trim()) * 1024 : j.stats.peakRssBytes;
    const counts = JSON.stringify([
      j.complete,
      j.stats.distinct,
      j.stats.transitions,
      j.stats.depth,
      j.properties.map((q: { verdict: string; trace?: { steps: { action: string }[] } }) => [q.verdict, q.trace?.steps.map((s) => s.action)]),
      j.coverage,
    ]);
    return { seconds, peak, counts, ...(j.stats.spill ? { spill: j.stats.spill } : {}) };
  };
  const compare = (what: string, mem: Run, disk: Run, budget: number) => {
    const d = disk.spill!;
    const same = mem.counts === disk.counts;
    if (!same) bad = true;
    console.log(
      table([
        ['', 'seconds', 'peak RSS', 'budget', 'moved at', 'tables', 'disk peak', 'written', 'merges'],
        ['in memory', mem.seconds.toFixed(1), mib(mem.peak), '', '', '', '', '', ''],
        [
          '--spill',
          disk.seconds.toFixed(1),
          mib(disk.peak),
          mib(budget),
          d.atStates === null ? 'never' : fmtInt(d.atStates),
          mib(d.tableBytes),
          mib(d.diskPeakBytes),
          mib(d.diskWrittenBytes),
          String(d.merges),
        ],
      ]),
    );
    console.log(
      `  ${what}: ${(disk.seconds / mem.seconds).toFixed(2)}x the time in memory, peak RSS ${((disk.peak / budget) * 100).toFixed(0)}% of the budget; ` +
        (same ? 'the same states, transitions, depth, verdicts, counterexamples and coverage' : 'THE COUNTS DIFFER from the run in memory') +
        (d.neededBytes !== undefined ? `; STOPPED: the budget needs at least ${mib(d.neededBytes)}` : ''),
    );
  };

  console.log('');
  console.log(`the disk (check --spill): v3 vcpus=${params.vcpus} suspends=${params.suspends}, safety, --continue, one thread, command line; best of ${Math.max(runs, 1)}`);
  // The process's own size: a run of a few states.
  const baseline = cli({ vcpus: 1, suspends: 1 }, []).peak;
  let mem: Run | undefined;
  let disk: Run | undefined;
  let budget = 0;
  for (let k = 0; k < Math.max(runs, 1); k++) {
    const m = cli(params, []);
    if (!mem || m.seconds < mem.seconds) mem = m;
    budget = Math.floor(baseline + (mem.peak - baseline) / 2);
    const dir = join(work, `spill-${k}`);
    const d = cli(params, ['--max-memory', String(budget), '--spill', dir]);
    if (!disk || d.seconds < disk.seconds) disk = d;
  }
  console.log(`  the process alone: ${mib(baseline)} peak RSS; the budget: halfway from it to the peak in memory`);
  compare('a run that fits in memory, with a budget halfway to its peak', mem!, disk!, budget);

  if (!opt['spill-quarter']) {
    console.log('  (--spill-quarter: v3 4x2 with a quarter of the memory it needs, about 6 minutes)');
    return;
  }
  const big = { vcpus: 4, suspends: 2 };
  console.log('');
  console.log(`  v3 vcpus=${big.vcpus} suspends=${big.suspends}, safety, --continue: in memory, then with --spill and a quarter of that peak`);
  const bigMem = cli(big, []);
  const quarter = Math.floor(bigMem.peak / 4);
  const bigDisk = cli(big, ['--max-memory', String(quarter), '--spill', join(work, 'spill-quarter')]);
  compare('a quarter of the memory', bigMem, bigDisk, quarter);
}
