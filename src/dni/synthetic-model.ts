import type { OptimizerState } from '../nn/optim/optimizer.ts';
import type { Tensor } from '../tensor/tensor.ts';

/**
 * A learned stand-in for a signal that has not arrived yet (paper §2):
 * - a synthetic-gradient model M_B(h_A, c) ≈ δ_A = ∂L/∂h_A,
 * - a synthetic-input model I_B(x) ≈ h_A.
 *
 * `predict` answers at once and remembers what it needs to learn later; `learn` regresses the
 * prediction made for the same `step` onto the target that arrived (L2, paper §2.1) and returns the
 * regression loss. Predictions not yet learned from are kept by step; `forget` drops stale ones.
 *
 * Ownership: `predict` returns a buffer the model owns, valid until the next `predict` or `learn` on
 * the same model (callers that keep it copy it). `learn` does not keep `target`.
 */
export interface SyntheticModel {
  predict(step: number, input: Tensor, context?: SyntheticContext): Tensor;
  learn(step: number, target: Tensor): SyntheticLearnResult;
  /** Drops the pending prediction of `step` (a no-op if there is none). */
  forget(step: number): void;
  /**
   * The live parameters and BatchNorm statistics (for metrics; writing into them changes the model).
   * The optimiser's state is not among them: checkpoints use `state()` / `loadState()`.
   */
  parameters(): { name: string; value: Tensor }[];
  /** A copy of everything learned: parameters, BN statistics and the model's own optimiser state. */
  state(): SyntheticModelState;
  /** Restores a `state()`; validates every tensor before changing anything. */
  loadState(state: SyntheticModelState): void;
}

export interface SyntheticContext {
  /** Integer class labels for cDNI's one-hot context (paper §3.1). */
  labels: Uint8Array | Int32Array;
  classes: number;
}

export interface SyntheticLearnResult {
  /** Mean over the batch of ‖prediction − target‖² (each example's squared error summed over its features). */
  loss: number;
  /** cos(prediction, target) over the whole batch, flattened (0 when either is all zero). */
  cosine: number;
}

export interface SyntheticModelState {
  /** Copies of the parameters and BN statistics, keyed by `parameters()` names. */
  tensors: Record<string, Tensor>;
  optimizer: OptimizerState;
}
