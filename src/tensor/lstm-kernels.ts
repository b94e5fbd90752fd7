/**
 * The elementwise half of one LSTM tick, forward and backward, as the backends compute it for
 * src/nn/lstm-cell.ts (the matrix products are gemm calls in src/nn/lstm-window.ts). These loops are
 * the TypeScript reference; native/src/lstm.cc computes the same float64 expressions in the same
 * order (no FMA), so both backends give the same bits.
 *
 * Buffer layout (src/nn/lstm-buffers.ts), per window of T ticks at batch B and H hidden units:
 *   gates     [T, B, 4H]  pre-activations on entry to forward, activated gates (i, f, g, o) on exit
 *   cells     [T + 1, B, H]  c_t at row t + 1, the window's starting c at row 0
 *   tanhCells [T, B, H]  tanh(c_t) at row t
 *   hiddens   [T + 1, B, H]  h_t at row t + 1, the starting h at row 0
 * Row b of a tick's gate block is [i | f | g | o], H each (PyTorch's order):
 *   i = σ(a_i)   f = σ(a_f)   g = tanh(a_g)   o = σ(a_o)
 *   c_t = f ⊙ c_{t−1} + i ⊙ g        h_t = o ⊙ tanh(c_t)
 *
 * σ and tanh both come from one exponential, e^x, computed here by a branch-free polynomial rather
 * than Math.exp (a call into V8's C++ that is ~5× the cost of the arithmetic around it, and has no
 * vectorised counterpart in C): x is clamped to [−80, 80] (σ and tanh are saturated in float32 far
 * before), reduced as x = n·ln 2 + r with |r| ≤ ln2/2 (Cody–Waite, two-part ln 2), e^r by its Taylor
 * polynomial of degree 10 (relative error < 1e-12), then scaled by 2^n (exact). Relative error of
 * e^x, σ and tanh is far below float32's 6e-8, which is what is stored. NaN stays NaN.
 *   σ(x) = 1 / (1 + e^(−x))      tanh(x) = 1 − 2 / (e^(2x) + 1)
 */

const LOG2E = Math.LOG2E;
/** ln 2 split so that n·LN2_HI is exact for |n| < 2^11 (Cody–Waite). */
const LN2_HI = 0.693145751953125;
const LN2_LO = 1.4286068203094173e-6;
/** 1.5·2^52: adding it rounds a double of magnitude < 2^51 to an integer (ties to even). */
const ROUND_SHIFTER = 6755399441055744;
/** 2^n for n in [−127, 127] at index n + 127 (|x| ≤ 80 gives |n| ≤ 116). */
const POW2 = Float64Array.from({ length: 255 }, (_, i) => 2 ** (i - 127));

/** e^x for x clamped to [−80, 80] (see above); NaN for NaN. */
export function lstmExp(x: number): number {
  const clamped = Math.min(Math.max(x, -80), 80);
  const n = clamped * LOG2E + ROUND_SHIFTER - ROUND_SHIFTER;
  const r = clamped - n * LN2_HI - n * LN2_LO;
  const p =
    1 +
    r *
      (1 +
        r *
          (1 / 2 +
            r *
              (1 / 6 +
                r *
                  (1 / 24 +
                    r *
                      (1 / 120 +
                        r *
                          (1 / 720 +
                            r * (1 / 5040 + r * (1 / 40320 + r * (1 / 362880 + r * (1 / 3628800))))))))));
  return p * POW2[n + 127];
}

/** σ(x) = 1 / (1 + e^(−x)). */
export function lstmSigmoid(x: number): number {
  return 1 / (1 + lstmExp(-x));
}

/** tanh(x) = 1 − 2 / (e^(2x) + 1). */
export function lstmTanh(x: number): number {
  return 1 - 2 / (lstmExp(2 * x) + 1);
}

/**
 * Tick t of the window forward: activates the tick's gates in place and writes c_t, tanh(c_t) and
 * h_t from c_{t−1} (buffer layout above).
 */
export function lstmTickForward(
  gates: Float32Array,
  cells: Float32Array,
  tanhCells: Float32Array,
  hiddens: Float32Array,
  batch: number,
  hidden: number,
  t: number,
): void {
  for (let b = 0; b < batch; b++) {
    const gateRow = (t * batch + b) * 4 * hidden;
    const previous = (t * batch + b) * hidden; // row t of cells/hiddens, row t of tanhCells
    const current = previous + batch * hidden; // row t + 1 of cells/hiddens
    for (let j = 0; j < hidden; j++) {
      const inputGate = Math.fround(lstmSigmoid(gates[gateRow + j]));
      const forgetGate = Math.fround(lstmSigmoid(gates[gateRow + hidden + j]));
      const candidate = Math.fround(lstmTanh(gates[gateRow + 2 * hidden + j]));
      const outputGate = Math.fround(lstmSigmoid(gates[gateRow + 3 * hidden + j]));
      gates[gateRow + j] = inputGate;
      gates[gateRow + hidden + j] = forgetGate;
      gates[gateRow + 2 * hidden + j] = candidate;
      gates[gateRow + 3 * hidden + j] = outputGate;
      // c_t and tanh(c_t) from the float32 values stored, so that h_t and backward use exactly them.
      const cell = Math.fround(forgetGate * cells[previous + j] + inputGate * candidate);
      cells[current + j] = cell;
      const tanhCell = Math.fround(lstmTanh(cell));
      tanhCells[previous + j] = tanhCell;
      hiddens[current + j] = outputGate * tanhCell;
    }
  }
}

/**
 * Backward through tick t's elementwise math. On entry `gradHidden` [B, H] holds ∂L/∂h_t arriving
 * from the future and `gradCell` [B, H] ∂L/∂c_t; `gradOutputs` ([T, B, H] per-tick loss gradients,
 * or null for none) adds tick t's own. Writes ∂L/∂(pre-activations) of tick t into `gradGates`
 * [T, B, 4H] and replaces `gradCell` by ∂L/∂c_{t−1}; `gradHidden` is only read.
 */
export function lstmTickBackward(
  gates: Float32Array,
  cells: Float32Array,
  tanhCells: Float32Array,
  gradOutputs: Float32Array | null,
  gradHidden: Float32Array,
  gradCell: Float32Array,
  gradGates: Float32Array,
  batch: number,
  hidden: number,
  t: number,
): void {
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
