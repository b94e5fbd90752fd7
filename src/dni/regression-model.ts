import { createOptimizer } from '../nn/optim/create.ts';
import type { Optimizer } from '../nn/optim/optimizer.ts';
import type { Sequential } from '../nn/sequential.ts';
import type { Prng } from '../tensor/prng.ts';
import { type Shape, sameShape, sizeOf, Tensor } from '../tensor/tensor.ts';
import { appendChannelMasks, appendOneHot, checkContext } from './context.ts';
import { l2Regression } from './l2-regression.ts';
import { buildModelStack, type ModelStack, resolveModelSpec } from './model-stack.ts';
import type { OptimizerSpec, SyntheticModelSpec } from './spec.ts';
import { DEFAULT_SYNTHETIC_OPTIMIZER } from './spec.ts';
import type {
  SyntheticContext,
  SyntheticLearnResult,
  SyntheticModel,
  SyntheticModelState,
} from './synthetic-model.ts';
import { ViewCache } from './view-cache.ts';

export interface RegressionModelOptions {
  /** Names the model in errors and prefixes its parameter names (`sg.fc1.weight`). */
  name: string;
  spec: SyntheticModelSpec;
  /** Per-sample shape of what `predict` reads (h_A, or the network input x). */
  inputShape: Shape;
  /** Per-sample shape of what `predict` returns and `learn` regresses onto. */
  outputShape: Shape;
  /** cDNI: the number of label classes appended as context (paper §3.1); absent or 0 for none. */
  classes?: number;
  prng: Prng;
  optimizer?: OptimizerSpec;
  /** Predictions kept for a later `learn` (default 32); beyond it the lowest step is evicted. */
  maxPending?: number;
  /** Zero the output layer's weights and bias (default true). */
  zeroFinal?: boolean;
}

export const DEFAULT_MAX_PENDING = 32;

/**
 * A small network regressed by L2 onto a signal that arrives later: the shared machinery of
 * synthetic-gradient and synthetic-input models (paper §2, §3.1).
 *
 * - `predict(step, input, context)` copies the input (with its cDNI context) into a pooled buffer
 *   kept for `step`, runs the network and returns the prediction. The returned tensor is a buffer
 *   the model owns: valid until the next `predict` or `learn` on this model; copy it to keep it.
 * - `learn(step, target)` regresses the *current* network at step's stored input onto `target`
 *   (loss: see l2Regression), backpropagates through the network only (never into the input: the
 *   sender is not trained by this loss) and takes one step of the model's own optimiser. When
 *   `step` is the latest forward and no update happened since, the forward caches are reused;
 *   otherwise (asynchronous schedules: learn(1) after predict(2)) the forward is recomputed on the
 *   stored input, which gives exactly what an in-order predict/learn would.
 * - BatchNorm runs in training mode (batch statistics) in both predict and learn, so learn
 *   differentiates the very function that produced the prediction. A recomputed forward restores
 *   the running statistics afterwards, so each step updates them exactly once (at predict).
 *   Training-mode BN needs batches of at least 2.
 */
export class RegressionModel implements SyntheticModel {
  readonly name: string;
  readonly inputShape: Shape;
  readonly outputShape: Shape;
  /** cDNI classes (0: no context). */
  readonly classes: number;
  readonly maxPending: number;
  readonly network: Sequential;
  readonly optimizer: Optimizer;
  readonly stack: ModelStack;
  private readonly pending = new Map<number, Tensor>();
  private readonly free: Tensor[] = [];
  private cachedStep: number | null = null;
  private cachedOutput: Tensor | null = null;
  private gradient: Tensor | null = null;
  private lastInputGradient: Tensor | null = null;
  private readonly outputViews = new ViewCache();
  private readonly inputGradientViews = new ViewCache();
  private readonly statistics: Tensor[];
  private readonly statisticsSnapshot: Float32Array[];

  constructor(options: RegressionModelOptions) {
    this.name = options.name;
    this.inputShape = [...options.inputShape];
    this.outputShape = [...options.outputShape];
    this.classes = options.classes ?? 0;
    this.maxPending = options.maxPending ?? DEFAULT_MAX_PENDING;
    const who = `model '${this.name}'`;
    if (!Number.isInteger(this.classes) || this.classes < 0) {
      throw new Error(
        `dniflow/dni: ${who} needs a non-negative integer number of context classes, got ${this.classes}`,
      );
    }
    if (!Number.isInteger(this.maxPending) || this.maxPending < 1) {
      throw new Error(`dniflow/dni: ${who} needs maxPending >= 1, got ${this.maxPending}`);
    }
    sizeOf(this.inputShape);
    sizeOf(this.outputShape);
    this.stack = buildModelStack(resolveModelSpec(options.spec, who), {
      name: this.name,
      inputShape: this.inputShape,
      outputShape: this.outputShape,
      contextClasses: this.classes,
      prng: options.prng,
      zeroFinal: options.zeroFinal,
    });
    this.network = this.stack.network;
    // A synthetic model's SGD has no momentum unless its spec says so.
    this.optimizer = createOptimizer(
      this.network.parameters(),
      options.optimizer ?? DEFAULT_SYNTHETIC_OPTIMIZER,
      0,
      who,
    );
    this.statistics = Object.values(this.network.buffers());
    this.statisticsSnapshot = this.statistics.map((t) => new Float32Array(t.size));
  }

  predict(step: number, input: Tensor, context?: SyntheticContext): Tensor {
    const batch = this.checkInput(input);
    let stored = this.pending.get(step);
    if (stored === undefined || stored.shape[0] !== batch) {
      if (stored !== undefined) this.release(step);
      this.evictIfFull();
      stored = this.acquire(batch);
      this.pending.set(step, stored);
    }
    this.writeNetworkInput(input, context, stored);
    const output = this.network.forward(stored, true);
    this.cachedStep = step;
    this.cachedOutput = output;
    return this.outputViews.of(output.data, [batch, ...this.outputShape]);
  }

  learn(step: number, target: Tensor): SyntheticLearnResult {
    const stored = this.pending.get(step);
    if (stored === undefined) {
      throw new Error(
        `dniflow/dni: model '${this.name}' has no prediction pending for step ${step} (never predicted, already learned, forgotten or evicted; pending: [${this.pendingSteps().join(', ')}])`,
      );
    }
    const batch = stored.shape[0];
    const expected = batch * sizeOf(this.outputShape);
    if (target.size !== expected || target.shape[0] !== batch) {
      throw new Error(
        `dniflow/dni: model '${this.name}' expects a target [${[batch, ...this.outputShape].join(', ')}] for step ${step}, got [${target.shape.join(', ')}]`,
      );
    }
    const output =
      this.cachedStep === step && this.cachedOutput !== null ? this.cachedOutput : this.recompute(stored);
    const gradient = this.gradientBuffer(output);
    const result = l2Regression(output.data, target.data, batch, gradient.data);
    this.optimizer.zeroGrad();
    this.lastInputGradient = this.network.backward(gradient);
    this.optimizer.step();
    this.cachedStep = null;
    this.cachedOutput = null;
    this.release(step);
    return result;
  }

  forget(step: number): void {
    if (this.pending.has(step)) this.release(step);
  }

  /** Drops every pending prediction of a step below `step`. */
  forgetBefore(step: number): void {
    for (const pendingStep of [...this.pending.keys()]) if (pendingStep < step) this.release(pendingStep);
  }

  /** Steps predicted and not yet learned from, forgotten or evicted, in ascending order. */
  pendingSteps(): number[] {
    return [...this.pending.keys()].sort((a, b) => a - b);
  }

  hasPending(step: number): boolean {
    return this.pending.has(step);
  }

  /**
   * Copies of the stored inputs of the predictions awaiting `learn`, by step: with `state()`,
   * what a checkpoint needs to continue a run whose predictions cross it (a recurrent boundary).
   */
  pendingInputs(): Map<number, Tensor> {
    return new Map(this.pendingSteps().map((step) => [step, this.pending.get(step)!.clone()]));
  }

  /** Replaces the pending predictions by `pendingInputs()`'s (a later `learn` recomputes each). */
  loadPendingInputs(inputs: ReadonlyMap<number, Tensor>): void {
    const sample = sizeOf(this.stack.networkInputShape);
    for (const [step, input] of inputs)
      if (input.rank < 1 || input.size !== input.shape[0] * sample)
        throw new Error(
          `dniflow/dni: model '${this.name}' pending input for step ${step} has shape [${input.shape.join(', ')}]`,
        );
    for (const step of this.pendingSteps()) this.release(step);
    for (const [step, input] of inputs) {
      const stored = this.acquire(input.shape[0]);
      stored.data.set(input.data);
      this.pending.set(step, stored);
    }
  }

  /**
   * ∂L/∂input of the latest `learn` as [B, ...inputShape] (model-owned, valid until the next learn):
   * for auxiliary losses whose gradient *should* reach the input (the future-gradient head, paper
   * §3.2). Only for context-free models.
   */
  inputGradient(): Tensor {
    if (this.classes > 0) {
      throw new Error(
        `dniflow/dni: model '${this.name}' has label context; its input gradient is not defined here`,
      );
    }
    const gradient = this.lastInputGradient;
    if (gradient === null)
      throw new Error(`dniflow/dni: model '${this.name}' has no input gradient before its first learn`);
    return this.inputGradientViews.of(gradient.data, [gradient.shape[0], ...this.inputShape]);
  }

  /** Live parameter and BatchNorm-statistics tensors (writing into them changes the model). */
  parameters(): { name: string; value: Tensor }[] {
    const trainable = this.network.parameters().map((p) => ({ name: p.name, value: p.value }));
    const statistics = Object.entries(this.network.buffers()).map(([name, value]) => ({ name, value }));
    return [...trainable, ...statistics];
  }

  state(): SyntheticModelState {
    const tensors: Record<string, Tensor> = {};
    for (const { name, value } of this.parameters()) tensors[name] = value.clone();
    return { tensors, optimizer: this.optimizer.state() };
  }

  loadState(state: SyntheticModelState): void {
    const live = this.parameters();
    // Validate everything before copying anything, so a bad checkpoint leaves the model intact.
    for (const { name, value } of live) {
      const saved = state.tensors[name];
      if (saved === undefined)
        throw new Error(`dniflow/dni: model '${this.name}' state has no tensor '${name}'`);
      if (!sameShape(saved.shape, value.shape)) {
        throw new Error(
          `dniflow/dni: model '${this.name}' state tensor '${name}' has shape [${saved.shape.join(', ')}], expected [${value.shape.join(', ')}]`,
        );
      }
    }
    this.optimizer.loadState(state.optimizer);
    for (const { name, value } of live) value.copyFrom(state.tensors[name]);
    this.cachedStep = null;
    this.cachedOutput = null;
  }

  /** The per-sample input check; returns the batch size. */
  private checkInput(input: Tensor): number {
    const sample = input.shape.slice(1);
    const conv = this.stack.layout === 'conv';
    const fits = conv
      ? sameShape(sample, this.inputShape)
      : input.rank >= 2 && sizeOf(sample) === sizeOf(this.inputShape);
    if (!fits) {
      throw new Error(
        `dniflow/dni: model '${this.name}' expects input [batch, ${this.inputShape.join(', ')}]${conv ? '' : ' (or any shape of that per-sample size)'}, got [${input.shape.join(', ')}]`,
      );
    }
    return input.shape[0];
  }

  private writeNetworkInput(input: Tensor, context: SyntheticContext | undefined, out: Tensor): void {
    if (this.classes === 0) {
      // A context-free model ignores any context it is given.
      out.data.set(input.data);
      return;
    }
    if (context === undefined) {
      throw new Error(
        `dniflow/dni: model '${this.name}' is conditioned on labels (cDNI) and needs a context`,
      );
    }
    checkContext(`model '${this.name}'`, context, input.shape[0], this.classes);
    if (this.stack.layout === 'conv') appendChannelMasks(input, context.labels, this.classes, out);
    else appendOneHot(input, context.labels, this.classes, out);
  }

  /** The forward for an older step, leaving BN's running statistics as they were. */
  private recompute(stored: Tensor): Tensor {
    const { statistics, statisticsSnapshot: snapshot } = this;
    for (let i = 0; i < statistics.length; i++) snapshot[i].set(statistics[i].data);
    const output = this.network.forward(stored, true);
    for (let i = 0; i < statistics.length; i++) statistics[i].data.set(snapshot[i]);
    return output;
  }

  private gradientBuffer(output: Tensor): Tensor {
    if (this.gradient === null || !sameShape(this.gradient.shape, output.shape))
      this.gradient = Tensor.zeros(output.shape);
    return this.gradient;
  }

  /** A stored-input buffer for `batch` examples from the pool (buffers of another batch size are dropped). */
  private acquire(batch: number): Tensor {
    const sample = this.stack.networkInputShape;
    for (let buffer = this.free.pop(); buffer !== undefined; buffer = this.free.pop()) {
      if (buffer.shape[0] === batch) return buffer; // every pooled buffer has this model's sample shape
    }
    return Tensor.zeros([batch, ...sample]);
  }

  private release(step: number): void {
    const stored = this.pending.get(step);
    if (stored === undefined) return;
    this.pending.delete(step);
    this.free.push(stored);
    if (this.cachedStep === step) {
      // The buffer may be reused for another step: the forward caches no longer describe `step`.
      this.cachedStep = null;
      this.cachedOutput = null;
    }
  }

  private evictIfFull(): void {
    if (this.pending.size < this.maxPending) return;
    let lowest = Number.POSITIVE_INFINITY;
    for (const step of this.pending.keys()) lowest = Math.min(lowest, step);
    this.release(lowest);
  }
}
