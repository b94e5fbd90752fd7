import type { Prng } from '../tensor/prng.ts';
import type { Shape } from '../tensor/tensor.ts';
import { RegressionModel } from './regression-model.ts';
import type { OptimizerSpec, SyntheticModelSpec } from './spec.ts';

export interface SyntheticGradientOptions {
  /** 'linear', an MLP `{ hidden, batchNorm }`, or a conv stack ('conv' / `{ convLayers, channels, kernel }`). */
  spec: SyntheticModelSpec;
  /** Per-sample shape of the activation h_A, and so of δ̂_A: [D] or [C, H, W]. */
  shape: Shape;
  /** cDNI (paper §3.1): condition on the one-hot label of `classes` classes. */
  context?: { classes: number };
  /** Hidden layers' He-normal weights come from named streams of this PRNG. */
  prng: Prng;
  /** The model's own optimiser (default Adam, lr 1e-4). */
  optimizer?: OptimizerSpec;
  /** Parameter-name prefix and error label (default 'sg'). */
  name?: string;
  /** Pending predictions kept for asynchronous learns (default 32; the lowest step is evicted). */
  maxPending?: number;
}

/**
 * M_B(h_A, c) ≈ δ_A = ∂L/∂h_A (paper §2, §3.1). The output layer starts at exactly zero (weights and
 * bias), so the first synthetic gradient is exactly zero and the sender is not pushed by an untrained
 * model. cDNI's context is the one-hot label, concatenated for flat models and as channel masks for
 * conv models (the context follows the model's input layout: a linear/MLP model on a conv activation
 * flattens it and concatenates).
 *
 * The model predicts and regresses the *unscaled* gradient: the interface's `scale` (0.1 for the
 * paper's RNNs, §3.2) is applied by the caller (the `dni` operator) to what it sends to the sender.
 * See RegressionModel for buffer ownership, BatchNorm mode and the asynchronous learn path.
 */
export class SyntheticGradientModel extends RegressionModel {
  constructor(options: SyntheticGradientOptions) {
    super({
      name: options.name ?? 'sg',
      spec: options.spec,
      inputShape: options.shape,
      outputShape: options.shape,
      classes: options.context?.classes ?? 0,
      prng: options.prng,
      optimizer: options.optimizer,
      maxPending: options.maxPending,
    });
  }
}
