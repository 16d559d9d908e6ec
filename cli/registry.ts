// Models the CLI knows by name, and loading a user's model file by path.

import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { tsImport } from 'tsx/esm/api';
import { UsageError, type ModelDefinition } from '../checker/index.js';
import diehard from '../examples/diehard.js';
import peterson from '../examples/peterson.js';
import lostUpdate from '../examples/lostUpdate.js';
import { kvmArchOf, kvmModels } from '../specs/kvm.js';

/** This module, for worker threads that must find a model by the name the user gave. */
export const registryModule = import.meta.url;

export interface NamedModel {
  readonly definition: ModelDefinition;
  /** Where it comes from, for `list`. */
  readonly group: string;
  /** A KVM model's architecture (`compare --arch`). */
  readonly arch?: string;
}

export function builtinModels(): Map<string, NamedModel> {
  const m = new Map<string, NamedModel>();
  for (const d of kvmModels) {
    const arch = kvmArchOf.get(d.name)!;
    m.set(d.name, { definition: d, group: `kvm ${arch} ${d.name.startsWith('mutant-') ? 'mutant' : 'design'}`, arch });
  }
  for (const d of [diehard, peterson, lostUpdate]) m.set(d.name, { definition: d, group: 'example' });
  return m;
}

function looksLikePath(ref: string): boolean {
  return ref.includes('/') || /\.(m?[jt]s)$/.test(ref);
}

function isModelDefinition(x: unknown): x is ModelDefinition {
  const d = x as ModelDefinition | undefined;
  return !!d && typeof d.name === 'string' && typeof d.build === 'function' && typeof d.params === 'object';
}

/** A built-in model by name, or a model file (its default export, or `model`). */
export async function resolveModel(ref: string): Promise<ModelDefinition> {
  const builtin = builtinModels().get(ref);
  if (builtin) return builtin.definition;
  if (!looksLikePath(ref)) {
    throw new UsageError(`unknown model '${ref}' (known: ${[...builtinModels().keys()].join(', ')}; or give a path to a model file)`);
  }
  const abs = resolve(ref);
  if (!existsSync(abs)) throw new UsageError(`model file not found: ${ref}`);
  let mod: Record<string, unknown>;
  try {
    // tsImport loads the file as an ES module wherever it lives, even in a
    // folder whose package.json (or lack of one) says CommonJS.
    mod = (await tsImport(pathToFileURL(abs).href, import.meta.url)) as Record<string, unknown>;
  } catch (e) {
    // esbuild says "Transform failed with 1 error:" first, the location next.
    const lines = String((e as Error).message ?? e).split('\n').map((l) => l.trim()).filter(Boolean);
    const text = /failed with/.test(lines[0] ?? '') && lines[1] ? `${lines[0]} ${lines[1]}` : lines[0];
    throw new UsageError(`cannot load model file ${ref}: ${text}`);
  }
  // A file compiled as CommonJS arrives with its exports under `default`.
  const candidates = [mod.default, mod.model, (mod.default as Record<string, unknown> | undefined)?.default, (mod.default as Record<string, unknown> | undefined)?.model];
  const def = candidates.find(isModelDefinition);
  if (!def) throw new UsageError(`model file ${ref} has no model: export default defineModel({...})`);
  return def;
}

/**
 * A digest of a model's sources, for checkpoints (a model changed since one
 * was taken is refused): a model file's bytes, or, for a built-in model, the
 * sources of every built-in model (model/, specs/, examples/). A change in a
 * file that a user's model file imports is not seen here; the checker adds
 * the texts of the model's own functions.
 */
export function modelSourceDigest(ref: string): string {
  const h = createHash('sha256');
  if (!builtinModels().has(ref)) {
    h.update(readFileSync(resolve(ref), 'latin1'));
    return h.digest('hex');
  }
  for (const folder of ['model', 'specs', 'examples']) {
    const root = fileURLToPath(new URL(`../${folder}/`, import.meta.url));
    if (!existsSync(root)) continue;
    const files = (readdirSync(root, { recursive: true }) as string[]).filter((f) => /\.[cm]?[jt]s$/.test(f) && !/\.test\.[jt]s$/.test(f)).sort();
    for (const f of files) h.update(`${folder}/${f}\0`).update(readFileSync(join(root, f), 'latin1'));
  }
  return h.digest('hex');
}
