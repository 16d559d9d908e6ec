// Worker threads start here: they need tsx's loader to import the TypeScript
// engine and model files, whatever loader the main thread was started with.
import { register } from 'tsx/esm/api';

register();
const { startWorker } = await import('./worker.ts');
startWorker();
