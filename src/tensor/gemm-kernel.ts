/**
 * The gemm micro-kernel: one 4×4 tile of C from a packed MR-row panel of op(A) and a packed NR-column
 * panel of op(B) (see gemm-pack.ts), as kc rank-1 updates into 16 local accumulators that V8 keeps
 * in registers. Written out by hand because V8 does not unroll or vectorise.
 * The accumulators are float64, so each tile is summed more accurately than float32 BLAS does.
 */

/** Rows of the C tile (and of an op(A) panel). */
export const MR = 4;
/** Columns of the C tile (and of an op(B) panel). */
export const NR = 4;

/** Holds a partial tile (at the bottom or right edge of C) before it is written out. */
const edgeTile = new Float64Array(MR * NR);

/**
 * C[tile] = alpha · Σ_p a[ia + p·MR + r] · b[ib + p·NR + s] + beta · C[tile], for the top-left
 * rows × cols of the tile at c[ic] (row stride ldc). beta = 0 overwrites (C is not read).
 */
export function microKernel(
  kc: number,
  a: Float64Array,
  ia: number,
  b: Float64Array,
  ib: number,
  alpha: number,
  beta: number,
  c: Float32Array,
  ic: number,
  ldc: number,
  rows: number,
  cols: number,
): void {
  let c00 = 0,
    c01 = 0,
    c02 = 0,
    c03 = 0,
    c10 = 0,
    c11 = 0,
    c12 = 0,
    c13 = 0;
  let c20 = 0,
    c21 = 0,
    c22 = 0,
    c23 = 0,
    c30 = 0,
    c31 = 0,
    c32 = 0,
    c33 = 0;
  // Literal 4s (MR, NR) in this loop: V8 reloads even a module-level const from the module context
  // on every iteration, which measured 20% slower than literals here.
  const aEnd = ia + kc * 4;
  while (ia < aEnd) {
    const a0 = a[ia];
    const a1 = a[ia + 1];
    const a2 = a[ia + 2];
    const a3 = a[ia + 3];
    const b0 = b[ib];
    const b1 = b[ib + 1];
    const b2 = b[ib + 2];
    const b3 = b[ib + 3];
    c00 += a0 * b0;
    c01 += a0 * b1;
    c02 += a0 * b2;
    c03 += a0 * b3;
    c10 += a1 * b0;
    c11 += a1 * b1;
    c12 += a1 * b2;
    c13 += a1 * b3;
    c20 += a2 * b0;
    c21 += a2 * b1;
    c22 += a2 * b2;
    c23 += a2 * b3;
    c30 += a3 * b0;
    c31 += a3 * b1;
    c32 += a3 * b2;
    c33 += a3 * b3;
    ia += 4;
    ib += 4;
  }
  if (rows === MR && cols === NR) {
    const r0 = ic;
    const r1 = ic + ldc;
    const r2 = ic + 2 * ldc;
    const r3 = ic + 3 * ldc;
    if (beta === 0) {
      c[r0] = alpha * c00;
      c[r0 + 1] = alpha * c01;
      c[r0 + 2] = alpha * c02;
      c[r0 + 3] = alpha * c03;
      c[r1] = alpha * c10;
      c[r1 + 1] = alpha * c11;
      c[r1 + 2] = alpha * c12;
      c[r1 + 3] = alpha * c13;
      c[r2] = alpha * c20;
      c[r2 + 1] = alpha * c21;
      c[r2 + 2] = alpha * c22;
      c[r2 + 3] = alpha * c23;
      c[r3] = alpha * c30;
      c[r3 + 1] = alpha * c31;
      c[r3 + 2] = alpha * c32;
      c[r3 + 3] = alpha * c33;
    } else {
      c[r0] = alpha * c00 + beta * c[r0];
      c[r0 + 1] = alpha * c01 + beta * c[r0 + 1];
      c[r0 + 2] = alpha * c02 + beta * c[r0 + 2];
      c[r0 + 3] = alpha * c03 + beta * c[r0 + 3];
      c[r1] = alpha * c10 + beta * c[r1];
      c[r1 + 1] = alpha * c11 + beta * c[r1 + 1];
      c[r1 + 2] = alpha * c12 + beta * c[r1 + 2];
      c[r1 + 3] = alpha * c13 + beta * c[r1 + 3];
      c[r2] = alpha * c20 + beta * c[r2];
      c[r2 + 1] = alpha * c21 + beta * c[r2 + 1];
      c[r2 + 2] = alpha * c22 + beta * c[r2 + 2];
      c[r2 + 3] = alpha * c23 + beta * c[r2 + 3];
      c[r3] = alpha * c30 + beta * c[r3];
      c[r3 + 1] = alpha * c31 + beta * c[r3 + 1];
      c[r3 + 2] = alpha * c32 + beta * c[r3 + 2];
      c[r3 + 3] = alpha * c33 + beta * c[r3 + 3];
    }
    return;
  }
  const t = edgeTile;
  t[0] = c00;
  t[1] = c01;
  t[2] = c02;
  t[3] = c03;
  t[4] = c10;
  t[5] = c11;
  t[6] = c12;
  t[7] = c13;
  t[8] = c20;
  t[9] = c21;
  t[10] = c22;
  t[11] = c23;
  t[12] = c30;
  t[13] = c31;
  t[14] = c32;
  t[15] = c33;
  for (let r = 0; r < rows; r++) {
    const row = ic + r * ldc;
    for (let s = 0; s < cols; s++) {
      const value = alpha * t[r * NR + s];
      c[row + s] = beta === 0 ? value : value + beta * c[row + s];
    }
  }
}
