/**
 * gemm for thin shapes (fewer than 4 rows or columns in C), where packing would cost as much as the
 * product itself (a matrix-vector product reads each value of the big operand once). Each case runs
 * the loop order whose innermost loop walks memory contiguously:
 * - rows of op(B) contiguous (B not transposed): C[i, ·] += A[i, p] · B[p, ·] (axpy along rows);
 * - columns of op(A) contiguous (A transposed): C[·, j] += B[p, j] · A[·, p] (axpy along columns);
 * - otherwise: dot products over p.
 * Sums are float64, in a scratch vector that grows when needed and is reused across calls.
 */

let accumulator = new Float64Array(256);

function scratch(length: number): Float64Array {
  if (accumulator.length < length) accumulator = new Float64Array(Math.max(length, 2 * accumulator.length));
  return accumulator;
}

/** c[index] = alpha · value + beta · c[index], where beta = 0 does not read c. */
function store(c: Float32Array, index: number, alpha: number, value: number, beta: number): void {
  c[index] = beta === 0 ? alpha * value : alpha * value + beta * c[index];
}

export function gemmThin(
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
  if (!transB && m <= n) {
    // op(B)[p, ·] is a contiguous row of B.
    const acc = scratch(n);
    for (let i = 0; i < m; i++) {
      acc.fill(0, 0, n);
      for (let p = 0; p < k; p++) {
        const scale = transA ? a[p * lda + i] : a[i * lda + p];
        const row = p * ldb;
        for (let j = 0; j < n; j++) acc[j] += scale * b[row + j];
      }
      for (let j = 0; j < n; j++) store(c, i * ldc + j, alpha, acc[j], beta);
    }
    return;
  }
  if (transA && n <= m) {
    // op(A)[·, p] is a contiguous row of A.
    const acc = scratch(m);
    for (let j = 0; j < n; j++) {
      acc.fill(0, 0, m);
      for (let p = 0; p < k; p++) {
        const scale = transB ? b[j * ldb + p] : b[p * ldb + j];
        const row = p * lda;
        for (let i = 0; i < m; i++) acc[i] += scale * a[row + i];
      }
      for (let i = 0; i < m; i++) store(c, i * ldc + j, alpha, acc[i], beta);
    }
    return;
  }
  // Dot products: op(A)[i, p] = a[i·aRow + p·aDepth], op(B)[p, j] = b[p·bDepth + j·bCol].
  const aRow = transA ? 1 : lda;
  const aDepth = transA ? lda : 1;
  const bDepth = transB ? 1 : ldb;
  const bCol = transB ? ldb : 1;
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let sum = 0;
      let ia = i * aRow;
      let ib = j * bCol;
      for (let p = 0; p < k; p++, ia += aDepth, ib += bDepth) sum += a[ia] * b[ib];
      store(c, i * ldc + j, alpha, sum, beta);
    }
  }
}
