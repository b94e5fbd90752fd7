import { backend } from '../tensor/backend-registry.ts';
import type { Prng } from '../tensor/prng.ts';
import { type Shape, Tensor } from '../tensor/tensor.ts';
import { checkGradOutput, formatShape, layerError, reuse, reuseDims } from './buffers.ts';
import { allowDeferredZero, overwriteGradient } from './deferred-zero.ts';
import { glorotUniform, type Initialiser, zeros } from './init.ts';
import type { Layer, Parameter } from './layer.ts';

export interface LinearOptions {
  /** The stream weights are drawn from. */
  prng: Prng;
  /** Weight initialiser (default glorotUniform). The bias always starts at zero. */
  init?: Initialiser;
  /** Whether to learn an additive bias (default true). */
  bias?: boolean;
}

/**
 * A fully connected layer, y = x·Wᵀ + b, on inputs [batch, inFeatures].
 *
 * The weight is stored [outFeatures, inFeatures] as in PyTorch, so checkpoints and reference
 * comparisons map one to one; all three products are single row-major gemm calls (the transposes are
 * gemm flags, free for BLAS).
 *
 * `backward` reads the input tensor given to `forward` (for ∂L/∂W): its contents must not change
 * between the two calls.
 */
export class Linear implements Layer {
  readonly name: string;
  readonly inFeatures: number;
  readonly outFeatures: number;
  readonly weight: Parameter;
  readonly bias: Parameter | null;
  private input: Tensor | null = null;
  private output: Tensor | null = null;
  private gradInput: Tensor | null = null;
  /** A row of batch ones: ∂L/∂b = 1ᵀ·gy is then one gemm (grown when the batch size changes). */
  private ones = new Float32Array(0);

  constructor(name: string, inFeatures: number, outFeatures: number, options: LinearOptions) {
    this.name = name;
    for (const [what, value] of [
      ['inFeatures', inFeatures],
      ['outFeatures', outFeatures],
    ] as const) {
      if (!Number.isInteger(value) || value < 1) {
        throw layerError('Linear', name, `needs a positive integer ${what}, got ${value}`);
      }
    }
    this.inFeatures = inFeatures;
    this.outFeatures = outFeatures;
    const weight = Tensor.zeros([outFeatures, inFeatures]);
    (options.init ?? glorotUniform)(weight, options.prng);
    this.weight = { name: `${name}.weight`, value: weight, grad: Tensor.zeros(weight.shape) };
    allowDeferredZero(this.weight.grad.data);
    if (options.bias ?? true) {
      const bias = Tensor.zeros([outFeatures]);
      zeros(bias, options.prng);
      this.bias = { name: `${name}.bias`, value: bias, grad: Tensor.zeros([outFeatures]) };
      allowDeferredZero(this.bias.grad.data);
    } else {
      this.bias = null;
    }
  }

  outputShape(inputShape: Shape): Shape {
    if (inputShape.length !== 1 || inputShape[0] !== this.inFeatures) {
      throw layerError(
        'Linear',
        this.name,
        inputShape.length === 1
          ? `expects input width ${this.inFeatures}, got ${inputShape[0]}`
          : `expects a flat input [${this.inFeatures}], got ${formatShape(inputShape)}`,
      );
    }
    return [this.outFeatures];
  }

  forward(input: Tensor, _training: boolean): Tensor {
    if (input.rank !== 2) {
      throw layerError(
        'Linear',
        this.name,
        `expects input [batch, ${this.inFeatures}], got ${formatShape(input.shape)}`,
      );
    }
    // Slice (allocate) only on the error path.
    if (input.shape[1] !== this.inFeatures) this.outputShape(input.shape.slice(1));
    const batch = input.shape[0];
    const output = reuseDims(this.output, batch, this.outFeatures);
    this.output = output;
    this.input = input;
    // y[B, out] = x[B, in] · W[out, in]ᵀ (+ b): as PyTorch's addmm, the bias is copied into every row
    // of y first and the gemm adds onto it (beta = 1), instead of a separate JS pass over y.
    if (this.bias !== null) fillRows(output.data, batch, this.bias.value.data);
    backend().gemm(
      false,
      true,
      batch,
      this.outFeatures,
      this.inFeatures,
      1,
      input.data,
      this.inFeatures,
      this.weight.value.data,
      this.inFeatures,
      this.bias === null ? 0 : 1,
      output.data,
      this.outFeatures,
    );
    return output;
  }

  /**
   * ∂L/∂W and ∂L/∂b only (added into the gradients). A first layer's ∂L/∂x is never read, and for
   * the MNIST FCN its gemm (B × 784 × 256) is a fifth of a backprop step's arithmetic.
   */
  backwardParameters(gradOutput: Tensor): void {
    checkGradOutput('Linear', this.name, this.output, gradOutput);
    const input = this.input as Tensor;
    const batch = input.shape[0];
    // Called as a method (not detached) so a class-based native backend keeps its `this`.
    const compute = backend();
    // ∂L/∂W[out, in] += gyᵀ[out, B] · x[B, in]: accumulated (beta = 1), or written (beta = 0) when
    // zeroGrad deferred its zeroing (deferred-zero.ts). Same values: gemm adds onto zeros exactly.
    compute.gemm(
      true,
      false,
      this.outFeatures,
      this.inFeatures,
      batch,
      1,
      gradOutput.data,
      this.outFeatures,
      input.data,
      this.inFeatures,
      overwriteGradient(this.weight.grad.data) ? 0 : 1,
      this.weight.grad.data,
      this.inFeatures,
    );
    if (this.bias !== null) {
      // ∂L/∂b[1, out] += 1ᵀ[1, B] · gy[B, out]
      if (this.ones.length !== batch) this.ones = new Float32Array(batch).fill(1);
      compute.gemm(
        false,
        false,
        1,
        this.outFeatures,
        batch,
        1,
        this.ones,
        batch,
        gradOutput.data,
        this.outFeatures,
        overwriteGradient(this.bias.grad.data) ? 0 : 1,
        this.bias.grad.data,
        this.outFeatures,
      );
    }
  }

  backward(gradOutput: Tensor): Tensor {
    this.backwardParameters(gradOutput);
    const input = this.input as Tensor;
    const batch = input.shape[0];
    const compute = backend();
    // ∂L/∂x[B, in] = gy[B, out] · W[out, in]
    const gradInput = reuse(this.gradInput, input.shape);
    this.gradInput = gradInput;
    compute.gemm(
      false,
      false,
      batch,
      this.inFeatures,
      this.outFeatures,
      1,
      gradOutput.data,
      this.outFeatures,
      this.weight.value.data,
      this.inFeatures,
      0,
      gradInput.data,
      this.inFeatures,
    );
    return gradInput;
  }

  parameters(): Parameter[] {
    return this.bias === null ? [this.weight] : [this.weight, this.bias];
  }

  buffers(): Record<string, Tensor> {
    return {};
  }
}

/** Copies `row` into each of the `rows` rows of `matrix`, doubling the filled prefix each time. */
function fillRows(matrix: Float32Array, rows: number, row: Float32Array): void {
  const total = rows * row.length;
  if (total === 0) return;
  matrix.set(row, 0);
  for (let filled = row.length; filled < total; filled *= 2) {
    matrix.copyWithin(filled, 0, Math.min(filled, total - filled));
  }
}
