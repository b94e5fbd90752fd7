/**
 * Portable row-major sgemm: C = alpha · op(A) · op(B) + beta · C (the contract is Backend.gemm's).
 *
 * The structure is Goto/BLIS's, cut down to what helps in scalar JavaScript:
 * - op(A) and op(B) are copied ("packed") block by block into module-level scratch, so that the
 *   micro-kernel reads both operands contiguously whatever the transposes and leading dimensions.
 *   Packing also converts to float64 once, so the kernel does no float32→float64 conversions.
 * - The micro-kernel computes a 4×4 tile of C in 16 local variables. V8 cannot vectorise, and x64
 *   has 16 xmm registers, so 4×4 is the largest tile that does not spill into a slow stack mess;
 *   4×8, 8×4, 5×5 and 6×4 were all measured slower (see bench/RESULTS.md).
 * - Blocks of KC×NC of op(B) and MC×KC of op(A) keep the packed panels in L2/L1 for large shapes.
 * Scratch is allocated once, at the block sizes' maximum; gemm never allocates.
 */
import { MR as KERNEL_MR, NR as KERNEL_NR, microKernel } from './gemm-kernel.ts';
import { packA, packB } from './gemm-pack.ts';
import { gemmThin } from './gemm-thin.ts';

// Module-local copies of the tile size (imported bindings are slower in loops, see gemm-pack.ts);
// these loops run once per tile, so a module-level const is cheap enough here.
const MR = KERNEL_MR;
const NR = KERNEL_NR;
/** Depth of a packed block (rows of op(B), columns of op(A)). */
const KC = 256;
/** Rows of op(A) per packed block; a multiple of MR. */
const MC = 64;
/** Columns of op(B) per packed block; a multiple of NR. */
const NC = 256;

const packedA = new Float64Array(MC * KC);
const packedB = new Float64Array(KC * NC);

function checkOperand(
  name: string,
  array: Float32Array,
  rows: number,
  cols: number,
  leading: number,
  leadingName: string,
): void {
  if (!(leading >= Math.max(1, cols))) {
    throw new Error(
      `dniflow/tensor: gemm ${leadingName} = ${leading} is less than the ${cols} columns of ${name}`,
    );
  }
  const needed = rows === 0 || cols === 0 ? 0 : (rows - 1) * leading + cols;
  if (array.length < needed) {
    throw new Error(
      `dniflow/tensor: gemm ${name} is stored as ${rows}x${cols} with ${leadingName} = ${leading}, which needs ${needed} values, got ${array.length}`,
    );
  }
}

/** C = beta · C over the m×n window (beta 0 writes zeros, so NaN in C does not survive). */
function scaleC(m: number, n: number, beta: number, c: Float32Array, ldc: number): void {
  for (let i = 0; i < m; i++) {
    const row = i * ldc;
    if (beta === 0) c.fill(0, row, row + n);
    else if (beta !== 1) for (let j = 0; j < n; j++) c[row + j] *= beta;
  }
}

export function gemm(
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
): void {
  if (!(Number.isInteger(m) && Number.isInteger(n) && Number.isInteger(k) && m >= 0 && n >= 0 && k >= 0)) {
    throw new Error(`dniflow/tensor: gemm sizes must be non-negative integers, got m=${m} n=${n} k=${k}`);
  }
  checkOperand('C', c, m, n, ldc, 'ldc');
  if (m === 0 || n === 0) return;
  if (k === 0 || alpha === 0) {
    scaleC(m, n, beta, c, ldc);
    return;
  }
  checkOperand(transA ? 'A (transposed)' : 'A', a, transA ? k : m, transA ? m : k, lda, 'lda');
  checkOperand(transB ? 'B (transposed)' : 'B', b, transB ? n : k, transB ? k : n, ldb, 'ldb');
  if (m < MR || n < NR) {
    // Fewer rows or columns than one tile: packing would cost as much as the product.
    gemmThin(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
    return;
  }

  for (let j0 = 0; j0 < n; j0 += NC) {
    const nc = Math.min(NC, n - j0);
    for (let p0 = 0; p0 < k; p0 += KC) {
      const kc = Math.min(KC, k - p0);
      // Only the first depth block applies beta; the later ones accumulate onto it.
      const blockBeta = p0 === 0 ? beta : 1;
      packB(transB, b, ldb, p0, kc, j0, nc, packedB);
      for (let i0 = 0; i0 < m; i0 += MC) {
        const mc = Math.min(MC, m - i0);
        packA(transA, a, lda, i0, mc, p0, kc, packedA);
        for (let jj = 0; jj < nc; jj += NR) {
          const nr = Math.min(NR, nc - jj);
          for (let ii = 0; ii < mc; ii += MR) {
            const mr = Math.min(MR, mc - ii);
            microKernel(
              kc,
              packedA,
              ii * kc,
              packedB,
              jj * kc,
              alpha,
              blockBeta,
              c,
              (i0 + ii) * ldc + j0 + jj,
              ldc,
              mr,
              nr,
            );
          }
        }
      }
    }
  }
}
