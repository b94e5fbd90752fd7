import { backend } from '../tensor/backend-registry.ts';

/**
 * The elementwise half of one LSTM tick, forward and backward, on the window buffers (see
 * lstm-buffers.ts for their layout). The matrix products live in lstm-window.ts; what is left per
 * tick is O(B·H) work, dominated by the five σ/tanh per unit, so it is a backend kernel
 * (src/tensor/lstm-kernels.ts, and native/src/lstm.cc, vectorised): as plain loops calling
 * Math.exp/Math.tanh it took ~3× the window's gemm time (bench/RESULTS.md, "LSTM window").
 *
 * Gate order is PyTorch's (i, f, g, o): row b of a tick's gate block is [i | f | g | o], H each.
 *
 *   i = σ(a_i)   f = σ(a_f)   g = tanh(a_g)   o = σ(a_o)
 *   c_t = f ⊙ c_{t−1} + i ⊙ g        h_t = o ⊙ tanh(c_t)
 */

export interface TickBuffers {
  readonly batch: number;
  readonly hidden: number;
  /** [T, B, 4H]: pre-activations on entry to lstmTickForward, activated gates on exit. */
  readonly gates: Float32Array;
  /** [T + 1, B, H]: c_{t} at row t + 1, the window's starting c at row 0. */
  readonly cells: Float32Array;
  /** [T, B, H]: tanh(c_t), kept for backward. */
  readonly tanhCells: Float32Array;
  /** [T + 1, B, H]: h_t at row t + 1, the window's starting h at row 0. */
  readonly hiddens: Float32Array;
}

/** Activates tick t's gates in place and writes c_t, tanh(c_t) and h_t. */
export function lstmTickForward(buffers: TickBuffers, t: number): void {
  const { batch, hidden, gates, cells, tanhCells, hiddens } = buffers;
  backend().lstmTickForward(gates, cells, tanhCells, hiddens, batch, hidden, t);
}

/**
 * Backward through tick t's elementwise math. On entry `gradHidden` [B, H] holds ∂L/∂h_t arriving
 * from the future (tick t + 1's recurrent product, or the window's injected end gradient) and
 * `gradCell` [B, H] holds ∂L/∂c_t from the future; `gradOutputs` (the per-tick loss gradients
 * [T, B, H], or null for none) adds tick t's own. Writes ∂L/∂(pre-activations) of tick t into
 * `gradGates` [T, B, 4H] and replaces `gradCell` by ∂L/∂c_{t−1}. `gradHidden` is only read: the
 * caller then overwrites it with ∂L/∂h_{t−1} = gradGates_t · W_h.
 */
export function lstmTickBackward(
  buffers: TickBuffers,
  t: number,
  gradOutputs: Float32Array | null,
  gradHidden: Float32Array,
  gradCell: Float32Array,
  gradGates: Float32Array,
): void {
  const { batch, hidden, gates, cells, tanhCells } = buffers;
  backend().lstmTickBackward(
    gates,
    cells,
    tanhCells,
    gradOutputs,
    gradHidden,
    gradCell,
    gradGates,
    batch,
    hidden,
    t,
  );
}
