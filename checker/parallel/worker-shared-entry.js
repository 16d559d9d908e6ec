// Shared-table search workers start here when no bundle could be made: they
// need tsx's loader to import the TypeScript engine and model files.
import { register } from 'tsx/esm/api';

register();
const { startSharedWorker } = await import('./sharedWorker.ts');
startSharedWorker();
