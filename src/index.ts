/** dniflow's public API: define networks, train them, read their metrics. */

export { sharedCorpus } from './data/text.ts';
export {
  defineGraph,
  type GraphDefinition,
  ParamError,
  type ParamSpec,
  type ParamValues,
  resolveParams,
  type TrainingDefaults,
} from './graph/define.ts';
export {
  backprop,
  type DniSpec,
  dni,
  type InterfaceSpec,
  METHODS,
  type Method,
  methodInterface,
  type OptimizerSpec,
  STALE_GRADIENT_TARGETS,
  type StaleGradientSpec,
  type StaleGradientTarget,
  type SyntheticInputSpec,
  type SyntheticModelSpec,
  staleGradient,
  stopGradient,
  syntheticInput,
  unlock,
} from './graph/interfaces.ts';
export {
  avgPool2d,
  batchNorm,
  conv2d,
  flatten,
  type LayerSpec,
  linear,
  lstm,
  maxPool2d,
  relu,
  sigmoid,
  tanh,
} from './graph/layers.ts';
export { LrScheduleError, parseLrSchedule, type StepSchedule } from './graph/lr-schedule.ts';
export {
  type EdgeSpec,
  type LossKind,
  type Network,
  type NetworkAttributes,
  NetworkBuilder,
  type NodeSpec,
  network,
} from './graph/network.ts';
export { STREAM_DATASETS, type StreamDataset } from './graph/recurrent.ts';
export { networkFromJSON, networkToJSON } from './graph/serialize.ts';
export { DATASET_TRAINING_EXAMPLES, STALE_GRADIENT_MAX_BYTES } from './graph/stale-gradient.ts';
export { type NetworkPlan, validateNetwork } from './graph/validate.ts';
export {
  DivergenceError,
  GraphEngine,
  InterruptedError,
  ManualClock,
  ResumeMismatchError,
  RunDirectoryError,
  readCheckpoint,
  runGraph,
} from './runtime/index.ts';
export type { EpochMetrics, TrainEvent } from './runtime/trainer.ts';
export type { Shape } from './tensor/tensor.ts';
