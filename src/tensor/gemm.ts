/**
 * Portable row-major sgemm: C = alpha * op(A) * op(B) + beta * C.
 * Reference implementation; see Backend.gemm for the contract.
 */
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
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let sum = 0;
      for (let p = 0; p < k; p++) {
        const av = transA ? a[p * lda + i] : a[i * lda + p];
        const bv = transB ? b[j * ldb + p] : b[p * ldb + j];
        sum += av * bv;
      }
      const idx = i * ldc + j;
      c[idx] = beta === 0 ? alpha * sum : alpha * sum + beta * c[idx];
    }
  }
}
