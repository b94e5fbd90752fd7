import type { Shape, Tensor } from '../tensor/tensor.ts';
import { checkGradOutput, formatShape, layerError, reuse, reuseDims } from './buffers.ts';
import type { Layer, Parameter } from './layer.ts';
import { type PoolGeometry, poolGeometry, poolWindow, sameInput } from './pool-geometry.ts';

/**
 * What max and average pooling share: the window, shape checks, geometry and the reused output and
 * input-gradient buffers. Subclasses write only the per-window arithmetic.
 */
export abstract class Pool2d implements Layer {
  readonly name: string;
  readonly kernel: readonly [number, number];
  readonly stride: readonly [number, number];
  protected geometry: PoolGeometry | null = null;
  private inputShape: Shape | null = null;
  private output: Tensor | null = null;
  private gradInput: Tensor | null = null;
  /** 'MaxPool2d' or 'AvgPool2d', for error messages. */
  protected readonly kind: string;

  /** `stride` defaults to `kernel` (non-overlapping windows). */
  constructor(
    kind: string,
    name: string,
    kernel: number | readonly [number, number],
    stride?: number | readonly [number, number],
  ) {
    this.kind = kind;
    this.name = name;
    const window = poolWindow(kind, name, kernel, stride);
    this.kernel = window.kernel;
    this.stride = window.stride;
  }

  outputShape(inputShape: Shape): Shape {
    const g = poolGeometry(this.kind, this.name, inputShape, this.kernel, this.stride);
    return [g.channels, g.outH, g.outW];
  }

  /** Checks the input, updates the geometry and returns it with the (reused) output buffer. */
  protected prepareForward(input: Tensor): { g: PoolGeometry; output: Tensor; planes: number } {
    if (input.rank !== 4) {
      throw layerError(
        this.kind,
        this.name,
        `expects input [batch, channels, height, width], got ${formatShape(input.shape)}`,
      );
    }
    const g = sameInput(this.geometry, input.shape)
      ? (this.geometry as PoolGeometry)
      : poolGeometry(this.kind, this.name, input.shape.slice(1), this.kernel, this.stride);
    this.geometry = g;
    const output = reuseDims(this.output, input.shape[0], g.channels, g.outH, g.outW);
    this.output = output;
    this.inputShape = input.shape;
    return { g, output, planes: input.shape[0] * g.channels };
  }

  /** Checks gradOutput against the last forward and returns the zeroed input-gradient buffer. */
  protected prepareBackward(gradOutput: Tensor): Tensor {
    checkGradOutput(this.kind, this.name, this.output, gradOutput);
    const gradInput = reuse(this.gradInput, this.inputShape as Shape);
    this.gradInput = gradInput;
    gradInput.data.fill(0);
    return gradInput;
  }

  abstract forward(input: Tensor, training: boolean): Tensor;
  abstract backward(gradOutput: Tensor): Tensor;

  parameters(): Parameter[] {
    return [];
  }

  buffers(): Record<string, Tensor> {
    return {};
  }
}
