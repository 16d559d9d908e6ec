// The public API of the engine. Models import from here.
export * from './state/layout.js';
export * from './model.js';
export * from './result.js';
export { check, checkModel, replayInstances, assertLivenessCheckable, assertSpillable, CheckSession } from './check.js';
export { UsageError, ModelError } from './errors.js';
export { Stepper } from './search/stepper.js';
export { checkParallel, type ParallelOptions, type ModelSource } from './parallel/parallel.js';
export { judgeLasso, type LassoJudgement } from './liveness/lasso.js';
export { isStuck } from './liveness/stuck.js';
export {
  simulate,
  simulatePath,
  walkJudges,
  noteWithRuns,
  type SimulationOptions,
  type SimulationResult,
  type SimulatedProperty,
  type SimulationViolation,
} from './simulation/simulate.js';
export { simulateParallel } from './simulation/parallelSimulate.js';
