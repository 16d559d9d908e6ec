// Worker threads started through tsx spend about half a second each loading
// the TypeScript modules (a loader thread per worker, a transform per file),
// which costs more CPU than a whole small search. So the main thread bundles
// the worker and the model's module into one JavaScript file once
// (sourceBundle.js), caches it by content, and starts the workers on it. If that fails for any reason (no esbuild, a read-only folder), workers
// start through tsx as before.

import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { ModelSource } from '../parallel/parallelProtocol.js';
import { bundleSources, storeBundle } from './sourceBundle.js';

const here = dirname(fileURLToPath(import.meta.url));
const cacheDir = join(here, '..', '..', 'node_modules', '.cache', 'clockcheck');
const memo = new Map<string, URL | null>();

/** The URL of a bundled search worker for this model source, or null to use the tsx entry. */
export function bundledWorker(source: ModelSource): Promise<URL | null> {
  return bundledScript(join(here, '..', 'parallel', 'worker.ts'), 'startWorker', source.module);
}

/**
 * A bundle that imports `modelModule` and calls `start(model)` from the
 * module `entry` (a path): the way any worker script here can start without
 * tsx. Null when bundling is not possible.
 */
export async function bundledScript(entry: string, start: string, modelModule: string): Promise<URL | null> {
  if (process.env.CLOCKCHECK_WORKER_BUNDLE === '0') return null;
  const modulePath = modelModule.startsWith('file:') ? fileURLToPath(modelModule) : modelModule;
  const key = `${entry}#${start}#${modulePath}`;
  const known = memo.get(key);
  if (known !== undefined) return known;
  let url: URL | null = null;
  try {
    const code = [
      `import * as model from ${JSON.stringify(modulePath)};`,
      `import { ${start} } from ${JSON.stringify(entry)};`,
      `${start}(model);`,
    ].join('\n');
    const { code: bundle } = await bundleSources({ stdin: code, resolveDir: here });
    url = pathToFileURL(storeBundle(cacheDir, 'worker', bundle));
  } catch {
    url = null;
  }
  memo.set(key, url);
  return url;
}
