// Symmetry reduction on the KVM model is only sound if vCPUs 1..n-1 really are
// interchangeable in every design. Check it where it can fail: the orbit sums
// of the reduced search must equal the unreduced counts, with the same
// verdicts and counterexample lengths, on every design and mutant. (Safety
// properties only: liveness is not checked under symmetry, see
// docs/liveness.md.)
import { describe, expect, it } from 'vitest';
import { check, checkParallel, compileModel, safetyOnly, type CheckResult } from '../checker/index.js';
import { registryModule } from '../cli/registry.js';
import { kvmModels } from './kvm.js';
import { traceFileOf } from '../traces/format.js';
import { replayTrace } from '../traces/replay.js';

const params = { vcpus: 3, suspends: 1 };
const verdicts = (r: CheckResult) => r.properties.map((p) => [p.name, p.verdict, p.trace?.actions.length ?? 0]);

describe('KVM symmetry reduction (vCPUs 1..n-1)', () => {
  for (const def of kvmModels) {
    it(`${def.name}: orbit sums equal the full counts; same verdicts and trace lengths`, () => {
      const m = safetyOnly(compileModel(def, params));
      const full = check(m, { continueAfterViolation: true });
      const red = check(m, { continueAfterViolation: true, symmetry: true });
      expect(red.stats.unreduced).toEqual({ distinct: full.stats.distinct, transitions: full.stats.transitions });
      expect(red.stats.distinct).toBeLessThan(full.stats.distinct);
      expect(verdicts(red)).toEqual(verdicts(full));
    });
  }

  it('counterexamples found with symmetry are runs of the model: each replays to its violation', () => {
    for (const name of ['v3', 'mutant-vm-adjust-per-vcpu']) {
      const def = kvmModels.find((d) => d.name === name)!;
      const m = safetyOnly(compileModel(def, { vcpus: 3, suspends: 2 }));
      const red = check(m, { continueAfterViolation: true, symmetry: true });
      const traces = red.properties.filter((p) => p.trace);
      expect(traces.length).toBeGreaterThan(2);
      for (const p of traces) {
        const file = traceFileOf(m, { name: def.name, family: def.family, source: def.name }, p.trace!, 'test', p.doc);
        const r = replayTrace(file, def, true);
        expect(r.outcome).toEqual({ kind: 'reproduced', step: p.trace!.actions.length, steps: p.trace!.actions.length });
      }
    }
    // mutant-vm-adjust-per-vcpu here is 5.9 million orbits (5.2 million before the PM_SUSPEND_PREPARE
    // clock update): about 85 s alone on one core, past 120 s when the suite shares the machine.
  }, 300_000);

  it('v3 with 2 workers: the reduced counts and verdicts of one thread', async () => {
    const def = kvmModels.find((d) => d.name === 'v3')!;
    const m = safetyOnly(compileModel(def, params));
    const one = check(m, { continueAfterViolation: true, symmetry: true });
    const two = await checkParallel(m, { module: registryModule, export: 'resolveModel', args: ['v3'] }, { workers: 2, continueAfterViolation: true, symmetry: true });
    expect(two.stats.distinct).toBe(one.stats.distinct);
    expect(two.stats.transitions).toBe(one.stats.transitions);
    expect(two.stats.unreduced).toEqual(one.stats.unreduced);
    expect(verdicts(two)).toEqual(verdicts(one));
  });

  it('v3 at 4 vCPUs stores far fewer states (3! orbits of vCPUs 1..3)', () => {
    const m = safetyOnly(compileModel(kvmModels.find((d) => d.name === 'v3')!, { vcpus: 4, suspends: 1, maxAwake: 1 }));
    const full = check(m, { continueAfterViolation: true });
    const red = check(m, { continueAfterViolation: true, symmetry: true });
    expect(red.stats.unreduced!.distinct).toBe(full.stats.distinct);
    expect(full.stats.distinct / red.stats.distinct).toBeGreaterThan(3);
  });
});
