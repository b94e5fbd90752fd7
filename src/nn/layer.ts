import type { Shape, Tensor } from '../tensor/tensor.ts';

/** A trainable tensor and the gradient accumulated for it since the last zeroGrad. */
export interface Parameter {
  readonly name: string;
  readonly value: Tensor;
  readonly grad: Tensor;
}

/**
 * A layer with explicit forward and backward (no autograd tape).
 *
 * - Inputs and outputs carry the batch as their leading dimension.
 * - `forward` returns a tensor the layer owns and reuses: it stays valid until the layer's next
 *   `forward`. Callers that keep it longer copy it.
 * - `backward(gradOutput)` must follow the `forward` it differentiates. It *adds* parameter gradients
 *   into `Parameter.grad` (so time-unrolled or shared use accumulates) and returns the gradient with
 *   respect to the input, again in a buffer the layer owns.
 */
export interface Layer {
  readonly name: string;
  /** Per-sample output shape for a per-sample input shape; throws on a mismatch, naming the layer. */
  outputShape(inputShape: Shape): Shape;
  forward(input: Tensor, training: boolean): Tensor;
  backward(gradOutput: Tensor): Tensor;
  /**
   * Optional: `backward` without ∂L/∂input, only adding the parameter gradients, for a layer whose
   * input gradient nobody reads (the first layer on the data). Layers without it fall back to
   * `backward` in Sequential.backwardParameters.
   */
  backwardParameters?(gradOutput: Tensor): void;
  parameters(): Parameter[];
  /** Non-trainable state that checkpoints keep (e.g. BatchNorm running statistics). */
  buffers(): Record<string, Tensor>;
}
