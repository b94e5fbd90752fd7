import { logSoftmaxRows } from '../../tensor/softmax.ts';
import type { Tensor } from '../../tensor/tensor.ts';
import { formatShape, reuse } from '../buffers.ts';
import type { Labels, Loss } from './loss.ts';

/**
 * Cross-entropy of softmax(logits) against integer labels, averaged over the batch:
 * L = −(1/B) Σ_b log softmax(z_b)[y_b], computed from a stable log-softmax. ∂L/∂z = (softmax(z) − onehot(y)) / B.
 * The gradient is prepared by `forward`, so `backward` costs nothing.
 */
export class SoftmaxCrossEntropy implements Loss<Labels> {
  readonly name: string;
  private logProbabilities: Tensor | null = null;
  private gradient: Tensor | null = null;

  constructor(name = 'softmaxCrossEntropy') {
    this.name = name;
  }

  forward(logits: Tensor, labels: Labels): number {
    if (logits.rank !== 2) {
      throw new Error(
        `dniflow/nn: SoftmaxCrossEntropy '${this.name}' expects logits [batch, classes], got ${formatShape(logits.shape)}`,
      );
    }
    const [batch, classes] = logits.shape;
    if (labels.length !== batch) {
      throw new Error(
        `dniflow/nn: SoftmaxCrossEntropy '${this.name}' got ${labels.length} labels for a batch of ${batch}`,
      );
    }
    const logProbabilities = reuse(this.logProbabilities, logits.shape);
    const gradient = reuse(this.gradient, logits.shape);
    this.logProbabilities = logProbabilities;
    this.gradient = gradient;
    const logp = logProbabilities.data;
    const grad = gradient.data;
    logSoftmaxRows(logits.data, batch, classes, logp);
    const invBatch = 1 / batch;
    let total = 0;
    for (let b = 0; b < batch; b++) {
      const label = labels[b];
      if (!Number.isInteger(label) || label < 0 || label >= classes) {
        throw new Error(
          `dniflow/nn: SoftmaxCrossEntropy '${this.name}' label ${label} at row ${b} is not a class in [0, ${classes})`,
        );
      }
      const base = b * classes;
      total -= logp[base + label];
      for (let c = 0; c < classes; c++) grad[base + c] = Math.exp(logp[base + c]) * invBatch;
      grad[base + label] -= invBatch;
    }
    return total * invBatch;
  }

  backward(): Tensor {
    if (this.gradient === null)
      throw new Error(`dniflow/nn: SoftmaxCrossEntropy '${this.name}' backward called before forward`);
    return this.gradient;
  }
}
