import { backend } from '../tensor/backend-registry.ts';
import { overwriteGradient } from './deferred-zero.ts';
import type { Parameter } from './layer.ts';
import type { LstmGradientBuffers, LstmWindowCache } from './lstm-buffers.ts';
import { lstmTickBackward, lstmTickForward } from './lstm-cell.ts';

/**
 * The matrix products of an LSTM window, all gemm calls on the active backend (the native OpenBLAS
 * one when built). Shapes are checked by the caller (lstm.ts); these functions only compute.
 *
 * The input projection does not depend on the recurrence, so it is one gemm for the whole window
 * ([T·B, I] rows at once); only the recurrent product h_{t−1}·W_hᵀ is per tick. Backward likewise
 * keeps every tick's ∂L/∂a and forms ∂L/∂W_x, ∂L/∂W_h, ∂L/∂b and ∂L/∂inputs in one gemm each.
 */
export interface LstmWeights {
  readonly inputSize: number;
  readonly hiddenSize: number;
  /** W_x [4H, I], W_h [4H, H], b [4H], gates in order i, f, g, o. */
  readonly inputWeight: Parameter;
  readonly recurrentWeight: Parameter;
  readonly bias: Parameter;
}

/** Runs the window's T ticks; the cache's row 0 of hiddens and cells must hold (h0, c0). */
export function lstmWindowForward(weights: LstmWeights, inputs: Float32Array, cache: LstmWindowCache): void {
  const { ticks, batch, hidden } = cache;
  const compute = backend();
  const gateWidth = 4 * hidden;
  // a[T·B, 4H] = x[T·B, I]·W_xᵀ + b for every tick at once (x does not depend on the recurrence):
  // the bias is copied into each row and the gemm adds onto it (beta = 1), as Linear does.
  fillRows(cache.gates, ticks * batch, weights.bias.value.data);
  compute.gemm(
    false,
    true,
    ticks * batch,
    gateWidth,
    weights.inputSize,
    1,
    inputs,
    weights.inputSize,
    weights.inputWeight.value.data,
    weights.inputSize,
    1,
    cache.gates,
    gateWidth,
  );
  for (let t = 0; t < ticks; t++) {
    // a_t[B, 4H] += h_{t−1}[B, H]·W_hᵀ
    compute.gemm(
      false,
      true,
      batch,
      gateWidth,
      hidden,
      1,
      cache.hiddensTick[t],
      hidden,
      weights.recurrentWeight.value.data,
      hidden,
      1,
      cache.gatesTick[t],
      gateWidth,
    );
    lstmTickForward(cache, t);
  }
}

/**
 * Backpropagates through the cached window (truncated BPTT, paper §3.2). On entry the buffers'
 * gradHidden and gradCell hold the gradient injected at the final state (h_T, c_T); on exit they hold
 * ∂L/∂h_start and ∂L/∂c_start. Adds the parameter gradients; writes ∂L/∂inputs if `inputGradient`.
 */
export function lstmWindowBackward(
  weights: LstmWeights,
  inputs: Float32Array,
  cache: LstmWindowCache,
  buffers: LstmGradientBuffers,
  gradOutputs: Float32Array | null,
  inputGradient: boolean,
): void {
  propagateThroughTicks(weights, cache, buffers, gradOutputs);
  const { ticks, batch, hidden } = cache;
  const gateWidth = 4 * hidden;
  const compute = backend();
  const rows = ticks * batch;
  // Parameter gradients over the whole window at once, accumulated (beta = 1) unless zeroGrad
  // deferred its zeroing (deferred-zero.ts): ∂L/∂W_x += ∂L/∂aᵀ·x, ∂L/∂W_h += ∂L/∂aᵀ·h_{t−1},
  // ∂L/∂b += 1ᵀ·∂L/∂a, summing over ticks as weights shared across time do.
  const gradGates = buffers.gradGates;
  const inputWeightGrad = weights.inputWeight.grad.data;
  compute.gemm(
    true,
    false,
    gateWidth,
    weights.inputSize,
    rows,
    1,
    gradGates,
    gateWidth,
    inputs,
    weights.inputSize,
    overwriteGradient(inputWeightGrad) ? 0 : 1,
    inputWeightGrad,
    weights.inputSize,
  );
  const recurrentWeightGrad = weights.recurrentWeight.grad.data;
  compute.gemm(
    true,
    false,
    gateWidth,
    hidden,
    rows,
    1,
    gradGates,
    gateWidth,
    cache.previousHiddens,
    hidden,
    overwriteGradient(recurrentWeightGrad) ? 0 : 1,
    recurrentWeightGrad,
    hidden,
  );
  const biasGrad = weights.bias.grad.data;
  compute.gemm(
    false,
    false,
    1,
    gateWidth,
    rows,
    1,
    buffers.ones,
    rows,
    gradGates,
    gateWidth,
    overwriteGradient(biasGrad) ? 0 : 1,
    biasGrad,
    gateWidth,
  );
  if (inputGradient) {
    // ∂L/∂x[T·B, I] = ∂L/∂a[T·B, 4H]·W_x[4H, I]
    compute.gemm(
      false,
      false,
      rows,
      weights.inputSize,
      gateWidth,
      1,
      buffers.gradGates,
      gateWidth,
      weights.inputWeight.value.data,
      weights.inputSize,
      0,
      buffers.gradInputs.data,
      weights.inputSize,
    );
  }
}

/**
 * The time loop of the backward pass alone: on entry the buffers' gradHidden and gradCell hold the
 * gradient at the final state; on exit, at the starting state; gradGates holds ∂L/∂(gate
 * pre-activations) of every tick. Without per-tick gradients this is the product (∂s_end/∂s_start)ᵀ·g
 * that a boundary synthetic gradient's bootstrapped target needs (DESIGN.md item 8).
 */
export function propagateThroughTicks(
  weights: LstmWeights,
  cache: LstmWindowCache,
  buffers: LstmGradientBuffers,
  gradOutputs: Float32Array | null,
): void {
  const { ticks, batch, hidden } = cache;
  const gateWidth = 4 * hidden;
  const gradHidden = buffers.gradHidden.data;
  const gradCell = buffers.gradCell.data;
  const compute = backend();
  for (let t = ticks - 1; t >= 0; t--) {
    lstmTickBackward(cache, t, gradOutputs, gradHidden, gradCell, buffers.gradGates);
    // ∂L/∂h_{t−1}[B, H] = ∂L/∂a_t[B, 4H]·W_h[4H, H]; after tick 0 this is ∂L/∂h_start.
    compute.gemm(
      false,
      false,
      batch,
      hidden,
      gateWidth,
      1,
      buffers.gradGatesTick[t],
      gateWidth,
      weights.recurrentWeight.value.data,
      hidden,
      0,
      gradHidden,
      hidden,
    );
  }
}

/** Copies `row` into each of the `rows` rows of `matrix`, doubling the filled prefix each time. */
function fillRows(matrix: Float32Array, rows: number, row: Float32Array): void {
  const total = rows * row.length;
  matrix.set(row, 0);
  for (let filled = row.length; filled < total; filled *= 2) {
    matrix.copyWithin(filled, 0, Math.min(filled, total - filled));
  }
}
