import type { Prng } from '../tensor/prng.ts';
import type { Shape } from '../tensor/tensor.ts';
import { RegressionModel } from './regression-model.ts';
import type { OptimizerSpec, SyntheticModelSpec } from './spec.ts';

export interface FutureGradientOptions {
  /** Default 'linear'. */
  spec?: SyntheticModelSpec;
  /** Per-sample shape of what the head reads (h at the window's first tick). */
  inputShape: Shape;
  /** Per-sample shape of the synthetic gradient it predicts (on the carried state (h, c)). */
  outputShape: Shape;
  prng: Prng;
  optimizer?: OptimizerSpec;
  /** Default 'future'. */
  name?: string;
  maxPending?: number;
}

/**
 * The DNI+Aux head (paper §3.2, DESIGN item 8): early in a window, predict the synthetic gradient
 * δ̂_{t+T} that the SG model will produce at the window's end. Its target is that synthetic gradient.
 * Unlike the SG regression, this auxiliary loss is meant to shape the core, so after `learn` the
 * caller adds `inputGradient()` (∂aux-loss/∂input) to the gradient it backpropagates through the
 * window. It therefore reads a state computed inside the window (h after the first tick: the carried
 * state itself belongs to the previous window, whose backward pass is over). Zero-initialised output
 * layer, like the SG model.
 */
export class FutureGradientHead extends RegressionModel {
  constructor(options: FutureGradientOptions) {
    super({
      name: options.name ?? 'future',
      spec: options.spec ?? 'linear',
      inputShape: options.inputShape,
      outputShape: options.outputShape,
      prng: options.prng,
      optimizer: options.optimizer,
      maxPending: options.maxPending,
    });
  }
}
