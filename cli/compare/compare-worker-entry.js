// `compare --workers` threads start here when no bundle could be made: they
// need tsx's loader to import the TypeScript modules.
import { register } from 'tsx/esm/api';

register();
const { startCompareWorker } = await import('./compareWorker.ts');
startCompareWorker();
