/**
 * The elementwise half of one LSTM tick, forward and backward, as plain loops over the window
 * buffers (see lstm-buffers.ts for their layout). The matrix products live in lstm.ts; what is left
 * per tick is O(B·H) work, so loops over Float32Array are as fast as anything and allocate nothing.
 *
 * Gate order is PyTorch's (i, f, g, o): row b of a tick's gate block is [i | f | g | o], H each.
 *
 *   i = σ(a_i)   f = σ(a_f)   g = tanh(a_g)   o = σ(a_o)
 *   c_t = f ⊙ c_{t−1} + i ⊙ g        h_t = o ⊙ tanh(c_t)
 */

/** σ(x) per sign, so exp never overflows (as activations.ts). */
function sigmoid(x: number): number {
  if (x >= 0) return 1 / (1 + Math.exp(-x));
  const e = Math.exp(x);
  return e / (1 + e);
}

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
  for (let b = 0; b < batch; b++) {
    const gateRow = (t * batch + b) * 4 * hidden;
    const previous = (t * batch + b) * hidden; // row t of cells/hiddens, row t of tanhCells
    const current = previous + batch * hidden; // row t + 1 of cells/hiddens
    for (let j = 0; j < hidden; j++) {
      const inputGate = sigmoid(gates[gateRow + j]);
      const forgetGate = sigmoid(gates[gateRow + hidden + j]);
      const candidate = Math.tanh(gates[gateRow + 2 * hidden + j]);
      const outputGate = sigmoid(gates[gateRow + 3 * hidden + j]);
      gates[gateRow + j] = inputGate;
      gates[gateRow + hidden + j] = forgetGate;
      gates[gateRow + 2 * hidden + j] = candidate;
      gates[gateRow + 3 * hidden + j] = outputGate;
      const cell = forgetGate * cells[previous + j] + inputGate * candidate;
      cells[current + j] = cell;
      // Read back the float32 value, so h_t and backward use exactly the stored c_t.
      const tanhCell = Math.tanh(cells[current + j]);
      tanhCells[previous + j] = tanhCell;
      hiddens[current + j] = outputGate * tanhCell;
    }
  }
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
  for (let b = 0; b < batch; b++) {
    const gateRow = (t * batch + b) * 4 * hidden;
    const tick = (t * batch + b) * hidden; // row t of tanhCells and gradOutputs; c_{t−1} in cells
    const state = b * hidden;
    for (let j = 0; j < hidden; j++) {
      const inputGate = gates[gateRow + j];
      const forgetGate = gates[gateRow + hidden + j];
      const candidate = gates[gateRow + 2 * hidden + j];
      const outputGate = gates[gateRow + 3 * hidden + j];
      const tanhCell = tanhCells[tick + j];
      const dHidden = gradHidden[state + j] + (gradOutputs === null ? 0 : gradOutputs[tick + j]);
      const dCell = gradCell[state + j] + dHidden * outputGate * (1 - tanhCell * tanhCell);
      gradGates[gateRow + j] = dCell * candidate * inputGate * (1 - inputGate);
      gradGates[gateRow + hidden + j] = dCell * cells[tick + j] * forgetGate * (1 - forgetGate);
      gradGates[gateRow + 2 * hidden + j] = dCell * inputGate * (1 - candidate * candidate);
      gradGates[gateRow + 3 * hidden + j] = dHidden * tanhCell * outputGate * (1 - outputGate);
      gradCell[state + j] = dCell * forgetGate;
    }
  }
}
