// The start-up bundle: rebuilt when a source changes, import.meta.url kept
// per source file, and the tsx path still there when bundling is off.
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
// @ts-expect-error: a plain JavaScript module without type declarations
import { cliBundle } from './cli-bundle.js';
import { run } from '../cli/test-support.js';

const runBundle = (url: URL) => spawnSync(process.execPath, [fileURLToPath(url)], { encoding: 'utf8' }).stdout.trim();

describe('start-up bundle', () => {
  it('is rebuilt when a source it was built from changes, and reused while none does', async () => {
    const root = mkdtempSync(join(tmpdir(), 'clockcheck-bundle-'));
    try {
      mkdirSync(join(root, 'src', 'lib'), { recursive: true });
      writeFileSync(join(root, 'src', 'main.ts'), `import { word } from './lib/word.js';\nconsole.log(word(), new URL('.', import.meta.url).pathname);\n`);
      writeFileSync(join(root, 'src', 'lib', 'word.ts'), `export const word = (): string => 'first';\n`);
      const first: URL = await cliBundle(root, 'src/main.ts');
      expect(first).not.toBeNull();
      // import.meta.url is the source file's own, not the bundle's.
      expect(runBundle(first)).toBe(`first ${join(root, 'src')}/`);
      expect((await cliBundle(root, 'src/main.ts')).href).toBe(first.href);

      writeFileSync(join(root, 'src', 'lib', 'word.ts'), `export const word = (): string => 'second';\n`);
      const second: URL = await cliBundle(root, 'src/main.ts');
      expect(second.href).not.toBe(first.href);
      expect(runBundle(second)).toBe(`second ${join(root, 'src')}/`);
      const cacheDir = join(root, 'node_modules', '.cache', 'clockcheck');
      const name = (u: URL) => fileURLToPath(u).split('/').pop()!;
      expect(readdirSync(cacheDir).sort()).toEqual(['src-main-ts-manifest.json', name(first), name(second)].sort());

      // A rebuild removes bundles over an hour old, but keeps the one the
      // manifest named until then (a process may be about to import it).
      const twoHoursAgo = new Date(Date.now() - 2 * 3600_000);
      for (const u of [first, second]) utimesSync(fileURLToPath(u), twoHoursAgo, twoHoursAgo);
      writeFileSync(join(root, 'src', 'lib', 'word.ts'), `export const word = (): string => 'third';\n`);
      const third: URL = await cliBundle(root, 'src/main.ts');
      expect(runBundle(third)).toBe(`third ${join(root, 'src')}/`);
      expect(readdirSync(cacheDir).sort()).toEqual(['src-main-ts-manifest.json', name(second), name(third)].sort());
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  it('gives null, so the command line starts through tsx, when the entry cannot be bundled', async () => {
    const root = mkdtempSync(join(tmpdir(), 'clockcheck-bundle-'));
    try {
      writeFileSync(join(root, 'main.ts'), `import { missing } from './nowhere.js';\nconsole.log(missing);\n`);
      expect(await cliBundle(root, 'main.ts')).toBeNull();
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  it('the command line gives the same answers through tsx (CLOCKCHECK_BUNDLE=0)', () => {
    const bundled = run('check', 'peterson', '--param', 'swapped=1');
    const viaTsx = spawnSync(process.execPath, [fileURLToPath(new URL('./clockcheck.js', import.meta.url)), 'check', 'peterson', '--param', 'swapped=1'], {
      encoding: 'utf8',
      env: { ...process.env, NO_COLOR: '1', CLOCKCHECK_BUNDLE: '0' },
    });
    expect(viaTsx.status).toBe(1);
    expect(bundled.code).toBe(1);
    // Equal apart from timings and memory figures.
    const stable = (s: string) => s.replace(/[\d.,]+ (s|ms|MiB|KiB|B\/state|states\/s)\b/g, '#');
    expect(stable(viaTsx.stdout)).toBe(stable(bundled.stdout));
  });
});
