/**
 * Packing for gemm.ts: copies a block of op(A) or op(B) into micro-panels that the micro-kernel
 * reads front to back. Each transpose case has its own loop so that the source is read along its
 * rows (contiguously) and no branch sits in the inner loop. Partial panels are zero-padded, so the
 * micro-kernel always computes a full tile.
 */
import { MR, NR } from './gemm-kernel.ts';

// The loops below use the tile sizes as function-local literal constants (panelRows, panelCols):
// imported bindings and module-level consts are reloaded from their module on every use, which
// measured up to 2× slower here (12× when tsx compiles to CommonJS). This guards the copies.
if (MR !== 4 || NR !== 4)
  throw new Error(`dniflow/tensor: gemm-pack.ts assumes a 4×4 micro-tile, got ${MR}×${NR}`);

/**
 * op(A)[i0 .. i0+mc, p0 .. p0+kc] into panels of MR rows: panel q holds, for each depth p, the MR
 * values op(A)[i0 + q·MR + r, p0 + p] at out[q·MR·kc + p·MR + r].
 */
export function packA(
  transA: boolean,
  a: Float32Array,
  lda: number,
  i0: number,
  mc: number,
  p0: number,
  kc: number,
  out: Float64Array,
): void {
  const panelRows = 4;
  for (let ii = 0; ii < mc; ii += panelRows) {
    const panel = ii * kc;
    const rows = Math.min(panelRows, mc - ii);
    if (transA) {
      // A is stored k×m: row p of the store holds op(A)[·, p]; read it across the panel's rows.
      for (let p = 0; p < kc; p++) {
        const src = (p0 + p) * lda + i0 + ii;
        const dst = panel + p * panelRows;
        for (let r = 0; r < rows; r++) out[dst + r] = a[src + r];
        for (let r = rows; r < panelRows; r++) out[dst + r] = 0;
      }
    } else {
      for (let r = 0; r < rows; r++) {
        const src = (i0 + ii + r) * lda + p0;
        let dst = panel + r;
        for (let p = 0; p < kc; p++, dst += panelRows) out[dst] = a[src + p];
      }
      for (let r = rows; r < panelRows; r++) {
        let dst = panel + r;
        for (let p = 0; p < kc; p++, dst += panelRows) out[dst] = 0;
      }
    }
  }
}

/**
 * op(B)[p0 .. p0+kc, j0 .. j0+nc] into panels of NR columns: panel q holds, for each depth p, the NR
 * values op(B)[p0 + p, j0 + q·NR + s] at out[q·NR·kc + p·NR + s].
 */
export function packB(
  transB: boolean,
  b: Float32Array,
  ldb: number,
  p0: number,
  kc: number,
  j0: number,
  nc: number,
  out: Float64Array,
): void {
  const panelCols = 4;
  for (let jj = 0; jj < nc; jj += panelCols) {
    const panel = jj * kc;
    const cols = Math.min(panelCols, nc - jj);
    if (transB) {
      // B is stored n×k: row j of the store holds op(B)[·, j]; read it along the depth.
      for (let s = 0; s < cols; s++) {
        const src = (j0 + jj + s) * ldb + p0;
        let dst = panel + s;
        for (let p = 0; p < kc; p++, dst += panelCols) out[dst] = b[src + p];
      }
      for (let s = cols; s < panelCols; s++) {
        let dst = panel + s;
        for (let p = 0; p < kc; p++, dst += panelCols) out[dst] = 0;
      }
    } else {
      for (let p = 0; p < kc; p++) {
        const src = (p0 + p) * ldb + j0 + jj;
        const dst = panel + p * panelCols;
        for (let s = 0; s < cols; s++) out[dst + s] = b[src + s];
        for (let s = cols; s < panelCols; s++) out[dst + s] = 0;
      }
    }
  }
}
