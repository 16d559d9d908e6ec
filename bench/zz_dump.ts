import { check, compileModel } from '../checker/index.js';
import { kvmModels } from '../specs/kvm.js';
const [name, ...kv] = process.argv.slice(2);
const def = kvmModels.find((d) => d.name === name)!;
const params = Object.fromEntries(kv.map((x) => { const [k, v] = x.split('='); return [k!, Number(v)]; }));
const m = compileModel(def, params);
const rows: string[] = [];
check({ ...m, invariants: [], stepProperties: [], properties: [], checkDeadlock: false, invariantIndex: [], stepIndex: [] }, { onState: (s) => { const o = m.layout.toObject(s) as any; rows.push(JSON.stringify([o.hostPhase, o.hostAwake, o.hostSlept, o.suspendsStarted, o.vcpu.map((v: any) => [v.pc, v.reqClockUpdate, v.pageSkew]), o.lastMono, o.lastBoot, o.lastAwake])); } });
console.log(rows.sort().join('\n'));
