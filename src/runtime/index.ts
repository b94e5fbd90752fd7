/** dniflow/runtime: engines, schedulers, the trainer and checkpoints (named re-exports only). */
export type { AsyncScheduleOptions, ModuleTimes } from './async-schedule.ts';
export { OutputWriteError } from './atomic-write.ts';
export { BackpropEngine } from './backprop-engine.ts';
export { type Checkpoint, readCheckpoint, writeCheckpoint } from './checkpoint.ts';
export { type Clock, ManualClock } from './clock.ts';
export { loadSourceData, type TrainTestData } from './datasets.ts';
export type { ModuleReport, StepEngine, StepReport } from './engine.ts';
export { type EdgeTraffic, GraphEngine, type InterfaceStepMetric } from './graph-engine.ts';
export { type ModuleContext, type ModuleEvent, moduleMachine } from './module-machine.ts';
export { ModuleProcess, type ModuleWiring, type Outbound } from './module-process.ts';
export { ResumeMismatchError, type RunIdentity } from './resume.ts';
export { prepareRun, type RunOptions, type RunResult, runGraph } from './run.ts';
export { RunDirectoryError } from './run-directory.ts';
export type { RunStatus } from './run-output.ts';
export {
  DEFAULT_MAX_LOSS,
  DivergenceError,
  type EpochMetrics,
  type InterfaceEpochMetrics,
  InterruptedError,
  type TrainEvent,
  type TrainerOptions,
  type TrainerStart,
  testError,
  train,
} from './trainer.ts';
export { PlacementError } from './workers/placement.ts';
export { WorkerEngine, WorkerFailedError, type WorkerOptions } from './workers/worker-engine.ts';
