import type { Prng } from '../tensor/prng.ts';
import { Tensor } from '../tensor/tensor.ts';
import { formatShape, layerError } from './buffers.ts';
import { allowDeferredZero } from './deferred-zero.ts';
import type { Initialiser } from './init.ts';
import type { Parameter } from './layer.ts';
import { LstmGradientBuffers, LstmWindowCache } from './lstm-buffers.ts';
import {
  type LstmWeights,
  lstmWindowBackward,
  lstmWindowForward,
  propagateThroughTicks,
} from './lstm-window.ts';

export interface LSTMOptions {
  /** The stream weights are drawn from (W_x first, then W_h). */
  prng: Prng;
  /** Initialiser of both weight matrices (default U(−1/√H, 1/√H), PyTorch's nn.LSTM default). */
  init?: Initialiser;
  /**
   * Initial bias of the forget gate (default 1; the other gates' biases start at 0). A forget gate
   * that starts open (σ(1) ≈ 0.73) lets c, and the gradient through it, persist across ticks from
   * the first step, instead of decaying by ½ per tick (Gers et al. 2000; Jozefowicz et al. 2015).
   * That matters for truncated BPTT and DNI (§3.2), whose whole point is credit over long spans.
   */
  forgetBias?: number;
}

export interface LSTMWindowResult {
  /** h_t for every tick, [T, B, H]. */
  readonly outputs: Tensor;
  /** The window's final state h_T, c_T, [B, H] each: the state carried to the next window. */
  readonly h: Tensor;
  readonly c: Tensor;
}

export interface LSTMWindowGradients<Inputs extends Tensor | null = Tensor> {
  /** ∂L/∂inputs, [T, B, I] (null when skipped). */
  readonly gradInputs: Inputs;
  /** ∂L/∂h_start, ∂L/∂c_start: what crosses the window boundary backwards (DESIGN.md, item 8). */
  readonly gradH0: Tensor;
  readonly gradC0: Tensor;
}

/**
 * An LSTM core unrolled over a window of T ticks with explicit forward and backward (truncated BPTT
 * within the window; paper §3.2). What crosses the window's boundaries is explicit: forward takes the
 * carried (h0, c0) and returns (h, c); backward takes an injected gradient at the window's final
 * state (a synthetic gradient δ̂ = M(h_T), or the next window's ∂L/∂h_start) and returns the gradient
 * at its starting state (the bootstrapped regression target for the δ̂ predicted at h_start). That
 * gradient includes the injected one as given: to scale δ̂ differently for the update (sgScale) and
 * for the target (γ, DESIGN.md item 8), rely on gradH0 being linear in the injected gradient.
 *
 * Parameters as PyTorch's nn.LSTM with one fused bias (b = b_ih + b_hh), gates in order i, f, g, o:
 * W_x [4H, I], W_h [4H, H], b [4H], so a PyTorch comparison maps one to one. All products are gemm
 * calls on the active backend: one for the whole window's input projection, one per tick for the
 * recurrent product, and one each for ∂L/∂W_x, ∂L/∂W_h, ∂L/∂b and ∂L/∂inputs over the window.
 *
 * Ownership (as layer.ts): every tensor returned is the layer's and is reused by the next window of
 * the same T and batch (new buffers only when T or B changes); results stay valid until the next
 * forwardWindow (backwardWindow's until the next backwardWindow). The returned (h, c) may be passed
 * straight back as the next window's (h0, c0): the start state is copied before anything is
 * overwritten. backwardWindow reads the `inputs` given to forwardWindow (for ∂L/∂W_x): their contents
 * must not change between the two calls.
 */
export class LSTM implements LstmWeights {
  readonly name: string;
  readonly inputSize: number;
  readonly hiddenSize: number;
  /** W_x [4H, I], W_h [4H, H], b [4H]. */
  readonly inputWeight: Parameter;
  readonly recurrentWeight: Parameter;
  readonly bias: Parameter;
  private cache: LstmWindowCache | null = null;
  private gradients: LstmGradientBuffers | null = null;
  private stateBuffers: LstmGradientBuffers | null = null;
  /** The inputs of the latest forwardWindow, read again by backwardWindow. */
  private inputs: Tensor | null = null;

  constructor(name: string, inputSize: number, hiddenSize: number, options: LSTMOptions) {
    this.name = name;
    for (const [what, value] of [
      ['inputSize', inputSize],
      ['hiddenSize', hiddenSize],
    ] as const) {
      if (!Number.isInteger(value) || value < 1) {
        throw layerError('LSTM', name, `needs a positive integer ${what}, got ${value}`);
      }
    }
    this.inputSize = inputSize;
    this.hiddenSize = hiddenSize;
    const init = options.init ?? uniformPerHidden(hiddenSize);
    const parameter = (suffix: string, value: Tensor): Parameter => {
      const grad = Tensor.zeros(value.shape);
      // Each gradient is written by exactly one gemm per backwardWindow, so zeroGrad may defer.
      allowDeferredZero(grad.data);
      return { name: `${name}.${suffix}`, value, grad };
    };
    const inputWeight = Tensor.zeros([4 * hiddenSize, inputSize]);
    init(inputWeight, options.prng);
    const recurrentWeight = Tensor.zeros([4 * hiddenSize, hiddenSize]);
    init(recurrentWeight, options.prng);
    const bias = Tensor.zeros([4 * hiddenSize]);
    bias.data.fill(options.forgetBias ?? 1, hiddenSize, 2 * hiddenSize);
    this.inputWeight = parameter('inputWeight', inputWeight);
    this.recurrentWeight = parameter('recurrentWeight', recurrentWeight);
    this.bias = parameter('bias', bias);
  }

  /**
   * Runs T ticks from (h0, c0) on inputs [T, B, I]. `training` is accepted for symmetry with Layer;
   * an LSTM computes the same either way (no dropout here).
   */
  forwardWindow(inputs: Tensor, h0: Tensor, c0: Tensor, _training: boolean): LSTMWindowResult {
    this.checkInputs(inputs);
    const ticks = inputs.shape[0];
    const batch = inputs.shape[1];
    this.checkState('h0', h0, batch);
    this.checkState('c0', c0, batch);
    let cache = this.cache;
    if (cache === null || cache.ticks !== ticks || cache.batch !== batch) {
      cache = new LstmWindowCache(ticks, batch, this.hiddenSize);
      this.cache = cache;
    }
    this.inputs = inputs;
    // Copy the start state first: h0/c0 may be the previous window's (h, c), views of these buffers.
    cache.hiddens.set(h0.data, 0);
    cache.cells.set(c0.data, 0);
    lstmWindowForward(this, inputs.data, cache);
    return cache.result;
  }

  /**
   * Backpropagates through the latest window: per-tick gradients gradOutputs [T, B, H] (or null for
   * none: a window whose loss is only at its end) plus gradients injected at the final state (null
   * for none; truncated BPTT injects nothing, DNI injects the scaled synthetic gradient, §3.2). Adds
   * ∂L/∂W_x, ∂L/∂W_h, ∂L/∂b into the parameters' gradients. `{ inputGradient: false }` skips
   * ∂L/∂inputs (one gemm) when nobody reads it, e.g. inputs straight from the data.
   */
  backwardWindow(
    gradOutputs: Tensor | null,
    gradHEnd: Tensor | null,
    gradCEnd: Tensor | null,
  ): LSTMWindowGradients;
  backwardWindow(
    gradOutputs: Tensor | null,
    gradHEnd: Tensor | null,
    gradCEnd: Tensor | null,
    options: { inputGradient: false },
  ): LSTMWindowGradients<null>;
  backwardWindow(
    gradOutputs: Tensor | null,
    gradHEnd: Tensor | null,
    gradCEnd: Tensor | null,
    options?: { inputGradient?: boolean },
  ): LSTMWindowGradients<Tensor | null>;
  backwardWindow(
    gradOutputs: Tensor | null,
    gradHEnd: Tensor | null,
    gradCEnd: Tensor | null,
    options?: { inputGradient?: boolean },
  ): LSTMWindowGradients<Tensor | null> {
    const cache = this.cache;
    const inputs = this.inputs;
    if (cache === null || inputs === null)
      throw layerError('LSTM', this.name, 'backward called before forward');
    const { ticks, batch } = cache;
    if (gradOutputs !== null) this.checkGradOutputs(gradOutputs, cache);
    if (gradHEnd !== null) this.checkState('gradHEnd', gradHEnd, batch);
    if (gradCEnd !== null) this.checkState('gradCEnd', gradCEnd, batch);
    let buffers = this.gradients;
    if (buffers === null || buffers.ticks !== ticks || buffers.batch !== batch) {
      buffers = new LstmGradientBuffers(ticks, batch, this.inputSize, this.hiddenSize);
      this.gradients = buffers;
    }
    // Copied, not aliased: the caller's tensors are only read.
    if (gradHEnd === null) buffers.gradHidden.data.fill(0);
    else buffers.gradHidden.data.set(gradHEnd.data);
    if (gradCEnd === null) buffers.gradCell.data.fill(0);
    else buffers.gradCell.data.set(gradCEnd.data);
    const inputGradient = options?.inputGradient ?? true;
    lstmWindowBackward(this, inputs.data, cache, buffers, gradOutputs?.data ?? null, inputGradient);
    return inputGradient ? buffers.result : buffers.resultWithoutInputs;
  }

  /**
   * (∂s_end/∂s_start)ᵀ·g for g injected at the latest window's final state, with no per-tick
   * gradients and no parameter or input gradients: what a boundary synthetic gradient's target needs
   * when the injected δ̂ is scaled differently for the update and for the target (DESIGN.md item 8).
   * Its own buffers: backwardWindow's results stay valid. Valid until the next stateGradient.
   */
  stateGradient(gradHEnd: Tensor, gradCEnd: Tensor): { gradH0: Tensor; gradC0: Tensor } {
    const cache = this.cache;
    if (cache === null) throw layerError('LSTM', this.name, 'stateGradient called before forward');
    this.checkState('gradHEnd', gradHEnd, cache.batch);
    this.checkState('gradCEnd', gradCEnd, cache.batch);
    let buffers = this.stateBuffers;
    if (buffers === null || buffers.ticks !== cache.ticks || buffers.batch !== cache.batch) {
      buffers = new LstmGradientBuffers(cache.ticks, cache.batch, this.inputSize, this.hiddenSize);
      this.stateBuffers = buffers;
    }
    buffers.gradHidden.data.set(gradHEnd.data);
    buffers.gradCell.data.set(gradCEnd.data);
    propagateThroughTicks(this, cache, buffers, null);
    return buffers.resultWithoutInputs;
  }

  parameters(): Parameter[] {
    return [this.inputWeight, this.recurrentWeight, this.bias];
  }

  buffers(): Record<string, Tensor> {
    return {};
  }

  private checkInputs(inputs: Tensor): void {
    const shape = inputs.shape;
    if (shape.length !== 3 || shape[0] < 1 || shape[1] < 1 || shape[2] !== this.inputSize) {
      throw layerError(
        'LSTM',
        this.name,
        `expects inputs [ticks, batch, ${this.inputSize}] with ticks, batch >= 1, got ${formatShape(shape)}`,
      );
    }
  }

  private checkState(what: string, state: Tensor, batch: number): void {
    const shape = state.shape;
    if (shape.length !== 2 || shape[0] !== batch || shape[1] !== this.hiddenSize) {
      throw layerError(
        'LSTM',
        this.name,
        `expects ${what} [${batch}, ${this.hiddenSize}], got ${formatShape(shape)}`,
      );
    }
  }

  private checkGradOutputs(gradOutputs: Tensor, cache: LstmWindowCache): void {
    const shape = gradOutputs.shape;
    if (
      shape.length !== 3 ||
      shape[0] !== cache.ticks ||
      shape[1] !== cache.batch ||
      shape[2] !== cache.hidden
    ) {
      throw layerError(
        'LSTM',
        this.name,
        `expects gradOutputs ${formatShape(cache.outputs.shape)}, got ${formatShape(shape)}`,
      );
    }
  }
}

/** PyTorch's nn.LSTM initialisation: every weight U(−1/√H, 1/√H). */
function uniformPerHidden(hiddenSize: number): Initialiser {
  const bound = 1 / Math.sqrt(hiddenSize);
  return (target, prng) => prng.fillUniform(target.data, -bound, bound);
}
