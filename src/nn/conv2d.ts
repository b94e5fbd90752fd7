import type { ConvGeometry } from '../tensor/backend.ts';
import { backend } from '../tensor/backend-registry.ts';
import type { Prng } from '../tensor/prng.ts';
import { rowSums } from '../tensor/rows.ts';
import { type Shape, Tensor } from '../tensor/tensor.ts';
import { checkGradOutput, formatShape, layerError, pair, reuse, reuseDims } from './buffers.ts';
import { glorotUniform, type Initialiser } from './init.ts';
import type { Layer, Parameter } from './layer.ts';
import { SampleViews } from './slices.ts';

export interface Conv2dOptions {
  prng: Prng;
  stride?: number | readonly [number, number];
  /** Zero padding on each side (default 0). */
  padding?: number | readonly [number, number];
  /** Weight initialiser (default glorotUniform, fans as PyTorch's). The bias always starts at zero. */
  init?: Initialiser;
  bias?: boolean;
}

/**
 * 2-D convolution (cross-correlation, as every framework) on [batch, inC, H, W].
 *
 * Weight [outC, inC, kh, kw], i.e. a row-major [outC, K] matrix with K = inC·kh·kw. Per image:
 * columns[K, P] = im2col(x), y[outC, P] = W · columns, with P = outH·outW. Backward recomputes the
 * image's columns rather than keeping B of them (memory B·K·P), trading one im2col per image for it.
 * Column buffers are allocated once per input geometry.
 *
 * `backward` reads the input tensor given to `forward`: its contents must not change in between.
 */
export class Conv2d implements Layer {
  readonly name: string;
  readonly inChannels: number;
  readonly outChannels: number;
  readonly kernel: readonly [number, number];
  readonly stride: readonly [number, number];
  readonly padding: readonly [number, number];
  readonly weight: Parameter;
  readonly bias: Parameter | null;
  private geometry: ConvGeometry | null = null;
  private columns = new Float32Array(0);
  private gradColumns = new Float32Array(0);
  private input: Tensor | null = null;
  private output: Tensor | null = null;
  private gradInput: Tensor | null = null;
  private readonly inputViews = new SampleViews();
  private readonly outputViews = new SampleViews();
  private readonly gradOutputViews = new SampleViews();
  private readonly gradInputViews = new SampleViews();

  constructor(
    name: string,
    inChannels: number,
    outChannels: number,
    kernel: number | readonly [number, number],
    options: Conv2dOptions,
  ) {
    this.name = name;
    this.inChannels = inChannels;
    this.outChannels = outChannels;
    this.kernel = pair(kernel);
    this.stride = pair(options.stride ?? 1);
    this.padding = pair(options.padding ?? 0);
    const positive = [inChannels, outChannels, ...this.kernel, ...this.stride];
    if (
      !positive.every((v) => Number.isInteger(v) && v >= 1) ||
      !this.padding.every((v) => Number.isInteger(v) && v >= 0)
    ) {
      throw layerError(
        'Conv2d',
        name,
        `needs positive integer channels/kernel/stride and non-negative padding, got in ${inChannels}, out ${outChannels}, kernel ${this.kernel.join('x')}, stride ${this.stride.join(',')}, padding ${this.padding.join(',')}`,
      );
    }
    const weight = Tensor.zeros([outChannels, inChannels, this.kernel[0], this.kernel[1]]);
    (options.init ?? glorotUniform)(weight, options.prng);
    this.weight = { name: `${name}.weight`, value: weight, grad: Tensor.zeros(weight.shape) };
    this.bias =
      (options.bias ?? true)
        ? { name: `${name}.bias`, value: Tensor.zeros([outChannels]), grad: Tensor.zeros([outChannels]) }
        : null;
  }

  outputShape(inputShape: Shape): Shape {
    const g = this.geometryFor(inputShape);
    return [this.outChannels, g.outH, g.outW];
  }

  forward(input: Tensor, _training: boolean): Tensor {
    if (input.rank !== 4) {
      throw layerError(
        'Conv2d',
        this.name,
        `expects input [batch, ${this.inChannels}, height, width], got ${formatShape(input.shape)}`,
      );
    }
    const g = this.prepare(input.shape);
    const batch = input.shape[0];
    const k = this.inChannels * g.kernelH * g.kernelW;
    const plane = g.outH * g.outW;
    const output = reuseDims(this.output, batch, this.outChannels, g.outH, g.outW);
    this.output = output;
    this.input = input;
    const compute = backend();
    const images = this.inputViews.of(input.data, batch, input.size / batch);
    const outputs = this.outputViews.of(output.data, batch, this.outChannels * plane);
    const w = this.weight.value.data;
    for (let n = 0; n < batch; n++) {
      compute.im2col(g, images[n], this.columns);
      // y[outC, P] = W[outC, K] · columns[K, P]
      compute.gemm(
        false,
        false,
        this.outChannels,
        plane,
        k,
        1,
        w,
        k,
        this.columns,
        plane,
        0,
        outputs[n],
        plane,
      );
      if (this.bias !== null) addPerRow(outputs[n], this.outChannels, plane, this.bias.value.data);
    }
    return output;
  }

  backward(gradOutput: Tensor): Tensor {
    checkGradOutput('Conv2d', this.name, this.output, gradOutput);
    const input = this.input as Tensor;
    const g = this.geometry as ConvGeometry;
    const batch = input.shape[0];
    const k = this.inChannels * g.kernelH * g.kernelW;
    const plane = g.outH * g.outW;
    const gradInput = reuse(this.gradInput, input.shape);
    this.gradInput = gradInput;
    gradInput.data.fill(0); // col2im accumulates
    const compute = backend();
    const images = this.inputViews.of(input.data, batch, input.size / batch);
    const gradImages = this.gradInputViews.of(gradInput.data, batch, input.size / batch);
    const gradOutputs = this.gradOutputViews.of(gradOutput.data, batch, this.outChannels * plane);
    const w = this.weight.value.data;
    const gradW = this.weight.grad.data;
    for (let n = 0; n < batch; n++) {
      const gy = gradOutputs[n];
      compute.im2col(g, images[n], this.columns);
      // ∂L/∂W[outC, K] += gy[outC, P] · columns[K, P]ᵀ
      compute.gemm(false, true, this.outChannels, k, plane, 1, gy, plane, this.columns, plane, 1, gradW, k);
      if (this.bias !== null) rowSums(gy, this.outChannels, plane, this.bias.grad.data);
      // ∂L/∂columns[K, P] = W[outC, K]ᵀ · gy[outC, P], then scattered back onto the image.
      compute.gemm(true, false, k, plane, this.outChannels, 1, w, k, gy, plane, 0, this.gradColumns, plane);
      compute.col2im(g, this.gradColumns, gradImages[n]);
    }
    return gradInput;
  }

  parameters(): Parameter[] {
    return this.bias === null ? [this.weight] : [this.weight, this.bias];
  }

  buffers(): Record<string, Tensor> {
    return {};
  }

  /** Geometry for a batch input shape; (re)allocates the column buffers when it changes. */
  private prepare(inputShape: Shape): ConvGeometry {
    const current = this.geometry;
    if (
      current !== null &&
      inputShape[1] === this.inChannels &&
      current.height === inputShape[2] &&
      current.width === inputShape[3]
    ) {
      return current;
    }
    const g = this.geometryFor(inputShape.slice(1));
    const size = this.inChannels * g.kernelH * g.kernelW * g.outH * g.outW;
    this.columns = new Float32Array(size);
    this.gradColumns = new Float32Array(size);
    this.geometry = g;
    return g;
  }

  private geometryFor(inputShape: Shape): ConvGeometry {
    if (inputShape.length !== 3 || inputShape[0] !== this.inChannels) {
      throw layerError(
        'Conv2d',
        this.name,
        `expects per-sample input [${this.inChannels}, height, width], got ${formatShape(inputShape)}`,
      );
    }
    const [channels, height, width] = inputShape;
    const [kernelH, kernelW] = this.kernel;
    const [strideH, strideW] = this.stride;
    const [padH, padW] = this.padding;
    const outH = Math.floor((height + 2 * padH - kernelH) / strideH) + 1;
    const outW = Math.floor((width + 2 * padW - kernelW) / strideW) + 1;
    if (height + 2 * padH < kernelH || width + 2 * padW < kernelW) {
      throw layerError(
        'Conv2d',
        this.name,
        `kernel ${kernelH}x${kernelW} does not fit input ${height}x${width} with padding ${padH},${padW}`,
      );
    }
    return { channels, height, width, kernelH, kernelW, strideH, strideW, padH, padW, outH, outW };
  }
}

/** matrix[r, :] += bias[r]: the per-channel conv bias over an image's output plane. */
function addPerRow(matrix: Float32Array, rows: number, cols: number, bias: Float32Array): void {
  for (let r = 0; r < rows; r++) {
    const value = bias[r];
    const base = r * cols;
    for (let c = base; c < base + cols; c++) matrix[c] += value;
  }
}
