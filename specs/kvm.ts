// The KVM suspend-time model of each design on each architecture, with its
// properties, as checkable model definitions named after the design.

import { defineModel, modelOf, type Layout, type ModelDefinition } from '../checker/index.js';
import { architectures } from '../model/index.js';
import type { Design } from '../model/core/design.js';
import { guestBoot, guestMono, kvmActions, kvmFairness, kvmStuttering, quiescent, type AnyArch } from '../model/core/machine.js';
import { hostBoot, HostPhase, ReadPath, VcpuPc, type CoreState, type Ctx } from '../model/core/state.js';
import { defaultsRef } from './configs.js';
import { kvmProperties } from './properties.js';

// The parameters (sizes and premises) are each architecture's
// (model/arch/*.ts). Ranges reach 12 vCPUs and 8 suspends for random
// simulation, which does not enumerate the space; exhaustive checks stay
// practical near the defaults only (docs/performance.md, "How cost grows").

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function kvmModel(arch: AnyArch, d: Design<any, any>): ModelDefinition {
  return defineModel({
    name: d.name,
    family: 'kvm-suspend-time',
    description: d.summary,
    params: arch.params,
    build(params) {
      const p = params as unknown as Ctx['p'];
      const b = arch.bounds(p, d);
      const c: Ctx = { p, b, n: p.vcpus };
      // Each architecture's own state, which has every shared field (CoreState).
      // eslint-disable-next-line @typescript-eslint/no-explicit-any
      const layout = arch.layout(p, b) as Layout<any>;
      return modelOf(layout, {
        init: arch.init(c, d),
        actions: kvmActions(arch, d, c),
        properties: kvmProperties(arch, c),
        fairness: kvmFairness(arch, d, c),
        stuttering: kvmStuttering(arch, d, c),
        deadlock: {
          legalEnd: (s) => quiescent(arch, d, s),
          doc: 'no reachable state is stuck: something other than a bare vCPU exit or re-entry, a clock read or a tick can still happen, unless nothing is left in flight',
        },
        // vCPUs 1..n-1 are interchangeable: every per-vCPU step is the same
        // code for each, and no field holds a vCPU's index. vCPU 0 is not: on
        // x86 the vDSO reads its page, on arm64 its virtual timer is the one
        // observed, and guest suspend/resume runs on it.
        symmetry: { array: 'vcpu', from: 1 },
        explain(b, a, x) {
          const [before, after] = [b as unknown as CoreState, x as unknown as CoreState];
          if (a.family !== 'readClock') return arch.explain?.(before, c, a.family, a.args, after);
          const path = a.args[1] === ReadPath.vdso ? 'vDSO' : 'kernel';
          const dm = after.lastMono - before.lastMono;
          const da = after.lastAwake - before.lastAwake;
          return `${path} read on vCPU ${a.args[0]}: MONO=${after.lastMono} BOOT=${after.lastBoot} (MONO ${dm >= 0 ? '+' : ''}${dm} over ${da} awake)`;
        },
        observe(view) {
          const s = view as unknown as CoreState;
          const o: Record<string, number | boolean> = {
            'host.mono': s.hostAwake,
            'host.boot': hostBoot(s),
            // Tasks frozen: from the freezer to the thaw, the sleep in between.
            'host.suspended': s.hostPhase === HostPhase.frozen || s.hostPhase === HostPhase.resumed,
            'read.mono': s.lastMono,
            'read.boot': s.lastBoot,
          };
          for (let i = 0; i < p.vcpus; i++) {
            if (s.vcpu[i]!.pc !== VcpuPc.guest) continue;
            if (!s.guestBooted) continue;
            o[`mono@${i}`] = guestMono(arch, s, c, i, ReadPath.kernel);
            o[`boot@${i}`] = guestBoot(arch, s, c, i, ReadPath.kernel);
            arch.observeVcpu?.(s, c, i, o);
          }
          arch.observe?.(s, c, o);
          return o;
        },
      });
    },
  });
}

/** The architecture of each KVM model, by name. */
export const kvmArchOf: ReadonlyMap<string, string> = new Map(architectures.flatMap(({ arch, designs }) => designs.map((d) => [d.name, arch.name] as const)));

/** Every design on its architecture, architectures in the order model/index.ts lists them. */
export const kvmModels: readonly ModelDefinition[] = architectures.flatMap(({ arch, designs }) => designs.map((d) => kvmModel(arch, d)));

/** The architectures' names, in that order. */
export const kvmArchNames: readonly string[] = architectures.map((a) => a.arch.name);

for (const m of kvmModels) defaultsRef.defaults.set(m.name, Object.fromEntries(Object.entries(m.params).map(([k, v]) => [k, v.default])));
