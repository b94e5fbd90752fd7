import type { Prng } from '../tensor/prng.ts';
import type { Shape } from '../tensor/tensor.ts';
import { RegressionModel } from './regression-model.ts';
import type { OptimizerSpec, SyntheticModelSpec } from './spec.ts';

export interface SyntheticInputOptions {
  /** 'linear' or an MLP `{ hidden, batchNorm }`; a conv stack when x and h_A share height and width. */
  spec: SyntheticModelSpec;
  /** Per-sample shape of the network input x, e.g. [1, 28, 28] or [784]. */
  inputShape: Shape;
  /** Per-sample shape of the activation h_A it stands in for. */
  outputShape: Shape;
  prng: Prng;
  /** The model's own optimiser (default Adam, lr 1e-4). */
  optimizer?: OptimizerSpec;
  /** Parameter-name prefix and error label (default 'si'). */
  name?: string;
  maxPending?: number;
  /**
   * Zero the output layer (default true). The paper does not say for synthetic inputs; we start
   * from ĥ_A = 0 as for synthetic gradients because B's weight gradients are proportional to its
   * input, so B takes no steps driven by an untrained I_B's noise, and I_B's first learn still
   * moves its output layer (its gradient is 2(ĥ − h)·(last hidden)ᵀ, not zero).
   */
  zeroFinal?: boolean;
}

/**
 * I_B(x) ≈ h_A (paper §3.1, "complete unlock"): predicts the activation B would receive from the
 * network input x, so that B can run forward before A has. `predict(step, x)` ignores any context
 * (labels would not be available to the real forward path at test time); `learn(step, h_A)`
 * regresses onto the real activation when it arrives. Same contract as the synthetic-gradient
 * model otherwise (see RegressionModel).
 */
export class SyntheticInputModel extends RegressionModel {
  constructor(options: SyntheticInputOptions) {
    super({
      name: options.name ?? 'si',
      spec: options.spec,
      inputShape: options.inputShape,
      outputShape: options.outputShape,
      prng: options.prng,
      optimizer: options.optimizer,
      maxPending: options.maxPending,
      zeroFinal: options.zeroFinal ?? true,
    });
  }
}
