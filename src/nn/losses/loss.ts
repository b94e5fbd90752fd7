import type { Tensor } from '../../tensor/tensor.ts';

/**
 * A scalar training objective. `forward` returns the loss (a float64 number, averaged as PyTorch's
 * default 'mean' reduction) and prepares the gradient; `backward` returns ∂loss/∂prediction in a
 * buffer the loss owns and reuses (valid until the next `forward`).
 */
export interface Loss<Target> {
  readonly name: string;
  forward(prediction: Tensor, target: Target): number;
  backward(): Tensor;
}

/** Integer class labels, one per row of the prediction. */
export type Labels = ArrayLike<number>;
