#!/usr/bin/env node
// Runs the TypeScript sources without a build step: from a bundle made on the
// first run and remade whenever a source changes (cli-bundle.js), or through
// tsx's loader if no bundle can be made. Users' TypeScript models are loaded
// through tsx either way (cli/registry.ts).
// `check --spill` on glibc runs in a child started with an allocator setting
// (bin/respawn.js), before anything else is loaded here.
import { needsRespawn, respawn } from './respawn.js';

if (needsRespawn(process.argv.slice(2))) process.exitCode = await respawn();
else {
  const { cliBundle } = await import('./cli-bundle.js');
  const bundle = await cliBundle();
  if (bundle) await import(bundle.href);
  else {
    const { register } = await import('tsx/esm/api');
    register();
    await import('../cli/run.ts');
  }
}
