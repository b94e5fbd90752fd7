import { Tensor } from '../tensor/tensor.ts';
import type { LSTMWindowGradients, LSTMWindowResult } from './lstm.ts';
import type { TickBuffers } from './lstm-cell.ts';

/** Per-tick subarray views of a [rows, B, width] buffer: gemm takes arrays without offsets. */
function tickViews(data: Float32Array, rows: number, rowSize: number): Float32Array[] {
  return Array.from({ length: rows }, (_, t) => data.subarray(t * rowSize, (t + 1) * rowSize));
}

/**
 * What LSTM.forwardWindow keeps for one window of `ticks` ticks at batch `batch`: one cache per tick
 * (activated gates, c_t, tanh(c_t), h_t), plus the window's starting state, and the per-tick views
 * and result tensors over them. Allocated once per (ticks, batch); every later window of that size
 * reuses it, so the result tensors are the same objects from window to window.
 */
export class LstmWindowCache implements TickBuffers {
  readonly ticks: number;
  readonly batch: number;
  readonly hidden: number;
  readonly gates: Float32Array;
  readonly cells: Float32Array;
  readonly tanhCells: Float32Array;
  readonly hiddens: Float32Array;
  /** gates rows per tick, [B, 4H] each. */
  readonly gatesTick: Float32Array[];
  /** hiddens rows 0..T, [B, H] each: row t is h_{t−1} for tick t. */
  readonly hiddensTick: Float32Array[];
  /** hiddens rows 0..T−1 as one [T·B, H] block: every tick's h_{t−1}, for ∂L/∂W_h in one gemm. */
  readonly previousHiddens: Float32Array;
  /** h_0..h_{T−1} of the window (hiddens rows 1..T), [T, B, H]. */
  readonly outputs: Tensor;
  /** The window's final state (views of the last rows). */
  readonly finalHidden: Tensor;
  readonly finalCell: Tensor;
  /** The object forwardWindow returns, built once so that a window allocates nothing. */
  readonly result: LSTMWindowResult;

  constructor(ticks: number, batch: number, hidden: number) {
    const state = batch * hidden;
    this.ticks = ticks;
    this.batch = batch;
    this.hidden = hidden;
    this.gates = new Float32Array(ticks * 4 * state);
    this.cells = new Float32Array((ticks + 1) * state);
    this.tanhCells = new Float32Array(ticks * state);
    this.hiddens = new Float32Array((ticks + 1) * state);
    this.gatesTick = tickViews(this.gates, ticks, 4 * state);
    this.hiddensTick = tickViews(this.hiddens, ticks + 1, state);
    this.previousHiddens = this.hiddens.subarray(0, ticks * state);
    this.outputs = new Tensor(this.hiddens.subarray(state), [ticks, batch, hidden]);
    this.finalHidden = new Tensor(this.hiddensTick[ticks], [batch, hidden]);
    this.finalCell = new Tensor(this.cells.subarray(ticks * state), [batch, hidden]);
    this.result = { outputs: this.outputs, h: this.finalHidden, c: this.finalCell };
  }
}

/** What LSTM.backwardWindow writes, allocated on the first backward at a (ticks, batch). */
export class LstmGradientBuffers {
  readonly ticks: number;
  readonly batch: number;
  /** ∂L/∂(gate pre-activations), [T, B, 4H], kept for the window-wide weight gemms. */
  readonly gradGates: Float32Array;
  readonly gradGatesTick: Float32Array[];
  /** ∂L/∂h and ∂L/∂c carried backwards through the window; ∂L/∂h_start, ∂L/∂c_start at the end. */
  readonly gradHidden: Tensor;
  readonly gradCell: Tensor;
  readonly gradInputs: Tensor;
  /** A row of T·B ones: ∂L/∂b = 1ᵀ·gradGates is then one gemm. */
  readonly ones: Float32Array;
  /** The objects backwardWindow returns (with and without ∂L/∂inputs), built once. */
  readonly result: LSTMWindowGradients;
  readonly resultWithoutInputs: LSTMWindowGradients<null>;

  constructor(ticks: number, batch: number, inputSize: number, hidden: number) {
    this.ticks = ticks;
    this.batch = batch;
    this.gradGates = new Float32Array(ticks * batch * 4 * hidden);
    this.gradGatesTick = tickViews(this.gradGates, ticks, batch * 4 * hidden);
    this.gradHidden = Tensor.zeros([batch, hidden]);
    this.gradCell = Tensor.zeros([batch, hidden]);
    this.gradInputs = Tensor.zeros([ticks, batch, inputSize]);
    this.ones = new Float32Array(ticks * batch).fill(1);
    const starts = { gradH0: this.gradHidden, gradC0: this.gradCell };
    this.result = { gradInputs: this.gradInputs, ...starts };
    this.resultWithoutInputs = { gradInputs: null, ...starts };
  }
}
