import type { LSTM } from '../nn/lstm.ts';
import type { Prng } from '../tensor/prng.ts';
import { Tensor } from '../tensor/tensor.ts';
import { FutureGradientHead } from './future-gradient.ts';
import { RegressionModel } from './regression-model.ts';
import type { OptimizerSpec, SyntheticModelSpec } from './spec.ts';
import type { SyntheticLearnResult } from './synthetic-model.ts';

export interface BoundaryGradientOptions {
  /** Names the models in errors and their parameters (`core.sg.fc1.weight`). */
  name: string;
  /** The core's hidden size H: the carried state (h, c) has 2H features per lane. */
  hidden: number;
  /** M's structure (default 'linear'; `{ hidden: [...] }` for an MLP). */
  spec?: SyntheticModelSpec;
  optimizer?: OptimizerSpec;
  /** Scale of δ̂_end injected into BPTT (the paper's 0.1). */
  sgScale: number;
  /** γ: how much of δ̂_end reaches the bootstrapped target (default 1), apart from sgScale. */
  bootstrapGamma: number;
  /** DNI+Aux: a second head predicts, early in the window, δ̂ at the window's end. */
  aux: boolean;
  /**
   * What the synthetic gradient covers (default 'hc'): the whole carried state (h, c), or 'h' only
   * (c then gets no injected gradient). The cell c is unbounded, and a linear δ̂ on it can drive
   * it to grow without limit (see docs/RESULTS.md); h is bounded by tanh.
   */
  state?: 'hc' | 'h';
  prng: Prng;
}

/** What the boundary learned in one window (null entries: nothing to learn from yet). */
export interface BoundaryReport {
  /** M regressed on the bootstrapped target at the window's start. */
  sg: SyntheticLearnResult | null;
  /** The aux head regressed on this window's δ̂_end. */
  aux: SyntheticLearnResult | null;
}

/**
 * The synthetic gradient on a recurrent core's carried state (paper §3.2, DESIGN.md item 8), as the
 * math a `dni` state loop runs once per truncation window k, with s = (h, c) concatenated:
 *
 * 1. `atEnd`: δ̂_{k+1} = M(s_end) is computed as a constant and returned scaled, sgScale·δ̂/B,
 *    split into its h and c halves: the gradient to inject at the window's final state.
 * 2. `auxGradient` (DNI+Aux): the aux head reads h after the window's first tick and regresses
 *    (L2, weight 1) onto the synthetic gradient the window receives at its end, sgScale·δ̂_{k+1}
 *    (per lane); its gradient with respect to that h is added to tick 0's output gradient, so its
 *    loss also trains the core. (Regressing onto the unscaled δ̂ made the aux loss 1/sgScale² times
 *    larger and swamped the task's gradient: training diverged within 30k ticks of Repeat Copy.)
 * 3. `atStart`, after the core's backward pass: the gradient that reached s_start,
 *    ∂L_k/∂s_start + γ·(∂s_end/∂s_start)ᵀ·δ̂_{k+1}/B, is the bootstrapped target for δ̂_k, which was
 *    predicted at s_start one window earlier; M learns on it. The backward pass injected sgScale
 *    rather than γ, so when the two differ the difference is added with one extra state-only
 *    backward pass through the window (LSTM.stateGradient) — public code lets sgScale leak into the
 *    target instead.
 *
 * Scale: the loss is a mean over the B lanes, so a lane's gradient is 1/B of what its own loss gives.
 * M predicts the per-lane gradient (targets are multiplied by B, injections divided by B), so what
 * it learns does not depend on the batch size. M and the aux head start with zero final layers
 * (weights and bias): the first windows are plain truncated BPTT.
 */
export class BoundarySyntheticGradient {
  readonly model: RegressionModel;
  readonly auxHead: FutureGradientHead | null;
  readonly sgScale: number;
  readonly bootstrapGamma: number;
  private readonly hidden: number;
  /** Whether δ̂ covers c as well as h. */
  private readonly withCell: boolean;
  // Buffers for the current batch size (allocated by ensureBatch).
  private batch = 0;
  private state = Tensor.zeros([1]);
  private predicted = Tensor.zeros([1]);
  private target = Tensor.zeros([1]);
  private auxTarget = Tensor.zeros([1]);
  private readonly inject = { h: Tensor.zeros([1]), c: Tensor.zeros([1]) };
  private predictedWindow: number | null = null;

  constructor(options: BoundaryGradientOptions) {
    const { name, hidden, sgScale, bootstrapGamma } = options;
    for (const [what, value] of [
      ['sgScale', sgScale],
      ['bootstrapGamma', bootstrapGamma],
    ] as const) {
      if (!(Number.isFinite(value) && value >= 0)) {
        throw new Error(`dniflow/dni: boundary '${name}' needs ${what} >= 0, got ${value}`);
      }
    }
    this.hidden = hidden;
    this.sgScale = sgScale;
    this.bootstrapGamma = bootstrapGamma;
    this.withCell = (options.state ?? 'hc') === 'hc';
    const shape = [this.withCell ? 2 * hidden : hidden];
    this.model = new RegressionModel({
      name: `${name}.sg`,
      spec: options.spec ?? 'linear',
      inputShape: shape,
      outputShape: shape,
      prng: options.prng.stream('sg'),
      optimizer: options.optimizer,
    });
    this.auxHead = options.aux
      ? new FutureGradientHead({
          name: `${name}.aux`,
          spec: options.spec ?? 'linear',
          inputShape: [hidden],
          outputShape: shape,
          prng: options.prng.stream('aux'),
          optimizer: options.optimizer,
        })
      : null;
  }

  /**
   * Step 1 for window k (whose final state s_{k+1} is given): predicts δ̂_{k+1} and returns the
   * injection sgScale·δ̂/B at h_end and c_end (boundary-owned, valid until the next atEnd).
   */
  atEnd(window: number, hEnd: Tensor, cEnd: Tensor): { h: Tensor; c: Tensor } {
    const batch = hEnd.shape[0];
    this.ensureBatch(batch);
    concatState(hEnd, cEnd, this.state, this.withCell);
    const prediction = this.model.predict(window + 1, this.state);
    this.predicted.data.set(prediction.data);
    this.predictedWindow = window;
    splitState(prediction, this.inject.h, this.inject.c, this.sgScale / batch, this.withCell);
    return this.inject;
  }

  /**
   * Step 2 (DNI+Aux only): the aux head's gradient at h after the window's first tick, [B, H]
   * (model-owned, valid until the next call), to add into tick 0's output gradient.
   */
  auxGradient(window: number, hFirst: Tensor): { gradient: Tensor; result: SyntheticLearnResult } {
    const head = this.auxHead;
    if (head === null) throw new Error(`dniflow/dni: boundary '${this.model.name}' has no aux head`);
    this.requireEnd(window);
    head.predict(window, hFirst);
    const target = this.auxTarget.data;
    const predicted = this.predicted.data;
    for (let i = 0; i < target.length; i++) target[i] = this.sgScale * predicted[i];
    const result = head.learn(window, this.auxTarget);
    return { gradient: head.inputGradient(), result };
  }

  /**
   * Step 3: M learns on the bootstrapped target for δ̂_k from the gradient at s_start that the
   * window's backward pass (with atEnd's injection) produced. `core` is the LSTM that ran the
   * window, for the extra state-only pass when γ ≠ sgScale. Null on the first window (nothing
   * was predicted at the initial state).
   */
  atStart(window: number, gradH0: Tensor, gradC0: Tensor, core: LSTM): SyntheticLearnResult | null {
    this.requireEnd(window);
    if (!this.model.hasPending(window)) return null;
    const batch = gradH0.shape[0];
    concatState(gradH0, gradC0, this.target, this.withCell, batch);
    const extra = this.bootstrapGamma - this.sgScale;
    if (extra !== 0) {
      // (∂s_end/∂s_start)ᵀ·δ̂: gradH0 already holds sgScale/B of it; add (γ − sgScale)/B, times B.
      splitState(this.predicted, this.inject.h, this.inject.c, 1, this.withCell);
      const through = core.stateGradient(this.inject.h, this.inject.c);
      addState(through.gradH0, through.gradC0, this.target, extra, this.withCell);
      // inject.h/c held the scaled δ̂ for the backward pass that is over; restore it for callers.
      splitState(this.predicted, this.inject.h, this.inject.c, this.sgScale / batch, this.withCell);
    }
    return this.model.learn(window, this.target);
  }

  /**
   * The bootstrapped target of the latest `atStart`, [B, 2H] at the per-lane scale (B times the
   * batch-mean loss's gradient): boundary-owned, valid until the next atStart.
   */
  get lastTarget(): Tensor {
    return this.target;
  }

  private requireEnd(window: number): void {
    if (this.predictedWindow !== window) {
      throw new Error(
        `dniflow/dni: boundary '${this.model.name}' was not given window ${window}'s final state (atEnd first)`,
      );
    }
  }

  private ensureBatch(batch: number): void {
    if (this.batch === batch) return;
    const H = this.hidden;
    this.batch = batch;
    const width = this.withCell ? 2 * H : H;
    this.state = Tensor.zeros([batch, width]);
    this.target = Tensor.zeros([batch, width]);
    this.predicted = Tensor.zeros([batch, width]);
    this.auxTarget = Tensor.zeros([batch, width]);
    this.inject.h = Tensor.zeros([batch, H]);
    this.inject.c = Tensor.zeros([batch, H]);
  }
}

/** out[b] = scale·[h[b] | c[b]], or scale·h[b] without the cell. */
function concatState(h: Tensor, c: Tensor, out: Tensor, withCell: boolean, scale = 1): void {
  const [batch, H] = h.shape;
  const width = withCell ? 2 * H : H;
  const o = out.data;
  for (let b = 0; b < batch; b++) {
    for (let j = 0; j < H; j++) {
      o[b * width + j] = scale * h.data[b * H + j];
      if (withCell) o[b * width + H + j] = scale * c.data[b * H + j];
    }
  }
}

/** out[b] += scale·[h[b] | c[b]] (or h[b] alone). */
function addState(h: Tensor, c: Tensor, out: Tensor, scale: number, withCell: boolean): void {
  const [batch, H] = h.shape;
  const width = withCell ? 2 * H : H;
  const o = out.data;
  for (let b = 0; b < batch; b++) {
    for (let j = 0; j < H; j++) {
      o[b * width + j] += scale * h.data[b * H + j];
      if (withCell) o[b * width + H + j] += scale * c.data[b * H + j];
    }
  }
}

/** h[b] = scale·s[b, :H], c[b] = scale·s[b, H:] (c = 0 when s covers h alone). */
function splitState(s: Tensor, h: Tensor, c: Tensor, scale: number, withCell: boolean): void {
  const [batch, H] = h.shape;
  const width = withCell ? 2 * H : H;
  for (let b = 0; b < batch; b++) {
    for (let j = 0; j < H; j++) {
      h.data[b * H + j] = scale * s.data[b * width + j];
      c.data[b * H + j] = withCell ? scale * s.data[b * width + H + j] : 0;
    }
  }
}
