// Messages between the main thread and the workers of a parallel search, and
// how a worker finds the model: it cannot receive functions, so it imports
// the module the model comes from and builds the model again itself.

import type { MessagePort } from 'node:worker_threads';
import type { ModelDefinition } from '../model.js';
import type { StopReason } from '../result.js';
import type { Violation } from '../search/explore.js';

/**
 * Where a worker gets the model definition: `module` (a URL or absolute
 * path) and its export `export` (default: `default`). The export is either
 * a ModelDefinition or a function returning one (or a promise of one) when
 * called with `args`: a registry's lookup by name, say.
 */
export interface ModelSource {
  readonly module: string;
  readonly export?: string;
  readonly args?: readonly (string | number | boolean)[];
}

/** What every worker of either engine is told at start. */
export interface WorkerSetupBase {
  readonly source: ModelSource;
  readonly params: Readonly<Record<string, number>>;
  /** Names of the properties the main thread checks. */
  readonly properties: readonly string[];
  readonly index: number;
  readonly workers: number;
  readonly words: number;
  readonly instances: number;
  readonly symmetry: boolean;
  readonly maxStates?: number;
  readonly maxSeconds?: number;
  readonly maxMemoryBytes?: number;
}

/** Setup of a worker of the partitioned search (worker.ts). */
export interface WorkerSetup extends WorkerSetupBase {
  readonly exact: boolean;
  /** peers[w]: this worker's end of its channel to worker w (undefined for itself). */
  readonly peers: readonly (MessagePort | undefined)[];
  /** One Int32 per worker, bumped after each message posted to it, so a worker can sleep until one arrives. */
  readonly signal: SharedArrayBuffer;
}

/** A batch of successors from one worker to their owner, in the current level. */
export interface Chunk {
  readonly buf: ArrayBuffer;
  /** Words used in `buf`. */
  readonly length: number;
  /** The sender's last batch of this level. */
  readonly last: boolean;
}

/** Setup of a worker of the shared-table search (sharedWorker.ts). */
export interface SharedWorkerSetup extends WorkerSetupBase {
  /** The visited set's first table (sharedset.ts). */
  readonly table: SharedArrayBuffer;
  /** Int32 [0]: the next unit of the frontier to claim. */
  readonly control: SharedArrayBuffer;
}

/** States stored by one worker in one level, in the order of their local ids. */
export interface FrontierChunk {
  readonly buf: SharedArrayBuffer;
  readonly count: number;
  readonly worker: number;
  /** Local id of the first state. */
  readonly first: number;
}

export type ToSharedWorker =
  | { t: 'init'; quota: number }
  | { t: 'level'; depth: number; probe: boolean; frontier: readonly FrontierChunk[]; table: SharedArrayBuffer; quota: number }
  | { t: 'settle'; depth: number; table: SharedArrayBuffer }
  | { t: 'finish' };

export interface WorkerSummary {
  readonly distinct: number;
  readonly transitions: number;
  readonly unreducedDistinct: number;
  readonly unreducedTransitions: number;
  readonly depth: number;
  /** States stored and queued for the next level. */
  readonly pending: number;
  readonly truncated: boolean;
  readonly stopReason?: StopReason;
  /** Per property: the first violation this worker saw (state ids are global). */
  readonly violations: readonly (Violation | null)[];
  /** Shared-table search: new states kept aside because the worker's quota ran out. */
  readonly overflow?: number;
  /** Shared-table search: the states this worker stored since its last answer. */
  readonly chunks?: readonly FrontierChunk[];
}

export type ToWorker =
  | { t: 'init' }
  | { t: 'level'; depth: number; probe: boolean }
  | { t: 'finish' };

export type FromWorker =
  | { t: 'ready' }
  | { t: 'progress'; distinct: number; transitions: number; queue: number }
  | { t: 'level'; summary: WorkerSummary }
  | {
      t: 'records';
      /** The worker's own record arrays, transferred whole (no copy at the end of a run). */
      parents: ArrayBuffer;
      via: ArrayBuffer;
      /** Bytes per entry of `via`: 2 or 4. */
      viaBytes: number;
      length: number;
      coverage: number[];
      visitedBytes: number;
      parentBytes: number;
      frontierPeak: number;
      summary: WorkerSummary;
    }
  | { t: 'error'; name: string; message: string };

function isModelDefinition(x: unknown): x is ModelDefinition {
  const d = x as ModelDefinition | undefined;
  return !!d && typeof d === 'object' && typeof d.name === 'string' && typeof d.build === 'function';
}

export async function loadModelDefinition(source: ModelSource, preloaded?: Record<string, unknown>): Promise<ModelDefinition> {
  const mod = preloaded ?? ((await import(source.module)) as Record<string, unknown>);
  const name = source.export ?? 'default';
  let found: unknown = mod[name];
  if (typeof found === 'function' && !isModelDefinition(found)) found = await (found as (...a: unknown[]) => unknown)(...(source.args ?? []));
  if (!isModelDefinition(found)) throw new Error(`${source.module}: export ${name} is not a model definition`);
  return found;
}
