// Parallel BFS must give exactly what one thread gives: the same counts,
// verdicts and counterexample lengths, and the same errors.
import { describe, expect, it } from 'vitest';
import { fileURLToPath } from 'node:url';
import { check, checkModel, checkParallel, compileModel, safetyOnly, selectProperties, UsageError, type CheckResult, type ModelDefinition } from '../index.js';
import diehard from '../../examples/diehard.js';
import peterson from '../../examples/peterson.js';
import { registryModule, resolveModel } from '../../cli/registry.js';

const exampleSource = (file: string) => ({ module: fileURLToPath(new URL(`../../examples/${file}`, import.meta.url)) });

function summary(r: CheckResult) {
  return {
    distinct: r.stats.distinct,
    transitions: r.stats.transitions,
    depth: r.stats.depth,
    complete: r.complete,
    verdicts: r.properties.map((p) => [p.name, p.verdict, p.trace?.actions.length ?? -1]),
    coverage: r.coverage.map((c) => [c.label, c.count]),
  };
}

/** One thread and several on the same model, safety properties only (the liveness graph is one thread's: see check.ts). */
async function both(def: ModelDefinition, source: { module: string; export?: string; args?: string[] }, params: Record<string, number>, workers: number, continueAfterViolation = true) {
  const m = safetyOnly(compileModel(def, params));
  const one = check(m, { continueAfterViolation });
  const many = await checkParallel(m, source, { workers, continueAfterViolation });
  return { one, many };
}

describe('checkParallel', () => {
  it('peterson with 2 and 3 workers: same counts and verdicts as one thread', async () => {
    for (const workers of [2, 3]) {
      const { one, many } = await both(peterson, exampleSource('peterson.ts'), {}, workers);
      expect(summary(many)).toEqual(summary(one));
      expect(many.stats.distinct).toBe(20);
      expect(many.stats.workers).toBe(workers);
    }
  });

  it('diehard: the shortest counterexample stays shortest and replays to big=4', async () => {
    const { one, many } = await both(diehard, exampleSource('diehard.ts'), {}, 2);
    expect(summary(many)).toEqual(summary(one));
    const t = many.properties[0]!.trace!;
    expect(t.actions.length).toBe(6);
    const last = compileModel(diehard, {}).layout.view();
    last.bind(t.states.at(-1)!, 0);
    expect((last as unknown as { big: number }).big).toBe(4);
    expect(t.actions.map((a) => a.label)).toEqual(one.properties[0]!.trace!.actions.map((a) => a.label));
  });

  it('a KVM design through the registry: same states, transitions and verdicts', async () => {
    const def = await resolveModel('v3');
    const source = { module: registryModule, export: 'resolveModel', args: ['v3'] };
    const { one, many } = await both(def, source, { vcpus: 2, suspends: 2 }, 2);
    expect(summary(many)).toEqual(summary(one));
    expect(many.properties.some((p) => p.verdict === 'violated')).toBe(true);
  });

  it('stops at the first violation with the same shortest trace when not asked to continue', async () => {
    const def = await resolveModel('baseline');
    const source = { module: registryModule, export: 'resolveModel', args: ['baseline'] };
    const { one, many } = await both(def, source, { vcpus: 2, suspends: 1 }, 2, false);
    const firstViolated = (r: CheckResult) => r.properties.filter((p) => p.verdict === 'violated').map((p) => [p.name, p.trace!.actions.length]);
    expect(firstViolated(many).length).toBeGreaterThan(0);
    // Level-synchronous: the violation is found at the same BFS level.
    expect(Math.min(...firstViolated(many).map((v) => v[1] as number))).toBe(Math.min(...firstViolated(one).map((v) => v[1] as number)));
  });

  it('workers started through tsx instead of the bundle give the same result', async () => {
    process.env.CLOCKCHECK_WORKER_BUNDLE = '0';
    try {
      const { one, many } = await both(peterson, exampleSource('peterson.ts'), { swapped: 1 }, 2);
      expect(summary(many)).toEqual(summary(one));
    } finally {
      delete process.env.CLOCKCHECK_WORKER_BUNDLE;
    }
  });

  it('shared table: states kept aside past the quota and stored after the level give the same result', async () => {
    // growAhead: false leaves the table at its first size until quotas run
    // out, so most levels end with states kept aside and a settle phase.
    const def = await resolveModel('v3');
    const params = { vcpus: 2, suspends: 2 };
    const source = { module: registryModule, export: 'resolveModel', args: ['v3'] };
    const m = safetyOnly(compileModel(def, params));
    const one = check(m, { continueAfterViolation: true });
    for (const workers of [2, 3]) {
      const many = await checkParallel(m, source, { workers, continueAfterViolation: true, growAhead: false });
      expect(summary(many)).toEqual(summary(one));
    }
    // v3 at its defaults (every design now takes KVM's own PM_SUSPEND_PREPARE clock-update request: kvm_set_guest_paused).
    expect(one.stats.distinct).toBe(66588);
  });

  it('the partitioned engine (exact mode, or CLOCKCHECK_PARALLEL=partitioned) gives the same result', async () => {
    const def = await resolveModel('v3');
    const params = { vcpus: 2, suspends: 1 };
    const source = { module: registryModule, export: 'resolveModel', args: ['v3'] };
    const m = safetyOnly(compileModel(def, params));
    const exactOne = check(m, { continueAfterViolation: true, exact: true });
    const exactMany = await checkParallel(m, source, { workers: 2, continueAfterViolation: true, exact: true });
    expect(summary(exactMany)).toEqual(summary(exactOne));
    expect(exactMany.exact).toBe(true);
    process.env.CLOCKCHECK_PARALLEL = 'partitioned';
    try {
      const { one, many } = await both(def, source, params, 3);
      expect(summary(many)).toEqual(summary(one));
    } finally {
      delete process.env.CLOCKCHECK_PARALLEL;
    }
  });

  it('a depth bound cuts the search at the same level, with the same unknown verdicts', async () => {
    const def = await resolveModel('v3');
    const params = { vcpus: 2 };
    const m = safetyOnly(compileModel(def, params));
    const one = check(m, { continueAfterViolation: true, maxDepth: 9 });
    const many = await checkParallel(m, { module: registryModule, export: 'resolveModel', args: ['v3'] }, { workers: 3, continueAfterViolation: true, maxDepth: 9 });
    expect(summary(many)).toEqual(summary(one));
    expect(many.complete).toBe(false);
    expect(many.properties.filter((p) => p.verdict === 'unknown').length).toBeGreaterThan(0);
  });

  it('keeps the property selection of the main thread', async () => {
    const m = selectProperties(compileModel(peterson, {}), []);
    const r = await checkParallel(m, exampleSource('peterson.ts'), { workers: 2 });
    expect(r.properties.map((p) => p.name)).toEqual([]);
    expect(r.stats.distinct).toBe(20);
  });

  it('rejects fewer than 2 workers and depth-first search', async () => {
    const m = compileModel(peterson, {});
    await expect(checkParallel(m, exampleSource('peterson.ts'), { workers: 1 })).rejects.toThrow(UsageError);
    await expect(checkParallel(m, exampleSource('peterson.ts'), { workers: 2, strategy: 'dfs' })).rejects.toThrow(/breadth-first only/);
  });

  it('refuses liveness properties, whose graph one thread records, with one line', async () => {
    const m = compileModel(peterson, {});
    await expect(checkParallel(m, exampleSource('peterson.ts'), { workers: 2 })).rejects.toThrow(
      /property waitLeadsToCritical cannot be checked by several workers/,
    );
  });

  it('a worker that cannot load the model fails the run with its message', async () => {
    const m = safetyOnly(compileModel(peterson, {}));
    await expect(checkParallel(m, { module: exampleSource('peterson.ts').module, export: 'nothing' }, { workers: 2 })).rejects.toThrow(/export nothing is not a model definition/);
  });
});

describe('selectProperties', () => {
  it('keeps only the named properties and rejects unknown names', () => {
    const m = compileModel(peterson, {});
    const all = m.properties.map((p) => p.name);
    expect(all.length).toBeGreaterThan(1);
    const picked = selectProperties(m, [all.at(-1)!]);
    expect(picked.properties.map((p) => p.name)).toEqual([all.at(-1)]);
    expect(() => selectProperties(m, ['noSuchProperty'])).toThrow(/noSuchProperty/);
  });
});
