/** Reductions over Float32Arrays. Sums accumulate in float64 (JS numbers) for accuracy. */

export function sum(x: Float32Array): number {
  let total = 0;
  for (let i = 0; i < x.length; i++) total += x[i];
  return total;
}

/** The mean; NaN for an empty array. */
export function mean(x: Float32Array): number {
  return x.length === 0 ? Number.NaN : sum(x) / x.length;
}

export function dot(a: Float32Array, b: Float32Array): number {
  if (a.length !== b.length) {
    throw new Error(`dniflow/tensor: dot of vectors of length ${a.length} and ${b.length}`);
  }
  let total = 0;
  for (let i = 0; i < a.length; i++) total += a[i] * b[i];
  return total;
}

/** out[r] = index of the largest entry of row r (the first one on ties). */
export function argmaxRows(
  x: Float32Array,
  rows: number,
  cols: number,
  out: Int32Array | Uint8Array | Uint16Array | Uint32Array,
): void {
  if (cols < 1) throw new Error('dniflow/tensor: argmaxRows needs at least one column');
  if (x.length < rows * cols || out.length < rows) {
    throw new Error(
      `dniflow/tensor: argmaxRows expects ${rows}x${cols} input and ${rows} outputs, got lengths ${x.length} and ${out.length}`,
    );
  }
  for (let r = 0; r < rows; r++) {
    const base = r * cols;
    let best = 0;
    let bestValue = x[base];
    for (let c = 1; c < cols; c++) {
      if (x[base + c] > bestValue) {
        bestValue = x[base + c];
        best = c;
      }
    }
    out[r] = best;
  }
}

/** The index of the first NaN or ±Infinity in x, or -1 when every entry is finite. */
export function allFinite(x: Float32Array): number {
  // x·0 is ±0 for finite x and NaN for NaN/±Inf, so four running sums of it stay 0 exactly when
  // every entry is finite: no branch per entry and four independent add chains (~2× faster than a
  // compare-and-exit per entry; every module output is checked once per step). Only a non-finite
  // array pays for the second pass that finds the index.
  const n = x.length;
  let a = 0;
  let b = 0;
  let c = 0;
  let d = 0;
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    a += x[i] * 0;
    b += x[i + 1] * 0;
    c += x[i + 2] * 0;
    d += x[i + 3] * 0;
  }
  for (; i < n; i++) a += x[i] * 0;
  if (a + b + c + d === 0) return -1;
  for (let j = 0; j < n; j++) {
    // x − x is 0 for finite x and NaN for NaN/±Inf.
    if (x[j] - x[j] !== 0) return j;
  }
  return -1;
}

/** The largest absolute value (0 for an empty array); NaN if any entry is NaN. */
export function maxAbs(x: Float32Array): number {
  let max = 0;
  for (let i = 0; i < x.length; i++) {
    const v = Math.abs(x[i]);
    if (Number.isNaN(v)) return Number.NaN;
    if (v > max) max = v;
  }
  return max;
}
