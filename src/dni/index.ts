/** dniflow/dni: synthetic-gradient and synthetic-input models and their learning rules (named re-exports only). */

export { appendChannelMasks, appendOneHot, checkContext } from './context.ts';
export { createSyntheticModel, type SyntheticModelFactoryOptions } from './factory.ts';
export { FutureGradientHead, type FutureGradientOptions } from './future-gradient.ts';
export { l2Regression } from './l2-regression.ts';
export {
  buildModelStack,
  type ModelStack,
  type ModelStackOptions,
  type ResolvedModelSpec,
  resolveModelSpec,
} from './model-stack.ts';
export { DEFAULT_MAX_PENDING, RegressionModel, type RegressionModelOptions } from './regression-model.ts';
export {
  DEFAULT_CONV_MODEL,
  DEFAULT_SYNTHETIC_OPTIMIZER,
  type OptimizerSpec,
  type SyntheticModelSpec,
} from './spec.ts';
export { SyntheticGradientModel, type SyntheticGradientOptions } from './synthetic-gradient.ts';
export { SyntheticInputModel, type SyntheticInputOptions } from './synthetic-input.ts';
export type {
  SyntheticContext,
  SyntheticLearnResult,
  SyntheticModel,
  SyntheticModelState,
} from './synthetic-model.ts';
