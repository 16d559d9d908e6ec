// Worker threads started through tsx spend about half a second each loading
// the TypeScript modules (a loader thread per worker, a transform per file),
// which costs more CPU than a whole small search. So the main thread bundles
// the worker and the model's module into one JavaScript file with esbuild
// (tsx's own compiler) once, caches it by content, and starts the workers on
// it. If that fails for any reason (no esbuild, a read-only folder), workers
// start through tsx as before.

import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { ModelSource } from './parallelProtocol.js';

const here = dirname(fileURLToPath(import.meta.url));
const cacheDir = join(here, '..', 'node_modules', '.cache', 'clockcheck');
const memo = new Map<string, URL | null>();

/** The URL of a bundled search worker for this model source, or null to use the tsx entry. */
export function bundledWorker(source: ModelSource): Promise<URL | null> {
  return bundledScript(join(here, 'worker.ts'), 'startWorker', source.module);
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
    const esbuild = await import('esbuild');
    const code = [
      `import * as model from ${JSON.stringify(modulePath)};`,
      `import { ${start} } from ${JSON.stringify(entry)};`,
      `${start}(model);`,
    ].join('\n');
    const out = await esbuild.build({
      stdin: { contents: code, resolveDir: here, loader: 'js', sourcefile: 'worker-bundle-entry.js' },
      bundle: true,
      format: 'esm',
      platform: 'node',
      target: 'node20',
      // Packages stay imports, resolved from the cache folder inside node_modules.
      packages: 'external',
      write: false,
      logLevel: 'silent',
    });
    const bundle = out.outputFiles[0]!.text;
    const file = join(cacheDir, `worker-${createHash('sha256').update(bundle).digest('hex').slice(0, 16)}.mjs`);
    if (!existsSync(file)) {
      mkdirSync(cacheDir, { recursive: true });
      const tmp = `${file}.${process.pid}.tmp`;
      writeFileSync(tmp, bundle);
      renameSync(tmp, file);
    }
    url = pathToFileURL(file);
  } catch {
    url = null;
  }
  memo.set(key, url);
  return url;
}
