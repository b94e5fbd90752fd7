import type { Shape, Tensor } from '../tensor/tensor.ts';
import { checkGradOutput, formatShape, layerError, reuse, reuseDims } from './buffers.ts';
import type { Layer, Parameter } from './layer.ts';
import { type PoolGeometry, poolGeometry, poolWindow, sameInput } from './pool-geometry.ts';

/** Average pooling over [batch, C, H, W] without padding: every window holds kernelH·kernelW inputs. */
export class AvgPool2d implements Layer {
  readonly name: string;
  readonly kernel: readonly [number, number];
  readonly stride: readonly [number, number];
  private geometry: PoolGeometry | null = null;
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
    const window = poolWindow('AvgPool2d', name, kernel, stride);
    this.kernel = window.kernel;
    this.stride = window.stride;
  }

  outputShape(inputShape: Shape): Shape {
    const g = poolGeometry('AvgPool2d', this.name, inputShape, this.kernel, this.stride);
    return [g.channels, g.outH, g.outW];
  }

  forward(input: Tensor, _training: boolean): Tensor {
    if (input.rank !== 4) {
      throw layerError(
        'AvgPool2d',
        this.name,
        `expects input [batch, channels, height, width], got ${formatShape(input.shape)}`,
      );
    }
    const g = sameInput(this.geometry, input.shape)
      ? this.geometry
      : poolGeometry('AvgPool2d', this.name, input.shape.slice(1), this.kernel, this.stride);
    this.geometry = g;
    const planes = input.shape[0] * g.channels;
    const output = reuseDims(this.output, input.shape[0], g.channels, g.outH, g.outW);
    this.output = output;
    this.inputShape = input.shape;
    const x = input.data;
    const y = output.data;
    const inPlane = g.height * g.width;
    const inv = 1 / (g.kernelH * g.kernelW);
    let o = 0;
    for (let p = 0; p < planes; p++) {
      const planeBase = p * inPlane;
      for (let oy = 0; oy < g.outH; oy++) {
        for (let ox = 0; ox < g.outW; ox++, o++) {
          let sum = 0;
          for (let ky = 0; ky < g.kernelH; ky++) {
            const rowBase = planeBase + (oy * g.strideH + ky) * g.width + ox * g.strideW;
            for (let kx = 0; kx < g.kernelW; kx++) sum += x[rowBase + kx];
          }
          y[o] = sum * inv;
        }
      }
    }
    return output;
  }

  backward(gradOutput: Tensor): Tensor {
    checkGradOutput('AvgPool2d', this.name, this.output, gradOutput);
    const g = this.geometry as PoolGeometry;
    const gradInput = reuse(this.gradInput, this.inputShape as Shape);
    this.gradInput = gradInput;
    const gx = gradInput.data;
    gx.fill(0);
    const gy = gradOutput.data;
    const planes = gradInput.shape[0] * g.channels;
    const inPlane = g.height * g.width;
    const inv = 1 / (g.kernelH * g.kernelW);
    let o = 0;
    for (let p = 0; p < planes; p++) {
      const planeBase = p * inPlane;
      for (let oy = 0; oy < g.outH; oy++) {
        for (let ox = 0; ox < g.outW; ox++, o++) {
          const share = gy[o] * inv;
          for (let ky = 0; ky < g.kernelH; ky++) {
            const rowBase = planeBase + (oy * g.strideH + ky) * g.width + ox * g.strideW;
            for (let kx = 0; kx < g.kernelW; kx++) gx[rowBase + kx] += share;
          }
        }
      }
    }
    return gradInput;
  }

  parameters(): Parameter[] {
    return [];
  }

  buffers(): Record<string, Tensor> {
    return {};
  }
}
