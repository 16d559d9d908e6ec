// The KVM suspend-time model of each design, with its properties, as
// checkable model definitions named after the design.

import { defineModel, modelOf, type ModelDefinition } from '../checker/index.js';
import { designs, type Design } from '../model/designs.js';
import {
  boundsFor,
  kvmFairness,
  kvmInit,
  kvmStuttering,
  guestBoot,
  guestMono,
  hostBoot,
  HostPhase,
  kvmActions,
  kvmLayout,
  quiescent,
  ReadPath,
  VcpuPc,
  type Ctx,
  type KvmParams,
} from '../model/kvm.js';
import { kvmParams, type KvmParamName } from '../model/premises.js';
import { defaultsRef } from './configs.js';
import { kvmProperties } from './properties.js';

// The parameters (sizes and premises) are model/premises.ts's. Ranges reach 12
// vCPUs and 8 suspends for random simulation, which does not enumerate the
// space; exhaustive checks stay practical near the defaults only
// (docs/performance.md, "How cost grows").
export { kvmParams, type KvmParamName };

defaultsRef.kvmDefaults = Object.fromEntries(Object.entries(kvmParams).map(([k, v]) => [k, v.default]));

export function kvmModel(d: Design): ModelDefinition<KvmParamName> {
  return defineModel<KvmParamName>({
    name: d.name,
    family: 'kvm-suspend-time',
    description: d.summary,
    params: kvmParams,
    build(params) {
      const p: KvmParams = params;
      const b = boundsFor(p, d);
      const c: Ctx = { p, b, n: p.vcpus };
      const layout = kvmLayout(p, b);
      return modelOf(layout, {
        init: kvmInit(c, d),
        actions: kvmActions(d, c),
        properties: kvmProperties(d, c),
        fairness: kvmFairness(d, c),
        stuttering: kvmStuttering(d),
        deadlock: {
          legalEnd: (s) => quiescent(d, s),
          doc: 'no reachable state is stuck: something other than a bare vCPU exit or re-entry, a clock read or a tick can still happen, unless nothing is left in flight',
        },
        // vCPUs 1..n-1 are interchangeable: every per-vCPU step is the same
        // code for each, and no field holds a vCPU's index. vCPU 0 is not: the
        // vDSO reads its page and guest suspend/resume runs on it.
        symmetry: { array: 'vcpu', from: 1 },
        explain(before, a, after) {
          if (a.family !== 'readClock') return undefined;
          const path = a.args[1] === ReadPath.vdso ? 'vDSO' : 'kernel';
          const dm = after.lastMono - before.lastMono;
          const da = after.lastAwake - before.lastAwake;
          return `${path} read on vCPU ${a.args[0]}: MONO=${after.lastMono} BOOT=${after.lastBoot} (MONO ${dm >= 0 ? '+' : ''}${dm} over ${da} awake)`;
        },
        observe(s) {
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
            o[`mono@${i}`] = guestMono(s, c, i, ReadPath.kernel);
            o[`boot@${i}`] = guestBoot(s, c, i, ReadPath.kernel);
            if (p.vdso && i !== 0 && p.guestClock === 0 && s.vcpu[0]!.pageStable) o[`vdso.mono@${i}`] = guestMono(s, c, i, ReadPath.vdso);
          }
          return o;
        },
      });
    },
  });
}

export const kvmModels: readonly ModelDefinition<KvmParamName>[] = designs.map(kvmModel);
