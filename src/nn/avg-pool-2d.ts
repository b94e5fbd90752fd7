import type { Tensor } from '../tensor/tensor.ts';
import { Pool2d } from './pool-2d.ts';
import type { PoolGeometry } from './pool-geometry.ts';

/** Average pooling over [batch, C, H, W] without padding: every window holds kernelH·kernelW inputs. */
export class AvgPool2d extends Pool2d {
  /** `stride` defaults to `kernel` (non-overlapping windows). */
  constructor(
    name: string,
    kernel: number | readonly [number, number],
    stride?: number | readonly [number, number],
  ) {
    super('AvgPool2d', name, kernel, stride);
  }

  forward(input: Tensor, _training: boolean): Tensor {
    const { g, output, planes } = this.prepareForward(input);
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
    const gradInput = this.prepareBackward(gradOutput);
    const g = this.geometry as PoolGeometry;
    const gx = gradInput.data;
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
}
