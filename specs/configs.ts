// Check configurations: for each design variant and parameter set, the
// verdict expected for every property, with a one-line reason. Tests run
// every configuration; `clockcheck compare` marks any verdict that differs.

import type { Verdict } from '../checker/index.js';

export interface Expectation {
  readonly verdict: Verdict;
  /** Length of the shortest counterexample, where it is pinned. */
  readonly steps?: number;
  readonly why: string;
}

export interface CheckConfig {
  readonly name: string;
  readonly variant: string;
  /** Parameters that differ from the defaults in specs/kvm.ts. */
  readonly params: Readonly<Record<string, number>>;
  readonly expect: Readonly<Record<string, Expectation>>;
}

export const configs: readonly CheckConfig[] = [];

/** The expectations recorded for a variant at fully resolved parameters. */
export function expectationFor(variant: string, resolved: Readonly<Record<string, number>>): Record<string, Expectation> | undefined {
  const { kvmDefaults } = defaultsRef;
  for (const c of configs) {
    if (c.variant !== variant) continue;
    const full = { ...kvmDefaults, ...c.params };
    if (Object.keys(resolved).every((k) => full[k] === resolved[k])) return c.expect;
  }
  return undefined;
}

// Filled by specs/kvm.ts to avoid an import cycle.
export const defaultsRef: { kvmDefaults: Record<string, number> } = { kvmDefaults: {} };
