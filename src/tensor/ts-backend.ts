import type { Backend, ConvGeometry } from './backend.ts';
import { batchNormBackward, batchNormForward } from './batch-norm-kernels.ts';
import { gemm } from './gemm.ts';
import { lstmTickBackward, lstmTickForward } from './lstm-kernels.ts';
import { adamStep, sgdStep } from './optimizer-kernels.ts';
import { reluBranchFree, reluBranchFreeBackward } from './relu-kernels.ts';

function im2col(g: ConvGeometry, image: Float32Array, columns: Float32Array): void {
  const plane = g.outH * g.outW;
  let row = 0;
  for (let c = 0; c < g.channels; c++) {
    const channelBase = c * g.height * g.width;
    for (let ky = 0; ky < g.kernelH; ky++) {
      for (let kx = 0; kx < g.kernelW; kx++, row++) {
        const rowBase = row * plane;
        for (let oy = 0; oy < g.outH; oy++) {
          const y = oy * g.strideH - g.padH + ky;
          const outBase = rowBase + oy * g.outW;
          if (y < 0 || y >= g.height) {
            columns.fill(0, outBase, outBase + g.outW);
            continue;
          }
          const inBase = channelBase + y * g.width;
          for (let ox = 0; ox < g.outW; ox++) {
            const x = ox * g.strideW - g.padW + kx;
            columns[outBase + ox] = x >= 0 && x < g.width ? image[inBase + x] : 0;
          }
        }
      }
    }
  }
}

function col2im(g: ConvGeometry, columns: Float32Array, image: Float32Array): void {
  const plane = g.outH * g.outW;
  let row = 0;
  for (let c = 0; c < g.channels; c++) {
    const channelBase = c * g.height * g.width;
    for (let ky = 0; ky < g.kernelH; ky++) {
      for (let kx = 0; kx < g.kernelW; kx++, row++) {
        const rowBase = row * plane;
        for (let oy = 0; oy < g.outH; oy++) {
          const y = oy * g.strideH - g.padH + ky;
          if (y < 0 || y >= g.height) continue;
          const inBase = channelBase + y * g.width;
          const outBase = rowBase + oy * g.outW;
          for (let ox = 0; ox < g.outW; ox++) {
            const x = ox * g.strideW - g.padW + kx;
            if (x >= 0 && x < g.width) image[inBase + x] += columns[outBase + ox];
          }
        }
      }
    }
  }
}

export const tsBackend: Backend = {
  name: 'ts',
  threads: 1,
  gemm,
  im2col,
  col2im,
  relu: reluBranchFree,
  reluBackward: reluBranchFreeBackward,
  adamStep,
  sgdStep,
  batchNormForward,
  batchNormBackward,
  lstmTickForward,
  lstmTickBackward,
};
