import { backend } from '../../tensor/backend-registry.ts';
import type { AdamStepScalars } from '../../tensor/optimizer-kernels.ts';
import type { Parameter } from '../layer.ts';
import { Optimizer, type OptimizerOptions } from './optimizer.ts';

export interface AdamOptions extends OptimizerOptions {
  beta1?: number;
  beta2?: number;
  eps?: number;
}

/**
 * Adam (Kingma & Ba 2015) exactly as PyTorch's torch.optim.Adam (amsgrad off; weight decay as L2
 * added to the gradient, not AdamW's decoupled decay):
 *   g = ∇ + weightDecay·p
 *   m = β1·m + (1 − β1)·g,   v = β2·v + (1 − β2)·g²
 *   p −= (lr / (1 − β1ᵗ)) · m / (√v / √(1 − β2ᵗ) + eps)
 * Slots `m` and `v` are the first and second moments. The loop is the backend's `adamStep` kernel
 * (src/tensor/optimizer-kernels.ts, and vectorised in the native addon); both compute in float64.
 */
export class Adam extends Optimizer {
  protected readonly kind = 'Adam';
  readonly beta1: number;
  readonly beta2: number;
  readonly eps: number;
  /** The kernel's scalars, refreshed per step (one object, so a step allocates nothing). */
  private readonly scalars: { -readonly [K in keyof AdamStepScalars]: AdamStepScalars[K] };

  constructor(parameters: readonly Parameter[], options: AdamOptions) {
    super(parameters, options, ['m', 'v']);
    this.beta1 = options.beta1 ?? 0.9;
    this.beta2 = options.beta2 ?? 0.999;
    this.eps = options.eps ?? 1e-8;
    for (const [what, beta] of [
      ['beta1', this.beta1],
      ['beta2', this.beta2],
    ] as const) {
      if (!(beta >= 0 && beta < 1)) throw new Error(`dniflow/nn: Adam needs ${what} in [0, 1), got ${beta}`);
    }
    if (!(this.eps > 0)) throw new Error(`dniflow/nn: Adam needs eps > 0, got ${this.eps}`);
    this.scalars = {
      beta1: this.beta1,
      beta2: this.beta2,
      eps: this.eps,
      weightDecay: this.weightDecay,
      stepSize: 0,
      invSqrtCorrection2: 0,
    };
  }

  protected update(index: number, lr: number, t: number): void {
    const s = this.scalars;
    s.stepSize = lr / (1 - this.beta1 ** t);
    s.invSqrtCorrection2 = 1 / Math.sqrt(1 - this.beta2 ** t);
    backend().adamStep(
      this.parameters[index].value.data,
      this.parameters[index].grad.data,
      this.slots[0][index].data,
      this.slots[1][index].data,
      s,
    );
  }
}
