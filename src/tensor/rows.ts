/**
 * Row/vector helpers for dense row-major matrices stored in Float32Arrays (bias add, bias
 * gradients, BLAS-1 updates). Callers own every buffer; nothing here allocates.
 */

function checkMatrix(name: string, matrix: Float32Array, rows: number, cols: number): void {
  if (matrix.length < rows * cols) {
    throw new Error(
      `dniflow/tensor: ${name} expects a ${rows}x${cols} matrix (${rows * cols} values), got ${matrix.length}`,
    );
  }
}

/** matrix[r, :] += bias for every row r (bias has length cols). */
export function addRowVector(matrix: Float32Array, rows: number, cols: number, bias: Float32Array): void {
  checkMatrix('addRowVector', matrix, rows, cols);
  if (bias.length < cols) {
    throw new Error(`dniflow/tensor: addRowVector expects a bias of length ${cols}, got ${bias.length}`);
  }
  for (let r = 0; r < rows; r++) {
    const base = r * cols;
    for (let c = 0; c < cols; c++) matrix[base + c] += bias[c];
  }
}

/**
 * out[c] += Σ_r matrix[r, c]: the column sums, accumulated (a bias gradient summed over the batch).
 * Accumulates so that gradients from several contributions add up; zero `out` first for a plain sum.
 */
export function sumRows(matrix: Float32Array, rows: number, cols: number, out: Float32Array): void {
  checkMatrix('sumRows', matrix, rows, cols);
  if (out.length < cols) {
    throw new Error(`dniflow/tensor: sumRows expects an output of length ${cols}, got ${out.length}`);
  }
  for (let r = 0; r < rows; r++) {
    const base = r * cols;
    for (let c = 0; c < cols; c++) out[c] += matrix[base + c];
  }
}

/** An alias of sumRows under the name that says what it returns: the sum of each column. */
export const columnSums = sumRows;

/** out[r] += Σ_c matrix[r, c]: the row sums, accumulated. */
export function rowSums(matrix: Float32Array, rows: number, cols: number, out: Float32Array): void {
  checkMatrix('rowSums', matrix, rows, cols);
  if (out.length < rows) {
    throw new Error(`dniflow/tensor: rowSums expects an output of length ${rows}, got ${out.length}`);
  }
  for (let r = 0; r < rows; r++) {
    const base = r * cols;
    let sum = 0;
    for (let c = 0; c < cols; c++) sum += matrix[base + c];
    out[r] += sum;
  }
}

/** y += alpha · x over the first x.length entries. */
export function axpy(alpha: number, x: Float32Array, y: Float32Array): void {
  const n = x.length;
  if (y.length < n) throw new Error(`dniflow/tensor: axpy of length ${n} into length ${y.length}`);
  for (let i = 0; i < n; i++) y[i] += alpha * x[i];
}

/** x *= alpha in place. */
export function scale(x: Float32Array, alpha: number): void {
  const n = x.length;
  for (let i = 0; i < n; i++) x[i] *= alpha;
}

/** out = a ⊙ b (elementwise product); out may alias a or b. */
export function multiplyInto(a: Float32Array, b: Float32Array, out: Float32Array): void {
  const n = a.length;
  if (b.length < n || out.length < n) {
    throw new Error(`dniflow/tensor: multiplyInto lengths differ (a ${n}, b ${b.length}, out ${out.length})`);
  }
  for (let i = 0; i < n; i++) out[i] = a[i] * b[i];
}
