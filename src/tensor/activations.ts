/**
 * Elementwise activations on plain Float32Arrays. Callers own every buffer (no allocation here);
 * `out` may alias the input. Backward passes of tanh and sigmoid take the forward *output* y,
 * because their derivatives are cheapest in terms of y (1 − y², y·(1 − y)).
 */

/** max(x, 0); NaN stays NaN (as in PyTorch) so that divergence is not hidden. */
export function reluForward(x: Float32Array, out: Float32Array): void {
  const n = x.length;
  for (let i = 0; i < n; i++) out[i] = Math.max(x[i], 0);
}

/** gradIn = gradOut where x > 0, else 0 (the subgradient at 0 is taken as 0). */
export function reluBackward(x: Float32Array, gradOut: Float32Array, gradIn: Float32Array): void {
  const n = x.length;
  for (let i = 0; i < n; i++) gradIn[i] = x[i] > 0 ? gradOut[i] : 0;
}

export function tanhForward(x: Float32Array, out: Float32Array): void {
  const n = x.length;
  for (let i = 0; i < n; i++) out[i] = Math.tanh(x[i]);
}

/** gradIn = gradOut · (1 − y²), with y = tanh(x) the forward output. */
export function tanhBackward(y: Float32Array, gradOut: Float32Array, gradIn: Float32Array): void {
  const n = y.length;
  for (let i = 0; i < n; i++) {
    const v = y[i];
    gradIn[i] = gradOut[i] * (1 - v * v);
  }
}

/** σ(x) = 1 / (1 + e^−x), written per sign so that exp never overflows. */
export function sigmoidForward(x: Float32Array, out: Float32Array): void {
  const n = x.length;
  for (let i = 0; i < n; i++) {
    const v = x[i];
    if (v >= 0) {
      out[i] = 1 / (1 + Math.exp(-v));
    } else {
      const e = Math.exp(v);
      out[i] = e / (1 + e);
    }
  }
}

/** gradIn = gradOut · y · (1 − y), with y = σ(x) the forward output. */
export function sigmoidBackward(y: Float32Array, gradOut: Float32Array, gradIn: Float32Array): void {
  const n = y.length;
  for (let i = 0; i < n; i++) {
    const v = y[i];
    gradIn[i] = gradOut[i] * v * (1 - v);
  }
}
