// The bundler that the command line and the workers start from.
import { describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { bundleSources, storeBundle } from './sourceBundle.js';

const root = fileURLToPath(new URL('../..', import.meta.url));

describe('source bundles', () => {
  it('give each source its own import.meta.url, also when the bundler runs from a bundle of itself', async () => {
    const src = mkdtempSync(join(tmpdir(), 'clockcheck-src-'));
    // Inside node_modules, so the bundle's `import 'esbuild'` resolves.
    const cache = join(root, 'node_modules', '.cache', `clockcheck-test-${process.pid}`);
    try {
      const file = join(src, 'where.ts');
      writeFileSync(file, `export const where: string = import.meta.url;\nconsole.log(where);\n`);
      const direct = await bundleSources({ entry: file });
      expect(direct.code).toContain(JSON.stringify(pathToFileURL(file).href));
      expect(direct.code).not.toMatch(/import\.meta\.url/);
      expect([...direct.inputs.keys()]).toEqual([file]);

      // The command line bundles this module into itself, and uses it from there.
      const self = await bundleSources({ entry: fileURLToPath(new URL('./sourceBundle.js', import.meta.url)) });
      const bundled = (await import(pathToFileURL(storeBundle(cache, 'bundler', self.code)).href)) as typeof import('./sourceBundle.js');
      const again = await bundled.bundleSources({ entry: file });
      expect(again.code).toContain(JSON.stringify(pathToFileURL(file).href));
      expect(again.code).not.toMatch(/import\.meta\.url/);
    } finally {
      rmSync(src, { recursive: true, force: true });
      rmSync(cache, { recursive: true, force: true });
    }
  });
});
