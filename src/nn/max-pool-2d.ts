import type { Shape, Tensor } from '../tensor/tensor.ts';
import { checkGradOutput, formatShape, layerError, reuse, reuseDims } from './buffers.ts';
import type { Layer, Parameter } from './layer.ts';
import { type PoolGeometry, poolGeometry, poolWindow, sameInput } from './pool-geometry.ts';

/**
 * Max pooling over [batch, C, H, W] without padding. Forward records, for every output, the flat
 * input index of its window's maximum (the first on ties); backward routes each gradient there.
 */
export class MaxPool2d implements Layer {
  readonly name: string;
  readonly kernel: readonly [number, number];
  readonly stride: readonly [number, number];
  private geometry: PoolGeometry | null = null;
  private argmax = new Int32Array(0);
  private inputShape: Shape | null = null;
  private output: Tensor | null = null;
  private gradInput: Tensor | null = null;

  /** `stride` defaults to `kernel` (non-overlapping windows). */
  constructor(
    name: string,
    kernel: number | readonly [number, number],
    stride?: number | readonly [number, number],
  ) {
    this.name = name;
    const window = poolWindow('MaxPool2d', name, kernel, stride);
    this.kernel = window.kernel;
    this.stride = window.stride;
  }

  outputShape(inputShape: Shape): Shape {
    const g = poolGeometry('MaxPool2d', this.name, inputShape, this.kernel, this.stride);
    return [g.channels, g.outH, g.outW];
  }

  forward(input: Tensor, _training: boolean): Tensor {
    if (input.rank !== 4) {
      throw layerError(
        'MaxPool2d',
        this.name,
        `expects input [batch, channels, height, width], got ${formatShape(input.shape)}`,
      );
    }
    const g = sameInput(this.geometry, input.shape)
      ? this.geometry
      : poolGeometry('MaxPool2d', this.name, input.shape.slice(1), this.kernel, this.stride);
    this.geometry = g;
    const planes = input.shape[0] * g.channels;
    const output = reuseDims(this.output, input.shape[0], g.channels, g.outH, g.outW);
    this.output = output;
    this.inputShape = input.shape;
    if (this.argmax.length !== output.size) this.argmax = new Int32Array(output.size);
    const x = input.data;
    const y = output.data;
    const argmax = this.argmax;
    const inPlane = g.height * g.width;
    let o = 0;
    for (let p = 0; p < planes; p++) {
      const planeBase = p * inPlane;
      for (let oy = 0; oy < g.outH; oy++) {
        for (let ox = 0; ox < g.outW; ox++, o++) {
          const top = oy * g.strideH;
          const left = ox * g.strideW;
          let best = planeBase + top * g.width + left;
          let bestValue = x[best];
          for (let ky = 0; ky < g.kernelH; ky++) {
            const rowBase = planeBase + (top + ky) * g.width + left;
            for (let kx = 0; kx < g.kernelW; kx++) {
              const v = x[rowBase + kx];
              // NaN propagates: a NaN window reports NaN instead of silently skipping it.
              if (v > bestValue || Number.isNaN(v)) {
                bestValue = v;
                best = rowBase + kx;
              }
            }
          }
          y[o] = bestValue;
          argmax[o] = best;
        }
      }
    }
    return output;
  }

  backward(gradOutput: Tensor): Tensor {
    checkGradOutput('MaxPool2d', this.name, this.output, gradOutput);
    const gradInput = reuse(this.gradInput, this.inputShape as Shape);
    this.gradInput = gradInput;
    const gx = gradInput.data;
    gx.fill(0);
    const gy = gradOutput.data;
    const argmax = this.argmax;
    // Overlapping windows (stride < kernel) can share a maximum, hence +=.
    for (let o = 0; o < gy.length; o++) gx[argmax[o]] += gy[o];
    return gradInput;
  }

  parameters(): Parameter[] {
    return [];
  }

  buffers(): Record<string, Tensor> {
    return {};
  }
}
