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
import { defaultsRef } from './configs.js';
import { kvmProperties } from './properties.js';

// Ranges reach 12 vCPUs and 8 suspends for random simulation, which does not
// enumerate the space; 12 is the most whose vCPUs 1..n-1 symmetry (state/
// symmetry.ts) can count orbits for. Exhaustive checks stay practical near
// the defaults only (docs/performance.md, "How cost grows").
export const kvmParams = {
  vcpus: { default: 2, min: 1, max: 12, doc: 'number of vCPUs (vCPU 0 holds the page the vDSO reads)' },
  suspends: { default: 2, min: 0, max: 8, doc: 'host suspends (successful or failed) in a run' },
  maxAwake: { default: 2, min: 0, max: 6, doc: 'host awake ticks in a run' },
  maxSleep: { default: 2, min: 1, max: 4, doc: 'longest single suspend, in ticks (each lasts 1..maxSleep)' },
  jumpTolerance: { default: 0, min: 0, max: 4, doc: 'ticks MONOTONIC may advance beyond host awake time (mono-no-jump)' },
  tscGranularity: { default: 1, min: 1, max: 4, doc: 'TSC adjustment unit in ticks (kvmclock moves by 1); >1 shows the ms truncation' },
  canFail: { default: 1, min: 0, max: 1, doc: '1: a suspend may fail after PM_SUSPEND_PREPARE' },
  vdso: { default: 1, min: 0, max: 1, doc: '1: observers also read through the vDSO (vCPU 0 page)' },
} as const;

export type KvmParamName = keyof typeof kvmParams;

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
        init: kvmInit,
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
            o[`mono@${i}`] = guestMono(s, i, ReadPath.kernel);
            o[`boot@${i}`] = guestBoot(s, i, ReadPath.kernel);
            if (p.vdso && i !== 0) o[`vdso.mono@${i}`] = guestMono(s, i, ReadPath.vdso);
          }
          return o;
        },
      });
    },
  });
}

export const kvmModels: readonly ModelDefinition<KvmParamName>[] = designs.map(kvmModel);
