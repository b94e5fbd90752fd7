import type { SyntheticLearnResult } from './synthetic-model.ts';

/**
 * The synthetic models' regression loss (paper §2.1, L2): for a batch of B predictions p_b and
 * targets t_b (each flattened),
 *   L = (1/B) Σ_b ‖p_b − t_b‖²     (summed over features, averaged over the batch)
 *   ∂L/∂p = 2 (p − t) / B.
 * It also reports cos(p, t) over the whole batch flattened; 0 when either side is all zero (e.g. the
 * first prediction of a zero-initialised model), where the cosine is undefined.
 * Sums accumulate in float64. `gradient` is caller-owned and fully overwritten.
 */
export function l2Regression(
  prediction: Float32Array,
  target: Float32Array,
  batch: number,
  gradient: Float32Array,
): SyntheticLearnResult {
  const n = prediction.length;
  const scale = 2 / batch;
  let squares = 0;
  let dot = 0;
  let predictionNorm = 0;
  let targetNorm = 0;
  for (let i = 0; i < n; i++) {
    const p = prediction[i];
    const t = target[i];
    const d = p - t;
    squares += d * d;
    dot += p * t;
    predictionNorm += p * p;
    targetNorm += t * t;
    gradient[i] = scale * d;
  }
  const norms = Math.sqrt(predictionNorm) * Math.sqrt(targetNorm);
  return { loss: squares / batch, cosine: norms > 0 ? dot / norms : 0 };
}
