// The model interface: what any model checked by clockcheck provides.
//
// A model is a definition with declared parameters and a `build` that turns
// parameter values into an instance: a state layout, initial states, guarded
// parameterised actions and properties. The engine compiles the instance once
// (actions expanded to instances such as `vcpuEnter(1)`, initial states
// packed) and then only works on packed words.

import { isFieldRangeError, type BlockSpec, type Layout, type StateView } from './state/layout.js';
import { ModelError, UsageError } from './errors.js';
import { Symmetry, type SymmetrySpec } from './state/symmetry.js';

export interface ParamSpec {
  readonly default: number;
  readonly min: number;
  readonly max: number;
  readonly doc: string;
}
export type Params = Readonly<Record<string, number>>;

/** One concrete action: a family applied to fixed arguments. */
export interface ActionInstance {
  readonly index: number;
  readonly family: string;
  readonly args: readonly number[];
  /** `vcpuEnter(1)`, or `tick` when there are no arguments. */
  readonly label: string;
}

/**
 * A named family of guarded steps. `over` lists each argument's domain; the
 * instances are their cartesian product. `step` edits the successor in place
 * and may return `false` to say the action is not enabled after all.
 */
export interface ActionFamily<V> {
  readonly name: string;
  readonly over?: readonly (readonly number[])[];
  readonly doc?: string;
  enabled?(s: V, a: number, b: number, c: number): boolean;
  step(s: V, a: number, b: number, c: number): void | boolean;
}

export interface InvariantProperty<V> {
  readonly kind: 'invariant';
  readonly name: string;
  readonly doc?: string;
  check(s: V): boolean;
}
export interface StepProperty<V> {
  readonly kind: 'step';
  readonly name: string;
  readonly doc?: string;
  check(before: V, action: ActionInstance, after: V): boolean;
}
export type Property<V> = InvariantProperty<V> | StepProperty<V>;
/**
 * What a property constrains: one state (`invariant`), one step (`step`), the
 * end of a run (`deadlock`), or whole infinite runs under fairness: <>p
 * (`eventually`), [](p => <>q) (`leadsTo`), []<>p (`alwaysEventually`).
 */
export type PropertyKind = 'invariant' | 'step' | 'deadlock' | 'eventually' | 'leadsTo' | 'alwaysEventually';

/** The kinds whose counterexamples are infinite runs, shown as a lasso. */
export const LIVENESS_KINDS: readonly PropertyKind[] = ['eventually', 'leadsTo', 'alwaysEventually'];

export function invariant<V>(name: string, check: (s: V) => boolean, doc?: string): InvariantProperty<V> {
  return { kind: 'invariant', name, check, ...(doc ? { doc } : {}) };
}
export function stepProperty<V>(
  name: string,
  check: (before: V, action: ActionInstance, after: V) => boolean,
  doc?: string,
): StepProperty<V> {
  return { kind: 'step', name, check, ...(doc ? { doc } : {}) };
}

/**
 * A property of infinite runs. With `over`, one instance per value k, each
 * checked on its own (the property is their conjunction): "every vCPU i
 * eventually enters" is one property over the vCPUs. `p` and `q` get k.
 *
 * - eventually(q): every fair run from an initial state reaches a q-state.
 * - leadsTo(p, q): every fair run that passes a p-state reaches a q-state
 *   then or later ([](p => <>q)).
 * - alwaysEventually(q): every fair run passes q-states forever ([]<>q).
 *
 * A run is infinite: it takes steps forever, or ends in a state where no
 * step is enabled and stays there. "Fair" is the fairness the check uses
 * (the model's `fairness` declarations unless told otherwise).
 */
export interface LivenessProperty<V> {
  readonly kind: 'eventually' | 'leadsTo' | 'alwaysEventually';
  readonly name: string;
  readonly doc?: string;
  readonly over?: readonly number[];
  /** What a value of `over` is, for people reading a counterexample ("vCPU" gives "for vCPU 1"). */
  readonly overName?: string;
  /** The trigger of `leadsTo`; true for the other kinds. */
  readonly p?: (s: V, k: number) => boolean;
  /** The goal. */
  readonly q: (s: V, k: number) => boolean;
}

export interface LivenessOptions {
  readonly doc?: string;
  /** Check one instance of the property for each of these values (passed to p and q). */
  readonly over?: readonly number[];
  /** What a value of `over` is ("vCPU"), for counterexamples. */
  readonly overName?: string;
}

function livenessOptions(o: string | LivenessOptions | undefined): LivenessOptions {
  return typeof o === 'string' ? { doc: o } : (o ?? {});
}

/** <>q: every fair run from an initial state reaches a state where q holds. */
export function eventually<V>(name: string, q: (s: V, k: number) => boolean, opts?: string | LivenessOptions): LivenessProperty<V> {
  return { kind: 'eventually', name, q, ...livenessOptions(opts) };
}

/** [](p => <>q): from every state where p holds, every fair run reaches q (then or later). */
export function leadsTo<V>(
  name: string,
  p: (s: V, k: number) => boolean,
  q: (s: V, k: number) => boolean,
  opts?: string | LivenessOptions,
): LivenessProperty<V> {
  return { kind: 'leadsTo', name, p, q, ...livenessOptions(opts) };
}

/** []<>q: on every fair run, q holds infinitely often. */
export function alwaysEventually<V>(name: string, q: (s: V, k: number) => boolean, opts?: string | LivenessOptions): LivenessProperty<V> {
  return { kind: 'alwaysEventually', name, q, ...livenessOptions(opts) };
}

/**
 * Fairness of an actor: a set of action families (one actor per value of
 * argument `per`, when given: "vCPU thread i"). Weak: if the actor stays
 * enabled forever, it takes a step infinitely often. Strong: if it is
 * enabled infinitely often, it takes a step infinitely often. An actor is
 * enabled in a state when one of its action instances is.
 */
export interface FairnessDecl {
  readonly kind: 'weak' | 'strong';
  readonly name: string;
  readonly actions: readonly string[];
  /** Split into one actor per value of this argument of the actions (0-based). */
  readonly per?: number;
  readonly doc?: string;
}

export function weakFairness(name: string, actions: readonly string[], opts: { per?: number; doc?: string } = {}): FairnessDecl {
  return { kind: 'weak', name, actions, ...opts };
}
export function strongFairness(name: string, actions: readonly string[], opts: { per?: number; doc?: string } = {}): FairnessDecl {
  return { kind: 'strong', name, actions, ...opts };
}

/**
 * Steps that do not count as progress for deadlock checking: a state whose
 * enabled steps all stutter is stuck (unless it is a legal end). Every step
 * that leaves the state unchanged stutters too.
 */
export interface StutteringDecl<V> {
  /** Families whose every step stutters (an observer's read, a tick of time). */
  readonly families?: readonly string[];
  /** Any other stuttering step (a vCPU that only re-enters the guest). */
  readonly step?: (before: V, action: ActionInstance, after: V) => boolean;
}

export interface ModelInstance<B extends BlockSpec = BlockSpec> {
  readonly layout: Layout<B>;
  /** One initial state, or several; each starts from all fields at their minimum. */
  readonly init: ((s: StateView<B>) => void) | ReadonlyArray<(s: StateView<B>) => void>;
  readonly actions: ReadonlyArray<ActionFamily<StateView<B>>>;
  readonly properties?: ReadonlyArray<Property<StateView<B>> | LivenessProperty<StateView<B>>>;
  /** Who is guaranteed to make progress, for liveness properties (see FairnessDecl). */
  readonly fairness?: readonly FairnessDecl[];
  /** Steps that are not progress, for deadlock checking (see StutteringDecl). */
  readonly stuttering?: StutteringDecl<StateView<B>>;
  /**
   * Deadlock checking: a reachable state with no enabled action is a
   * violation unless `legalEnd` accepts it. On by default.
   */
  readonly deadlock?: boolean | { readonly legalEnd: (s: StateView<B>) => boolean; readonly doc?: string };
  /** States outside the constraint are neither stored nor explored (TLC's CONSTRAINT). */
  readonly constraint?: (s: StateView<B>) => boolean;
  /** Derived values shown beside each state of a trace (e.g. clock readings). */
  readonly observe?: (s: StateView<B>) => Record<string, number | string | boolean>;
  /** A short note on a step for people reading a trace (e.g. the values a read returned). */
  readonly explain?: (before: StateView<B>, action: ActionInstance, after: StateView<B>) => string | undefined;
  /**
   * Interchangeable elements of an array, used when a check asks for symmetry
   * reduction. The model vouches that actions, properties, the constraint and
   * the set of initial states treat them alike (see symmetry.ts).
   */
  readonly symmetry?: SymmetrySpec;
}

/** Ties callbacks to the layout's field names and types. */
export function modelOf<B extends BlockSpec>(layout: Layout<B>, rest: Omit<ModelInstance<B>, 'layout'>): ModelInstance<B> {
  return { layout, ...rest };
}

export interface ModelDefinition<P extends string = string> {
  readonly name: string;
  /** Models that are variants of one system share a family name (used to name trace files). */
  readonly family?: string;
  readonly description: string;
  readonly params: Readonly<Record<P, ParamSpec>>;
  build(params: Readonly<Record<P, number>>): ModelInstance<any>;
}

/** Declare a model; `build` sees its parameters by name, already validated. */
export function defineModel<P extends string>(def: ModelDefinition<P>): ModelDefinition<P> {
  for (const [k, p] of Object.entries<ParamSpec>(def.params)) {
    if (!(p.min <= p.default && p.default <= p.max)) {
      throw new Error(`model ${def.name}: parameter ${k} default ${p.default} outside ${p.min}..${p.max}`);
    }
  }
  return def;
}

/** Fill in defaults and check every given parameter is known and in range. */
export function resolveParams(def: ModelDefinition, given: Readonly<Record<string, number>>): Params {
  const out: Record<string, number> = {};
  for (const k of Object.keys(given)) {
    if (!(k in def.params)) {
      const known = Object.keys(def.params);
      throw new UsageError(
        `model ${def.name} has no parameter '${k}'` + (known.length ? ` (known: ${known.join(', ')})` : ' (it takes none)'),
      );
    }
  }
  for (const [k, p] of Object.entries<ParamSpec>(def.params)) {
    const v = k in given ? given[k]! : p.default;
    if (!Number.isInteger(v) || v < p.min || v > p.max) {
      throw new UsageError(`parameter ${k}=${v} is out of range for model ${def.name} (${p.min}..${p.max})`);
    }
    out[k] = v;
  }
  return out;
}

export interface CompiledProperty {
  readonly name: string;
  readonly kind: PropertyKind;
  readonly doc: string;
}

/** A model instance ready for the engine: everything indexed by number. */
export interface CompiledModel {
  readonly name: string;
  readonly description: string;
  readonly params: Params;
  readonly layout: Layout<any>;
  readonly words: number;
  readonly families: ReadonlyArray<ActionFamily<any>>;
  readonly instances: readonly ActionInstance[];
  /** Family index of each instance. */
  readonly instanceFamily: Int32Array;
  /** Flat argument triples per instance (unused slots 0). */
  readonly instanceArgs: Int32Array;
  readonly inits: readonly Uint32Array[];
  readonly invariants: ReadonlyArray<InvariantProperty<any>>;
  readonly stepProperties: ReadonlyArray<StepProperty<any>>;
  readonly checkDeadlock: boolean;
  readonly legalEnd: ((s: any) => boolean) | undefined;
  readonly constraint: ((s: any) => boolean) | undefined;
  readonly observe: ((s: any) => Record<string, number | string | boolean>) | undefined;
  /** All properties in the order the model declares them, then deadlock. */
  readonly properties: readonly CompiledProperty[];
  /** Position in `properties` of each invariant and each step property. */
  readonly invariantIndex: readonly number[];
  readonly stepIndex: readonly number[];
  readonly explain: ((before: any, action: ActionInstance, after: any) => string | undefined) | undefined;
  /** The model's declared symmetry, compiled; used only when a check asks for it. */
  readonly symmetry: Symmetry | undefined;
  /** Liveness properties, in declaration order. */
  readonly liveness: ReadonlyArray<LivenessProperty<any>>;
  /** Position in `properties` of each liveness property. */
  readonly livenessIndex: readonly number[];
  /** The model's fairness declarations (compiled into actors per check: `fairnessActors`). */
  readonly fairness: readonly FairnessDecl[];
  /**
   * Stuttering steps for deadlock checking: per instance, 1 if its family
   * always stutters. Undefined when the model declares no stuttering (then
   * only a state with no enabled step is a deadlock).
   */
  readonly stutterFamilies: Uint8Array | undefined;
  readonly stutterStep: ((before: any, action: ActionInstance, after: any) => boolean) | undefined;
}

function cartesian(domains: readonly (readonly number[])[]): number[][] {
  let out: number[][] = [[]];
  for (const d of domains) out = out.flatMap((prefix) => d.map((x) => [...prefix, x]));
  return out;
}

export function actionLabel(family: string, args: readonly number[]): string {
  return args.length ? `${family}(${args.join(',')})` : family;
}

/** Build and compile a model; parameter and model-shape errors are UsageErrors. */
export function compileModel(def: ModelDefinition, given: Readonly<Record<string, number>> = {}): CompiledModel {
  const params = resolveParams(def, given);
  let inst: ModelInstance<any>;
  try {
    inst = def.build(params);
  } catch (e) {
    throw new ModelError(`model ${def.name} failed to build: ${(e as Error).message}`);
  }
  const layout = inst.layout;
  const families = inst.actions;
  const seen = new Set<string>();
  const instances: ActionInstance[] = [];
  const famIdx: number[] = [];
  const args: number[] = [];
  families.forEach((f, fi) => {
    if (seen.has(f.name)) throw new ModelError(`model ${def.name}: two action families are named ${f.name}`);
    seen.add(f.name);
    const domains = f.over ?? [];
    if (domains.length > 3) throw new ModelError(`action ${f.name}: at most 3 arguments`);
    for (const a of cartesian(domains)) {
      instances.push({ index: instances.length, family: f.name, args: a, label: actionLabel(f.name, a) });
      famIdx.push(fi);
      args.push(a[0] ?? 0, a[1] ?? 0, a[2] ?? 0);
    }
  });
  const initFns = typeof inst.init === 'function' ? [inst.init] : inst.init;
  const view = layout.view();
  const inits = initFns.map((fn, i) => {
    const w = new Uint32Array(layout.words);
    view.bind(w, 0);
    try {
      fn(view);
    } catch (e) {
      if (isFieldRangeError(e)) throw new ModelError(`initial state ${i}: ${e.message}`);
      throw new ModelError(`initial state ${i} threw: ${(e as Error).message}`);
    }
    return w;
  });
  if (inits.length === 0) throw new ModelError(`model ${def.name} has no initial state`);
  const props = inst.properties ?? [];
  const names = new Set<string>();
  for (const p of props) {
    if (names.has(p.name) || p.name === 'deadlock') throw new ModelError(`model ${def.name}: property name ${p.name} used twice`);
    names.add(p.name);
  }
  const invariants = props.filter((p): p is InvariantProperty<any> => p.kind === 'invariant');
  const stepProperties = props.filter((p): p is StepProperty<any> => p.kind === 'step');
  const liveness = props.filter((p): p is LivenessProperty<any> => LIVENESS_KINDS.includes(p.kind));
  for (const p of liveness) {
    if (typeof p.q !== 'function' || (p.kind === 'leadsTo' && typeof p.p !== 'function')) {
      throw new ModelError(`model ${def.name}: liveness property ${p.name} needs its predicate${p.kind === 'leadsTo' ? 's p and q' : ''}`);
    }
    if (p.over && p.over.length === 0) throw new ModelError(`model ${def.name}: liveness property ${p.name} has an empty 'over'`);
  }
  const familyNames = new Set(families.map((f) => f.name));
  const fairness = inst.fairness ?? [];
  for (const f of fairness) {
    for (const a of f.actions) {
      if (!familyNames.has(a)) throw new ModelError(`model ${def.name}: fairness ${f.name} names no action family '${a}'`);
    }
  }
  const stutter = inst.stuttering;
  for (const a of stutter?.families ?? []) {
    if (!familyNames.has(a)) throw new ModelError(`model ${def.name}: stuttering names no action family '${a}'`);
  }
  const stutterFamilies = stutter
    ? Uint8Array.from(instances, (i) => (stutter.families?.includes(i.family) ? 1 : 0))
    : undefined;
  const dl = inst.deadlock ?? true;
  const checkDeadlock = dl !== false;
  const legalEnd = typeof dl === 'object' ? dl.legalEnd : undefined;
  const properties: CompiledProperty[] = [
    ...props.map((p) => ({ name: p.name, kind: p.kind, doc: p.doc ?? '' })),
    ...(checkDeadlock
      ? [{ name: 'deadlock', kind: 'deadlock' as const, doc: (typeof dl === 'object' && dl.doc) || 'every reachable state has an enabled action' }]
      : []),
  ];
  return {
    name: def.name,
    description: def.description,
    params,
    layout,
    words: layout.words,
    families,
    instances,
    instanceFamily: Int32Array.from(famIdx),
    instanceArgs: Int32Array.from(args),
    inits,
    invariants,
    stepProperties,
    checkDeadlock,
    legalEnd,
    constraint: inst.constraint,
    observe: inst.observe,
    explain: inst.explain,
    symmetry: inst.symmetry ? new Symmetry(layout, inst.symmetry) : undefined,
    properties,
    invariantIndex: invariants.map((p) => props.indexOf(p)),
    stepIndex: stepProperties.map((p) => props.indexOf(p)),
    liveness,
    livenessIndex: liveness.map((p) => props.indexOf(p)),
    fairness,
    stutterFamilies,
    stutterStep: stutter?.step,
  };
}

/** Which fairness a check assumes: none, the model's declarations, or every action instance weakly or strongly fair. */
export type FairnessMode = 'none' | 'weak' | 'strong' | 'model';

/** One actor that fairness speaks of: a set of action instances. */
export interface FairActor {
  readonly name: string;
  readonly kind: 'weak' | 'strong';
  readonly instances: readonly number[];
}

/** The actors a check under `mode` treats as fair. */
export function fairnessActors(m: CompiledModel, mode: FairnessMode = 'model'): FairActor[] {
  if (mode === 'none') return [];
  if (mode === 'weak' || mode === 'strong') return m.instances.map((i) => ({ name: i.label, kind: mode, instances: [i.index] }));
  const out: FairActor[] = [];
  for (const f of m.fairness) {
    const members = m.instances.filter((i) => f.actions.includes(i.family));
    if (f.per === undefined) {
      if (members.length) out.push({ name: f.name, kind: f.kind, instances: members.map((i) => i.index) });
      continue;
    }
    const byValue = new Map<number, number[]>();
    for (const i of members) {
      const v = i.args[f.per];
      if (v === undefined) throw new ModelError(`model ${m.name}: fairness ${f.name} splits on argument ${f.per}, which ${i.family} does not have`);
      byValue.set(v, [...(byValue.get(v) ?? []), i.index]);
    }
    for (const [v, instances] of [...byValue].sort((a, b) => a[0] - b[0])) out.push({ name: `${f.name}(${v})`, kind: f.kind, instances });
  }
  return out;
}

/** Find an action instance by its label (`vcpuEnter(1)`). */
export function instanceByLabel(m: CompiledModel, label: string): ActionInstance | undefined {
  return m.instances.find((i) => i.label === label);
}

/**
 * The same model checking only the named properties (`deadlock` included),
 * as TLC's INVARIANT lines pick what a run checks. An empty list checks
 * none: plain reachability, for counting states.
 */
export function selectProperties(m: CompiledModel, names: readonly string[]): CompiledModel {
  const known = m.properties.map((p) => p.name);
  for (const n of names) {
    if (!known.includes(n)) throw new UsageError(`model ${m.name} has no property ${n} (it has: ${known.join(', ') || 'none'})`);
  }
  const keep = new Set(names);
  const invariants = m.invariants.filter((p) => keep.has(p.name));
  const stepProperties = m.stepProperties.filter((p) => keep.has(p.name));
  const liveness = m.liveness.filter((p) => keep.has(p.name));
  const properties = m.properties.filter((p) => keep.has(p.name));
  const at = (name: string) => properties.findIndex((p) => p.name === name);
  return {
    ...m,
    invariants,
    stepProperties,
    liveness,
    checkDeadlock: m.checkDeadlock && keep.has('deadlock'),
    properties,
    invariantIndex: invariants.map((p) => at(p.name)),
    stepIndex: stepProperties.map((p) => at(p.name)),
    livenessIndex: liveness.map((p) => at(p.name)),
  };
}

/**
 * The model checking only what any search can decide on its own: invariants,
 * step properties, and deadlock unless it needs the state graph (stuttering
 * declared). For depth-first, parallel and symmetric searches.
 */
export function safetyOnly(m: CompiledModel): CompiledModel {
  const graphDeadlock = m.stutterFamilies !== undefined;
  return selectProperties(
    m,
    m.properties.filter((p) => p.kind === 'invariant' || p.kind === 'step' || (p.kind === 'deadlock' && !graphDeadlock)).map((p) => p.name),
  );
}
