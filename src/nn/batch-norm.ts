import { backend } from '../tensor/backend-registry.ts';
import { type Shape, Tensor } from '../tensor/tensor.ts';
import { checkGradOutput, formatShape, layerError, reuse } from './buffers.ts';
import type { Layer, Parameter } from './layer.ts';

export interface BatchNormOptions {
  /** Weight of the newest batch in the running statistics (PyTorch's default 0.1). */
  momentum?: number;
  /** Added to the variance before the square root (PyTorch's default 1e-5). */
  eps?: number;
}

/**
 * Batch normalisation (Ioffe & Szegedy 2015) with PyTorch's semantics, over inputs viewed as
 * [batch, channels, spatial]: statistics are per channel, over batch × spatial positions.
 *
 * - Training: normalise with the batch mean and biased variance; update the running mean and the
 *   *unbiased* running variance with `running = (1 − momentum)·running + momentum·batch`.
 * - Evaluation: normalise with the running statistics.
 * - y = γ·x̂ + β with learnable γ (`weight`, starts at 1) and β (`bias`, starts at 0).
 *
 * Subclasses fix the accepted input ranks (BatchNorm1d, BatchNorm2d). The arithmetic is the
 * backend's batchNormForward/batchNormBackward (src/tensor/batch-norm-kernels.ts): float64 statistics,
 * ∂L/∂x = γ/σ · (gy − mean(gy) − x̂·mean(gy·x̂)) in training and γ/σ · gy in evaluation.
 */
export abstract class BatchNorm implements Layer {
  readonly name: string;
  readonly channels: number;
  readonly momentum: number;
  readonly eps: number;
  readonly weight: Parameter;
  readonly bias: Parameter;
  readonly runningMean: Tensor;
  readonly runningVar: Tensor;
  protected abstract readonly kind: string;
  /** Per-channel 1/√(σ² + ε) of the last forward (batch or running statistics); float64 for accuracy. */
  private readonly invStd: Float64Array;
  private readonly mean: Float64Array;
  private normalised: Tensor | null = null;
  private output: Tensor | null = null;
  private gradInput: Tensor | null = null;
  private trainedForward = false;

  constructor(name: string, channels: number, options: BatchNormOptions = {}) {
    this.name = name;
    if (!Number.isInteger(channels) || channels < 1) {
      throw new Error(
        `dniflow/nn: BatchNorm '${name}' needs a positive integer channel count, got ${channels}`,
      );
    }
    this.channels = channels;
    this.momentum = options.momentum ?? 0.1;
    this.eps = options.eps ?? 1e-5;
    this.weight = {
      name: `${name}.weight`,
      value: Tensor.zeros([channels]).fill(1),
      grad: Tensor.zeros([channels]),
    };
    this.bias = { name: `${name}.bias`, value: Tensor.zeros([channels]), grad: Tensor.zeros([channels]) };
    this.runningMean = Tensor.zeros([channels]);
    this.runningVar = Tensor.zeros([channels]).fill(1);
    this.invStd = new Float64Array(channels);
    this.mean = new Float64Array(channels);
  }

  /** Whether a per-sample shape has an accepted rank; the message lists the accepted shapes. */
  protected abstract acceptsRank(rank: number): boolean;
  protected abstract readonly expected: string;

  outputShape(inputShape: Shape): Shape {
    if (!this.acceptsRank(inputShape.length) || inputShape[0] !== this.channels) {
      throw layerError(this.kind, this.name, `expects ${this.expected}, got ${formatShape(inputShape)}`);
    }
    return inputShape;
  }

  forward(input: Tensor, training: boolean): Tensor {
    if (!this.acceptsRank(input.rank - 1) || input.shape[1] !== this.channels)
      this.outputShape(input.shape.slice(1));
    const batch = input.shape[0];
    const spatial = input.size / (batch * this.channels);
    if (training && batch * spatial < 2) {
      throw layerError(
        this.kind,
        this.name,
        `needs more than one value per channel in training, got input ${formatShape(input.shape)}`,
      );
    }
    const normalised = reuse(this.normalised, input.shape);
    const output = reuse(this.output, input.shape);
    this.normalised = normalised;
    this.output = output;
    this.trainedForward = training;
    backend().batchNormForward(
      input.data,
      normalised.data,
      output.data,
      this.weight.value.data,
      this.bias.value.data,
      this.runningMean.data,
      this.runningVar.data,
      this.mean,
      this.invStd,
      batch,
      this.channels,
      spatial,
      training,
      this.momentum,
      this.eps,
    );
    return output;
  }

  backward(gradOutput: Tensor): Tensor {
    checkGradOutput(this.kind, this.name, this.output, gradOutput);
    const normalised = this.normalised as Tensor;
    const batch = normalised.shape[0];
    const spatial = normalised.size / (batch * this.channels);
    const gradInput = reuse(this.gradInput, normalised.shape);
    this.gradInput = gradInput;
    backend().batchNormBackward(
      gradOutput.data,
      normalised.data,
      gradInput.data,
      this.weight.value.data,
      this.invStd,
      this.weight.grad.data,
      this.bias.grad.data,
      batch,
      this.channels,
      spatial,
      this.trainedForward,
    );
    return gradInput;
  }

  parameters(): Parameter[] {
    return [this.weight, this.bias];
  }

  buffers(): Record<string, Tensor> {
    return { [`${this.name}.runningMean`]: this.runningMean, [`${this.name}.runningVar`]: this.runningVar };
  }
}
