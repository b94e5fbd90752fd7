/**
 * Batch-normalisation kernels over x viewed as [batch, channels, spatial] (spatial = 1 for [B, C]):
 * statistics are per channel, over batch × spatial positions. These are the TypeScript backend's
 * versions and the reference that native/src/batch_norm.cc reproduces operation for operation
 * (float64 sums in the same order, float64 intermediates rounded only when stored), so both backends
 * give the same bits. src/nn/batch-norm.ts documents the semantics (PyTorch's).
 *
 * For [B, C] the loops walk memory row by row with per-channel float64 accumulators: a channel-outer
 * loop would stride a whole row per element. Each channel still sums over b in order.
 */

/** Per-channel float64 sums for backward's [B, C] path, grown on demand (one per worker). */
let scratch = new Float64Array(0);

function sums(channels: number): Float64Array {
  if (scratch.length < 2 * channels) scratch = new Float64Array(2 * channels);
  return scratch;
}

/**
 * Forward. Training: mean and invStd (float64, per channel) receive the batch mean and
 * 1/√(biased variance + eps); runningMean/runningVar move towards the batch mean and *unbiased*
 * variance by `momentum`. Evaluation: mean and invStd come from the running statistics (untouched).
 * Then x̂ = (x − mean)·invStd → normalised, and γ·x̂ + β → output.
 */
export function batchNormForward(
  x: Float32Array,
  normalised: Float32Array,
  output: Float32Array,
  gamma: Float32Array,
  beta: Float32Array,
  runningMean: Float32Array,
  runningVar: Float32Array,
  mean: Float64Array,
  invStd: Float64Array,
  batch: number,
  channels: number,
  spatial: number,
  training: boolean,
  momentum: number,
  eps: number,
): void {
  if (!training) {
    for (let c = 0; c < channels; c++) {
      mean[c] = runningMean[c];
      invStd[c] = 1 / Math.sqrt(runningVar[c] + eps);
    }
  } else if (spatial === 1) {
    featureStatistics(x, runningMean, runningVar, mean, invStd, batch, channels, momentum, eps);
  } else {
    spatialStatistics(x, runningMean, runningVar, mean, invStd, batch, channels, spatial, momentum, eps);
  }
  if (spatial === 1) {
    for (let b = 0; b < batch; b++) {
      const row = b * channels;
      for (let c = 0; c < channels; c++) {
        const v = (x[row + c] - mean[c]) * invStd[c];
        normalised[row + c] = v;
        output[row + c] = gamma[c] * v + beta[c];
      }
    }
    return;
  }
  for (let b = 0; b < batch; b++) {
    for (let c = 0; c < channels; c++) {
      const base = (b * channels + c) * spatial;
      const m = mean[c];
      const s = invStd[c];
      const g = gamma[c];
      const shift = beta[c];
      for (let i = base; i < base + spatial; i++) {
        const v = (x[i] - m) * s;
        normalised[i] = v;
        output[i] = g * v + shift;
      }
    }
  }
}

/**
 * Backward from the forward's normalised x̂ and invStd. Adds Σ gy·x̂ into gradGamma and Σ gy into
 * gradBeta, and writes ∂L/∂x into gradInput:
 * - training (batch statistics depend on x): γ·invStd · (gy − mean(gy) − x̂·mean(gy·x̂));
 * - evaluation (running statistics are constants): γ·invStd · gy.
 */
export function batchNormBackward(
  gradOutput: Float32Array,
  normalised: Float32Array,
  gradInput: Float32Array,
  gamma: Float32Array,
  invStd: Float64Array,
  gradGamma: Float32Array,
  gradBeta: Float32Array,
  batch: number,
  channels: number,
  spatial: number,
  training: boolean,
): void {
  const gy = gradOutput;
  const xhat = normalised;
  const gx = gradInput;
  const count = batch * spatial;
  if (spatial === 1) {
    const buffer = sums(channels);
    const sumGrad = buffer.subarray(0, channels).fill(0);
    const sumGradXhat = buffer.subarray(channels, 2 * channels).fill(0);
    for (let b = 0; b < batch; b++) {
      const row = b * channels;
      for (let c = 0; c < channels; c++) {
        const g = gy[row + c];
        sumGrad[c] += g;
        sumGradXhat[c] += g * xhat[row + c];
      }
    }
    // From here the sums hold mean(gy) and mean(gy·x̂) (0 in evaluation).
    for (let c = 0; c < channels; c++) {
      gradGamma[c] += sumGradXhat[c];
      gradBeta[c] += sumGrad[c];
      sumGrad[c] = training ? sumGrad[c] / count : 0;
      sumGradXhat[c] = training ? sumGradXhat[c] / count : 0;
    }
    for (let b = 0; b < batch; b++) {
      const row = b * channels;
      for (let c = 0; c < channels; c++) {
        const i = row + c;
        gx[i] = gamma[c] * invStd[c] * (gy[i] - sumGrad[c] - xhat[i] * sumGradXhat[c]);
      }
    }
    return;
  }
  for (let c = 0; c < channels; c++) {
    let sumGrad = 0;
    let sumGradXhat = 0;
    for (let b = 0; b < batch; b++) {
      const base = (b * channels + c) * spatial;
      for (let i = base; i < base + spatial; i++) {
        sumGrad += gy[i];
        sumGradXhat += gy[i] * xhat[i];
      }
    }
    gradGamma[c] += sumGradXhat;
    gradBeta[c] += sumGrad;
    const scale = gamma[c] * invStd[c];
    const meanGrad = training ? sumGrad / count : 0;
    const meanGradXhat = training ? sumGradXhat / count : 0;
    for (let b = 0; b < batch; b++) {
      const base = (b * channels + c) * spatial;
      for (let i = base; i < base + spatial; i++) {
        gx[i] = scale * (gy[i] - meanGrad - xhat[i] * meanGradXhat);
      }
    }
  }
}

/** Training statistics for [B, C]: mean and invStd double as the per-channel accumulators. */
function featureStatistics(
  x: Float32Array,
  runningMean: Float32Array,
  runningVar: Float32Array,
  mean: Float64Array,
  invStd: Float64Array,
  batch: number,
  channels: number,
  momentum: number,
  eps: number,
): void {
  mean.fill(0, 0, channels);
  for (let b = 0; b < batch; b++) {
    const row = b * channels;
    for (let c = 0; c < channels; c++) mean[c] += x[row + c];
  }
  for (let c = 0; c < channels; c++) mean[c] /= batch;
  // Two passes (mean first) so the variance does not suffer the cancellation of E[x²] − E[x]².
  const squares = invStd.fill(0, 0, channels);
  for (let b = 0; b < batch; b++) {
    const row = b * channels;
    for (let c = 0; c < channels; c++) {
      const d = x[row + c] - mean[c];
      squares[c] += d * d;
    }
  }
  for (let c = 0; c < channels; c++) {
    const sumSquares = squares[c];
    invStd[c] = 1 / Math.sqrt(sumSquares / batch + eps);
    runningMean[c] = (1 - momentum) * runningMean[c] + momentum * mean[c];
    runningVar[c] = (1 - momentum) * runningVar[c] + momentum * (sumSquares / (batch - 1));
  }
}

/** Training statistics for [B, C, S], channel by channel. */
function spatialStatistics(
  x: Float32Array,
  runningMean: Float32Array,
  runningVar: Float32Array,
  mean: Float64Array,
  invStd: Float64Array,
  batch: number,
  channels: number,
  spatial: number,
  momentum: number,
  eps: number,
): void {
  const count = batch * spatial;
  for (let c = 0; c < channels; c++) {
    let sum = 0;
    for (let b = 0; b < batch; b++) {
      const base = (b * channels + c) * spatial;
      for (let i = base; i < base + spatial; i++) sum += x[i];
    }
    const m = sum / count;
    let squares = 0;
    for (let b = 0; b < batch; b++) {
      const base = (b * channels + c) * spatial;
      for (let i = base; i < base + spatial; i++) {
        const d = x[i] - m;
        squares += d * d;
      }
    }
    mean[c] = m;
    invStd[c] = 1 / Math.sqrt(squares / count + eps);
    runningMean[c] = (1 - momentum) * runningMean[c] + momentum * m;
    runningVar[c] = (1 - momentum) * runningVar[c] + momentum * (squares / (count - 1));
  }
}
