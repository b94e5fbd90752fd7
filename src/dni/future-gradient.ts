import type { Prng } from '../tensor/prng.ts';
import type { Shape } from '../tensor/tensor.ts';
import { RegressionModel } from './regression-model.ts';
import type { OptimizerSpec, SyntheticModelSpec } from './spec.ts';

export interface FutureGradientOptions {
  /** Default 'linear'. */
  spec?: SyntheticModelSpec;
  /** Per-sample shape of the carried state h_t (and of the synthetic gradient T steps ahead). */
  shape: Shape;
  prng: Prng;
  optimizer?: OptimizerSpec;
  /** Default 'future'. */
  name?: string;
  maxPending?: number;
}

/**
 * The DNI+Aux head (paper §3.2, DESIGN item 8): from the state h_t at a window boundary, predict the
 * synthetic gradient δ̂_{t+T} that the SG model will produce at the next boundary. Its target is that
 * next synthetic gradient. Unlike the SG regression, this auxiliary loss is meant to shape the core,
 * so after `learn` the caller adds `inputGradient()` (∂aux-loss/∂h_t, scaled as it likes) to the
 * gradient it backpropagates through the window. Zero-initialised output layer, like the SG model.
 */
export class FutureGradientHead extends RegressionModel {
  constructor(options: FutureGradientOptions) {
    super({
      name: options.name ?? 'future',
      spec: options.spec ?? 'linear',
      inputShape: options.shape,
      outputShape: options.shape,
      prng: options.prng,
      optimizer: options.optimizer,
      maxPending: options.maxPending,
    });
  }
}
