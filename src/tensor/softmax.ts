/**
 * Row-wise softmax and log-softmax of a row-major [rows, cols] matrix. Numerically stable: the row
 * maximum is subtracted before exponentiating, so no exp overflows; sums run in float64.
 * `out` may alias `x`.
 */

function check(name: string, x: Float32Array, rows: number, cols: number, out: Float32Array): void {
  const size = rows * cols;
  if (x.length < size || out.length < size) {
    throw new Error(
      `dniflow/tensor: ${name} expects ${rows}x${cols} input and output, got lengths ${x.length} and ${out.length}`,
    );
  }
}

export function softmaxRows(x: Float32Array, rows: number, cols: number, out: Float32Array): void {
  check('softmaxRows', x, rows, cols, out);
  for (let r = 0; r < rows; r++) {
    const base = r * cols;
    let max = Number.NEGATIVE_INFINITY;
    for (let c = 0; c < cols; c++) if (x[base + c] > max) max = x[base + c];
    let sum = 0;
    for (let c = 0; c < cols; c++) {
      const e = Math.exp(x[base + c] - max);
      out[base + c] = e;
      sum += e;
    }
    const inv = 1 / sum;
    for (let c = 0; c < cols; c++) out[base + c] *= inv;
  }
}

/** log softmax = x − max − log Σ exp(x − max). */
export function logSoftmaxRows(x: Float32Array, rows: number, cols: number, out: Float32Array): void {
  check('logSoftmaxRows', x, rows, cols, out);
  for (let r = 0; r < rows; r++) {
    const base = r * cols;
    let max = Number.NEGATIVE_INFINITY;
    for (let c = 0; c < cols; c++) if (x[base + c] > max) max = x[base + c];
    let sum = 0;
    for (let c = 0; c < cols; c++) sum += Math.exp(x[base + c] - max);
    const shift = max + Math.log(sum);
    for (let c = 0; c < cols; c++) out[base + c] = x[base + c] - shift;
  }
}
