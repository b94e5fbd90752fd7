import type { BoundarySyntheticGradient } from '../../dni/boundary-gradient.ts';
import type { SyntheticLearnResult } from '../../dni/synthetic-model.ts';
import type { LSTM } from '../../nn/lstm.ts';
import type { Optimizer } from '../../nn/optim/optimizer.ts';
import { allFinite } from '../../tensor/reduce.ts';
import { Tensor } from '../../tensor/tensor.ts';
import { NonFiniteOutput } from '../module-compute.ts';

/** What the state loop learned in one window (null: nothing yet, or no synthetic gradient). */
export interface BoundaryLearning {
  sg: SyntheticLearnResult | null;
  aux: SyntheticLearnResult | null;
}

/**
 * A recurrent module's compute (paper §3.2, DESIGN.md item 8): an LSTM core run one truncation
 * window at a time, with the state (h, c) it carries from each window into the next — the value on
 * its state loop, a self-edge delayed by one window. The loop's interface decides what crosses the
 * boundary backwards: nothing (`stopGradient`: truncated BPTT, `boundary` null) or a synthetic
 * gradient (`dni`: a BoundarySyntheticGradient). Lanes are never reset: the data runs on across
 * episodes, and so does the state.
 */
export class RecurrentCore {
  readonly name: string;
  readonly lstm: LSTM;
  readonly optimizer: Optimizer;
  readonly boundary: BoundarySyntheticGradient | null;
  private readonly baseLr: number;
  private h: Tensor | null = null;
  private c: Tensor | null = null;
  private gradOutputs: Tensor | null = null;
  private outputs: Tensor | null = null;
  /** Windows completed (forward and backward): the index of the next window. */
  windows = 0;

  /**
   * @param clipNorm the largest global L2 norm of the core's parameter gradient per window (larger
   *   ones are scaled down to it), the usual guard of LSTMs against exploding gradients; none if
   *   undefined.
   */
  constructor(
    name: string,
    lstm: LSTM,
    optimizer: Optimizer,
    boundary: BoundarySyntheticGradient | null,
    readonly clipNorm?: number,
  ) {
    this.name = name;
    this.lstm = lstm;
    this.optimizer = optimizer;
    this.boundary = boundary;
    this.baseLr = optimizer.lr;
  }

  /** Runs the next window from the carried state: inputs [T, B, I] → outputs [T, B, H] (core-owned). */
  forward(inputs: Tensor): Tensor {
    const batch = inputs.shape[1];
    if (this.h === null) {
      this.h = Tensor.zeros([batch, this.lstm.hiddenSize]);
      this.c = Tensor.zeros([batch, this.lstm.hiddenSize]);
    } else if (this.h.shape[0] !== batch) {
      throw new Error(
        `dniflow/runtime: recurrent module '${this.name}' carries state for ${this.h.shape[0]} lanes, got a window of ${batch}`,
      );
    }
    const result = this.lstm.forwardWindow(inputs, this.h, this.c!, true);
    if (allFinite(result.outputs.data) !== -1) throw new NonFiniteOutput(this.name);
    // The final state is the state loop's message to the next window, kept in the core's own
    // buffers: an evaluation pass in between reuses the LSTM's.
    this.h.data.set(result.h.data);
    this.c!.data.set(result.c.data);
    this.outputs = result.outputs;
    return result.outputs;
  }

  /** The state (h, c) [B, H] carried into the next window (live), null before the first window. */
  get carried(): { h: Tensor; c: Tensor } | null {
    return this.h === null ? null : { h: this.h, c: this.c! };
  }

  /** Carries `h` and `c` (copied) into the next window, as a resumed run does. */
  carry(h: Tensor, c: Tensor): void {
    const H = this.lstm.hiddenSize;
    if (h.rank !== 2 || h.shape[1] !== H || c.size !== h.size)
      throw new Error(
        `dniflow/runtime: recurrent module '${this.name}' carries [lanes, ${H}] states, got h [${h.shape.join(', ')}] and c [${c.shape.join(', ')}]`,
      );
    this.h = h.clone();
    this.c = c.clone();
  }

  /** Forgets the carried state (the lanes start afresh): nothing crosses into the next window. */
  resetState(): void {
    this.h?.data.fill(0);
    this.c?.data.fill(0);
    // The prediction made at the dropped state has no window to learn from.
    this.boundary?.model.forget(this.windows);
  }

  /** A window's outputs from `state` (updated to its end state) without learning or touching the training state. */
  evaluate(inputs: Tensor, state: { h: Tensor; c: Tensor }): Tensor {
    const result = this.lstm.forwardWindow(inputs, state.h, state.c, false);
    state.h.data.set(result.h.data);
    state.c.data.set(result.c.data);
    return result.outputs;
  }

  /**
   * Backpropagates the window's per-tick output gradients [T, B, H] plus what the state loop
   * injects at its end, updates the core, and lets the boundary learn. Order matters: the
   * bootstrapped target's extra state-only pass must see the weights the window ran with, so the
   * optimiser steps last.
   */
  backward(gradOutputs: Tensor): BoundaryLearning;
  /**
   * With `inputGradient`, also ∂L/∂inputs [T, B, I] (LSTM-owned, valid until the next backward): what
   * a core that reads another network's messages sends back to it (paper §3.3).
   */
  backward(gradOutputs: Tensor, inputGradient: true): BoundaryLearning & { gradInputs: Tensor };
  backward(gradOutputs: Tensor, inputGradient = false): BoundaryLearning & { gradInputs?: Tensor } {
    const window = this.windows;
    const boundary = this.boundary;
    const learning: BoundaryLearning = { sg: null, aux: null };
    let injectH: Tensor | null = null;
    let injectC: Tensor | null = null;
    let grads = gradOutputs;
    if (boundary !== null) {
      const inject = boundary.atEnd(window, this.h!, this.c!);
      injectH = inject.h;
      injectC = inject.c;
      if (boundary.auxHead !== null) {
        grads = this.ownGradients(gradOutputs);
        // The aux head reads h after the window's first tick: rows [0, B) of the outputs.
        const [, batch, H] = gradOutputs.shape;
        const first = new Tensor(this.outputs!.data.subarray(0, batch * H), [batch, H]);
        const aux = boundary.auxGradient(window, first);
        const g = grads.data;
        const a = aux.gradient.data;
        for (let i = 0; i < a.length; i++) g[i] += a[i];
        learning.aux = aux.result;
      }
    }
    this.optimizer.zeroGrad();
    const { gradH0, gradC0, gradInputs } = this.lstm.backwardWindow(grads, injectH, injectC, {
      inputGradient,
    });
    if (boundary !== null) learning.sg = boundary.atStart(window, gradH0, gradC0, this.lstm);
    if (this.clipNorm !== undefined) clipGlobalNorm(this.lstm.parameters(), this.clipNorm);
    this.optimizer.step();
    this.windows++;
    return gradInputs === null ? learning : { ...learning, gradInputs };
  }

  scaleLearningRate(factor: number): void {
    this.optimizer.lr = this.baseLr * factor;
  }

  /** A copy of the per-tick gradients this core may add to (the caller's buffer is only read). */
  private ownGradients(gradOutputs: Tensor): Tensor {
    if (this.gradOutputs === null || this.gradOutputs.size !== gradOutputs.size)
      this.gradOutputs = Tensor.zeros(gradOutputs.shape);
    this.gradOutputs.data.set(gradOutputs.data);
    return this.gradOutputs;
  }
}

/** Scales the parameters' gradients so that their global L2 norm is at most `limit`. */
function clipGlobalNorm(parameters: readonly { grad: Tensor }[], limit: number): void {
  let squares = 0;
  for (const { grad } of parameters) for (const g of grad.data) squares += g * g;
  const norm = Math.sqrt(squares);
  if (!(norm > limit)) return;
  const scale = limit / norm;
  for (const { grad } of parameters) {
    const data = grad.data;
    for (let i = 0; i < data.length; i++) data[i] *= scale;
  }
}
