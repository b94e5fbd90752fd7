import type { Tensor } from '../../tensor/tensor.ts';
import { formatShape, reuse } from '../buffers.ts';
import type { Loss } from './loss.ts';

/** Mean squared error over every element: L = (1/N) Σ (p − t)², ∂L/∂p = 2(p − t)/N. */
export class MSELoss implements Loss<Tensor> {
  readonly name: string;
  private gradient: Tensor | null = null;

  constructor(name = 'mse') {
    this.name = name;
  }

  forward(prediction: Tensor, target: Tensor): number {
    if (prediction.size !== target.size) {
      throw new Error(
        `dniflow/nn: MSELoss '${this.name}' prediction ${formatShape(prediction.shape)} and target ${formatShape(target.shape)} differ in size`,
      );
    }
    const gradient = reuse(this.gradient, prediction.shape);
    this.gradient = gradient;
    const p = prediction.data;
    const t = target.data;
    const grad = gradient.data;
    const n = p.length;
    const scale = 2 / n;
    let total = 0;
    for (let i = 0; i < n; i++) {
      const d = p[i] - t[i];
      total += d * d;
      grad[i] = scale * d;
    }
    return total / n;
  }

  backward(): Tensor {
    if (this.gradient === null)
      throw new Error(`dniflow/nn: MSELoss '${this.name}' backward called before forward`);
    return this.gradient;
  }
}
