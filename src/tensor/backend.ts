import type { batchNormBackward, batchNormForward } from './batch-norm-kernels.ts';
import type { lstmTickBackward, lstmTickForward } from './lstm-kernels.ts';
import type { AdamStepScalars, SgdStepScalars } from './optimizer-kernels.ts';

/**
 * The compute backend: the few kernels that dominate time (gemm, convolution as im2col + gemm, the
 * optimiser updates and batch normalisation). Everything else is plain TypeScript. A native backend
 * replaces this without touching any caller. Kernels work in place on the caller's arrays.
 */
export interface ConvGeometry {
  readonly channels: number;
  readonly height: number;
  readonly width: number;
  readonly kernelH: number;
  readonly kernelW: number;
  readonly strideH: number;
  readonly strideW: number;
  readonly padH: number;
  readonly padW: number;
  readonly outH: number;
  readonly outW: number;
}

export interface Backend {
  readonly name: 'ts' | 'native';
  /** Threads the backend's BLAS uses (1 for the TS backend). */
  readonly threads: number;
  /**
   * Row-major C = alpha * op(A) * op(B) + beta * C, as cblas_sgemm(RowMajor, ...).
   * op(A) is M×K, op(B) is K×N, C is M×N. lda/ldb/ldc are row strides of the stored matrices.
   * When beta is 0, C is overwritten (NaN in C does not leak through).
   */
  gemm(
    transA: boolean,
    transB: boolean,
    m: number,
    n: number,
    k: number,
    alpha: number,
    a: Float32Array,
    lda: number,
    b: Float32Array,
    ldb: number,
    beta: number,
    c: Float32Array,
    ldc: number,
  ): void;
  /** One image [C, H, W] to columns [C·kh·kw, outH·outW]; padding reads as zero. */
  im2col(geometry: ConvGeometry, image: Float32Array, columns: Float32Array): void;
  /** Adds columns [C·kh·kw, outH·outW] back into an image [C, H, W] (the adjoint of im2col). */
  col2im(geometry: ConvGeometry, columns: Float32Array, image: Float32Array): void;
  /** output = max(input, 0), branch-free (see relu-kernels.ts: −∞ gives NaN); output may alias input. */
  relu(input: Float32Array, output: Float32Array): void;
  /** gradInput = gradOutput where output > 0, else +0, from the forward *output*. */
  reluBackward(output: Float32Array, gradOutput: Float32Array, gradInput: Float32Array): void;
  /**
   * One Adam step in place on param, m and v (PyTorch's formula; see optimizer-kernels.ts). All four
   * arrays have the same length.
   */
  adamStep(
    param: Float32Array,
    grad: Float32Array,
    m: Float32Array,
    v: Float32Array,
    s: AdamStepScalars,
  ): void;
  /** One SGD step in place (see optimizer-kernels.ts); momentumBuffer is unused when momentum is 0. */
  sgdStep(param: Float32Array, grad: Float32Array, momentumBuffer: Float32Array, s: SgdStepScalars): void;
  /**
   * BatchNorm forward over x viewed [batch, channels, spatial] (see batch-norm-kernels.ts): fills the
   * per-channel mean and invStd (batch statistics, updating the running ones, when training; the
   * running ones otherwise), x̂ into normalised and γ·x̂ + β into output.
   */
  batchNormForward: typeof batchNormForward;
  /** BatchNorm backward: adds into gradGamma and gradBeta, overwrites gradInput. */
  batchNormBackward: typeof batchNormBackward;
  /**
   * The elementwise half of LSTM tick t on a window's buffers (layout in lstm-kernels.ts): activates
   * the tick's gates in place and writes c_t, tanh(c_t) and h_t.
   */
  lstmTickForward: typeof lstmTickForward;
  /**
   * Backward through tick t's elementwise math: writes the tick's ∂L/∂(gate pre-activations) and
   * replaces gradCell by ∂L/∂c_{t−1} (gradOutputs may be null: no per-tick gradient).
   */
  lstmTickBackward: typeof lstmTickBackward;
}

export function convGeometry(
  channels: number,
  height: number,
  width: number,
  kernel: number | readonly [number, number],
  stride: number | readonly [number, number] = 1,
  pad: number | readonly [number, number] = 0,
): ConvGeometry {
  const [kernelH, kernelW] = typeof kernel === 'number' ? [kernel, kernel] : kernel;
  const [strideH, strideW] = typeof stride === 'number' ? [stride, stride] : stride;
  const [padH, padW] = typeof pad === 'number' ? [pad, pad] : pad;
  const outH = Math.floor((height + 2 * padH - kernelH) / strideH) + 1;
  const outW = Math.floor((width + 2 * padW - kernelW) / strideW) + 1;
  if (outH < 1 || outW < 1) {
    throw new Error(
      `dniflow/tensor: kernel ${kernelH}x${kernelW} does not fit input ${height}x${width} with padding ${padH},${padW}`,
    );
  }
  return { channels, height, width, kernelH, kernelW, strideH, strideW, padH, padW, outH, outW };
}
