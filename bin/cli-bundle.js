// Start-up without a build step and without paying for it on every run.
//
// Loading the command line through tsx costs about 0.35 s before any work
// starts (a loader thread, a transform per TypeScript file), which is a tenth
// of a benchmark run and most of a small check. So the first run bundles
// cli/run.ts and everything it imports into one JavaScript file
// (checker/runtime/sourceBundle.js, which keeps `import.meta.url` meaning each
// source's own URL), and later runs import that file, after checking that
// every source it was built from still has the content it was built from.
// If anything goes wrong (no esbuild, a read-only folder), the caller falls
// back to tsx.
// CLOCKCHECK_BUNDLE=0 turns the bundle off.

import { existsSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { bundleSources, digest, storeBundle, writeAtomic } from '../checker/runtime/sourceBundle.js';

const clockcheckRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** Every recorded input still hashes to what it did when the bundle was built. */
function upToDate(root, cacheDir, manifest) {
  for (const [file, hash] of Object.entries(manifest.inputs)) {
    let text;
    try {
      text = readFileSync(join(root, file));
    } catch {
      return false;
    }
    if (digest(text) !== hash) return false;
  }
  return existsSync(join(cacheDir, manifest.bundle));
}

/**
 * Remove this entry's bundles over an hour old, except those in `keep`: the
 * new one and the one the manifest named until now, which a process that
 * read the old manifest a moment ago may be about to import.
 */
function prune(cacheDir, slug, keep) {
  for (const f of readdirSync(cacheDir)) {
    if (!f.startsWith(`${slug}-`) || !f.endsWith('.mjs') || keep.includes(f)) continue;
    const file = join(cacheDir, f);
    if (Date.now() - statSync(file).mtimeMs > 3600_000) rmSync(file, { force: true });
  }
}

async function build(root, entry, slug, cacheDir, manifestFile) {
  const { code, inputs } = await bundleSources({ entry: join(root, entry) });
  const file = storeBundle(cacheDir, slug, code);
  const bundle = relative(cacheDir, file);
  let previous = '';
  try {
    previous = JSON.parse(readFileSync(manifestFile, 'utf8')).bundle;
  } catch {
    // No manifest yet, or an unreadable one: nothing to keep for it.
  }
  const sources = Object.fromEntries([...inputs].map(([path, hash]) => [relative(root, path), hash]));
  writeAtomic(manifestFile, JSON.stringify({ bundle, inputs: sources }));
  prune(cacheDir, slug, [bundle, previous]);
  return file;
}

/**
 * The URL of an up-to-date bundle of the command line, or null to start
 * through tsx. `root` and `entry` (relative to it) name another program, for
 * tests.
 */
export async function cliBundle(root = clockcheckRoot, entry = 'cli/run.ts') {
  if (process.env.CLOCKCHECK_BUNDLE === '0') return null;
  const cacheDir = join(root, 'node_modules', '.cache', 'clockcheck');
  const slug = entry.replace(/[^A-Za-z0-9]+/g, '-');
  const manifestFile = join(cacheDir, `${slug}-manifest.json`);
  try {
    if (existsSync(manifestFile)) {
      const manifest = JSON.parse(readFileSync(manifestFile, 'utf8'));
      if (upToDate(root, cacheDir, manifest)) return pathToFileURL(join(cacheDir, manifest.bundle));
    }
    return pathToFileURL(await build(root, entry, slug, cacheDir, manifestFile));
  } catch {
    return null;
  }
}
