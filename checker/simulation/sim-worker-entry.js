// `simulate --workers` threads start here when no bundle could be made: they
// need tsx's loader to import the TypeScript engine and model files.
import { register } from 'tsx/esm/api';

register();
const { startSimulationWorker } = await import('./simWorker.ts');
startSimulationWorker();
