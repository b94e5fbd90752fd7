import type { Tensor } from '../tensor/tensor.ts';
import { Pool2d } from './pool-2d.ts';

/**
 * Max pooling over [batch, C, H, W] without padding. Forward records, for every output, the flat
 * input index of its window's maximum (the first on ties); backward routes each gradient there.
 */
export class MaxPool2d extends Pool2d {
  private argmax = new Int32Array(0);

  /** `stride` defaults to `kernel` (non-overlapping windows). */
  constructor(
    name: string,
    kernel: number | readonly [number, number],
    stride?: number | readonly [number, number],
  ) {
    super('MaxPool2d', name, kernel, stride);
  }

  forward(input: Tensor, _training: boolean): Tensor {
    const { g, output, planes } = this.prepareForward(input);
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
    const gradInput = this.prepareBackward(gradOutput);
    const gx = gradInput.data;
    const gy = gradOutput.data;
    const argmax = this.argmax;
    // Overlapping windows (stride < kernel) can share a maximum, hence +=.
    for (let o = 0; o < gy.length; o++) gx[argmax[o]] += gy[o];
    return gradInput;
  }
}
