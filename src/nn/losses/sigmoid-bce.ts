import type { Tensor } from '../../tensor/tensor.ts';
import { formatShape, reuse } from '../buffers.ts';
import type { Loss } from './loss.ts';

/**
 * Binary cross-entropy on logits (PyTorch's BCEWithLogitsLoss), averaged over every element.
 * Per element, with logit x and target t ∈ [0, 1]:
 *   ℓ = max(x, 0) − x·t + log(1 + e^−|x|)
 * which never exponentiates a positive number, so it is stable for any |x|.
 * ∂ℓ/∂x = σ(x) − t, with σ evaluated per sign for the same reason.
 */
export class SigmoidBCE implements Loss<Tensor> {
  readonly name: string;
  private gradient: Tensor | null = null;

  constructor(name = 'sigmoidBce') {
    this.name = name;
  }

  forward(logits: Tensor, target: Tensor): number {
    if (logits.size !== target.size) {
      throw new Error(
        `dniflow/nn: SigmoidBCE '${this.name}' logits ${formatShape(logits.shape)} and target ${formatShape(target.shape)} differ in size`,
      );
    }
    const gradient = reuse(this.gradient, logits.shape);
    this.gradient = gradient;
    const x = logits.data;
    const t = target.data;
    const grad = gradient.data;
    const n = x.length;
    const inv = 1 / n;
    let total = 0;
    for (let i = 0; i < n; i++) {
      const v = x[i];
      const e = Math.exp(-Math.abs(v)); // in (0, 1]: never overflows
      total += Math.max(v, 0) - v * t[i] + Math.log1p(e);
      const sigma = v >= 0 ? 1 / (1 + e) : e / (1 + e);
      grad[i] = (sigma - t[i]) * inv;
    }
    return total * inv;
  }

  backward(): Tensor {
    if (this.gradient === null)
      throw new Error(`dniflow/nn: SigmoidBCE '${this.name}' backward called before forward`);
    return this.gradient;
  }
}
