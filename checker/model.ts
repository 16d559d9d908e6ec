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

export interface ModelInstance<B extends BlockSpec = BlockSpec> {
  readonly layout: Layout<B>;
  /** One initial state, or several; each starts from all fields at their minimum. */
  readonly init: ((s: StateView<B>) => void) | ReadonlyArray<(s: StateView<B>) => void>;
  readonly actions: ReadonlyArray<ActionFamily<StateView<B>>>;
  readonly properties?: ReadonlyArray<Property<StateView<B>>>;
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
  };
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
  const properties = m.properties.filter((p) => keep.has(p.name));
  const at = (name: string) => properties.findIndex((p) => p.name === name);
  return {
    ...m,
    invariants,
    stepProperties,
    checkDeadlock: m.checkDeadlock && keep.has('deadlock'),
    properties,
    invariantIndex: invariants.map((p) => at(p.name)),
    stepIndex: stepProperties.map((p) => at(p.name)),
  };
}
