/**
 * The compute backend: the few kernels that dominate time (gemm, and convolution as im2col + gemm).
 * Everything else is plain TypeScript. A native backend replaces this without touching any caller.
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
