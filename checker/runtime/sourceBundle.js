// Bundling TypeScript sources into one JavaScript file with esbuild (tsx's
// own compiler), as the command line (bin/cli-bundle.js) and worker threads
// (workerBundle.ts) start from. Plain JavaScript: the command line loads it
// before it can load any TypeScript.
//
// `import.meta.url` in each source is replaced by that source's own URL, so a
// path written next to a source (package.json, a worker script, the cache
// folder) means in the bundle what it means in the source.

import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

// A pattern, not the plain words: this file is itself bundled into the
// command line, and the plain words here would be rewritten like any other.
const META_URL = /\bimport\.meta\.url\b/g;

/** A short content hash, for cache file names and source fingerprints. */
export function digest(data) {
  return createHash('sha256').update(data).digest('hex').slice(0, 24);
}

/**
 * Bundle from `entry` (a path) or from `stdin` (an entry's source text,
 * resolved from `resolveDir`). Returns the code and, for every source read,
 * its path and the digest of its bytes.
 */
export async function bundleSources({ entry, stdin, resolveDir }) {
  const esbuild = await import('esbuild');
  const inputs = new Map();
  const out = await esbuild.build({
    ...(entry !== undefined
      ? { entryPoints: [entry] }
      : { stdin: { contents: stdin, resolveDir, loader: 'js', sourcefile: 'bundle-entry.js' } }),
    bundle: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    // Packages stay imports, resolved from the cache folder inside node_modules.
    packages: 'external',
    write: false,
    logLevel: 'silent',
    plugins: [
      {
        name: 'source-meta-url',
        setup(b) {
          b.onLoad({ filter: /\.[cm]?[jt]s$/ }, (args) => {
            const bytes = readFileSync(args.path);
            inputs.set(args.path, digest(bytes));
            const contents = bytes.toString('utf8').replace(META_URL, JSON.stringify(pathToFileURL(args.path).href));
            return { contents, loader: /\.[cm]?ts$/.test(args.path) ? 'ts' : 'js' };
          });
        },
      },
    ],
  });
  return { code: out.outputFiles[0].text, inputs };
}

/** Write `text` to `file` through a temporary file, so no reader sees half of it. */
export function writeAtomic(file, text) {
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, text);
  renameSync(tmp, file);
}

/** Store `code` in `dir` as `<prefix>-<content hash>.mjs` (once) and return its path. */
export function storeBundle(dir, prefix, code) {
  const file = join(dir, `${prefix}-${digest(code)}.mjs`);
  if (!existsSync(file)) {
    mkdirSync(dir, { recursive: true });
    writeAtomic(file, code);
  }
  return file;
}
