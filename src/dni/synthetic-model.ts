import type { Tensor } from '../tensor/tensor.ts';

/**
 * A learned stand-in for a signal that has not arrived yet (paper §2):
 * - a synthetic-gradient model M_B(h_A, c) ≈ δ_A = ∂L/∂h_A,
 * - a synthetic-input model I_B(x) ≈ h_A.
 *
 * `predict` answers at once and remembers what it needs to learn later; `learn` regresses the
 * prediction made for the same `step` onto the target that arrived (L2, paper §2.1) and returns the
 * regression loss. Predictions not yet learned from are kept by step; `forget` drops stale ones.
 */
export interface SyntheticModel {
  predict(step: number, input: Tensor, context?: SyntheticContext): Tensor;
  learn(step: number, target: Tensor): SyntheticLearnResult;
  forget(step: number): void;
  /** The parameters (for checkpoints and metrics), with the model's own optimiser state. */
  parameters(): { name: string; value: Tensor }[];
}

export interface SyntheticContext {
  /** Integer class labels for cDNI's one-hot context (paper §3.1). */
  labels: Uint8Array | Int32Array;
  classes: number;
}

export interface SyntheticLearnResult {
  /** Mean over the batch of ‖prediction − target‖². */
  loss: number;
  /** cos(prediction, target) over the whole batch, flattened. */
  cosine: number;
}
