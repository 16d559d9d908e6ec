// Random small transition systems as models, for property-based tests of the
// engine against the naive explorer.

import fc from 'fast-check';
import { defineLayout, int } from '../state/layout.js';
import { defineModel, invariant, modelOf, stepProperty, type ModelDefinition } from '../model.js';

export interface GraphSpec {
  nodes: number;
  edges: { src: number; dst: number; needAux: number; setAux: number }[];
  inits: { node: number; aux: number }[];
  bad: number[];
  forbidden: number[];
  legalEnds: number[];
  excluded: number; // -1: no constraint
  deadlock: boolean;
}

export const graphSpec: fc.Arbitrary<GraphSpec> = fc.integer({ min: 1, max: 14 }).chain((nodes) => {
  const node = fc.integer({ min: 0, max: nodes - 1 });
  const aux = fc.integer({ min: 0, max: 3 });
  const anyEdge = fc.record({ src: node, dst: node, needAux: fc.integer({ min: -1, max: 3 }), setAux: fc.integer({ min: -1, max: 3 }) });
  // A spine 0 -> 1 -> ... -> k from an initial state at node 0 makes long
  // shortest paths common, so depth-dependent bugs in the engine show up.
  const spine = fc.integer({ min: 0, max: nodes - 1 }).map((k) =>
    Array.from({ length: k }, (_, i) => ({ src: i, dst: i + 1, needAux: -1, setAux: -1 })),
  );
  return fc.record({
    nodes: fc.constant(nodes),
    edges: fc.tuple(spine, fc.array(anyEdge, { maxLength: 16 })).map(([a, b]) => [...b, ...a]),
    inits: fc.tuple(aux, fc.array(fc.record({ node, aux }), { maxLength: 2 })).map(([a, rest]) => [{ node: 0, aux: a }, ...rest]),
    bad: fc.uniqueArray(node, { maxLength: 2 }),
    forbidden: fc.uniqueArray(fc.integer({ min: 0, max: 23 }), { maxLength: 2 }),
    legalEnds: fc.uniqueArray(node, { maxLength: 3 }),
    excluded: fc.integer({ min: -1, max: nodes - 1 }),
    deadlock: fc.boolean(),
  });
});

export function graphModel(g: GraphSpec, withProperties = true): ModelDefinition {
  return defineModel({
    name: 'graph',
    description: 'random transition system',
    params: {},
    build() {
      const layout = defineLayout({ node: int(0, g.nodes - 1), aux: int(0, 3) });
      const edgeIds = g.edges.map((_, j) => j);
      return modelOf(layout, {
        init: g.inits.map((i) => (s) => {
          s.node = i.node;
          s.aux = i.aux;
        }),
        actions: [
          {
            name: 'edge',
            over: [edgeIds],
            enabled: (s, j) => s.node === g.edges[j]!.src && (g.edges[j]!.needAux < 0 || s.aux === g.edges[j]!.needAux),
            step: (s, j) => {
              const e = g.edges[j]!;
              s.node = e.dst;
              if (e.setAux >= 0) s.aux = e.setAux;
            },
          },
        ],
        properties: withProperties
          ? [
              invariant('notBad', (s) => !g.bad.includes(s.node)),
              stepProperty('noForbiddenEdge', (_b, a) => !g.forbidden.includes(a.args[0]!)),
            ]
          : [],
        deadlock: withProperties && g.deadlock ? { legalEnd: (s) => g.legalEnds.includes(s.node) } : false,
        ...(g.excluded >= 0 ? { constraint: (s) => s.node !== g.excluded } : {}),
      });
    },
  });
}
