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
 * Slots `m` and `v` are the first and second moments.
 */
export class Adam extends Optimizer {
  protected readonly kind = 'Adam';
  readonly beta1: number;
  readonly beta2: number;
  readonly eps: number;

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
  }

  protected update(index: number, lr: number, t: number): void {
    const p = this.parameters[index].value.data;
    const grad = this.parameters[index].grad.data;
    const m = this.slots[0][index].data;
    const v = this.slots[1][index].data;
    const { beta1, beta2, eps } = this;
    const decay = this.weightDecay;
    const stepSize = lr / (1 - beta1 ** t);
    const invSqrtCorrection2 = 1 / Math.sqrt(1 - beta2 ** t);
    const n = p.length;
    for (let i = 0; i < n; i++) {
      const g = grad[i] + decay * p[i];
      const mi = beta1 * m[i] + (1 - beta1) * g;
      const vi = beta2 * v[i] + (1 - beta2) * g * g;
      m[i] = mi;
      v[i] = vi;
      p[i] -= (stepSize * mi) / (Math.sqrt(vi) * invSqrtCorrection2 + eps);
    }
  }
}
