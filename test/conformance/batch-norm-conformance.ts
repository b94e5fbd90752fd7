/**
 * Conformance cases for Backend.batchNormForward / batchNormBackward on [batch, channels, spatial]
 * layouts (spatial 1 is BatchNorm1d on [B, C]; > 1 is BatchNorm2d's [B, C, H·W]), in training and
 * evaluation, against float64 references written from the textbook formulas (two-pass variance,
 * PyTorch's running-statistics update with the unbiased variance).
 */
import { describe, expect, it } from 'vitest';
import type { Backend } from '../../src/tensor/backend.ts';
import { Prng } from '../../src/tensor/prng.ts';

/**
 * Allowed |ours − reference| relative to the quantity's natural scale (see each check): float32
 * storage and float32 inputs to float64 sums stay below 1e-6; an indexing error is of order 1.
 */
const BATCH_NORM_RELATIVE_TOLERANCE = 1e-5;

interface Layout {
  batch: number;
  channels: number;
  spatial: number;
}

const LAYOUTS: readonly Layout[] = [
  { batch: 2, channels: 1, spatial: 1 },
  { batch: 5, channels: 7, spatial: 1 },
  { batch: 128, channels: 37, spatial: 1 },
  { batch: 3, channels: 4, spatial: 5 },
  { batch: 2, channels: 3, spatial: 49 },
  { batch: 1, channels: 2, spatial: 9 },
];

function expectClose(got: ArrayLike<number>, want: ArrayLike<number>, scale: number, what: string): void {
  expect(got.length, `${what} length`).toBe(want.length);
  for (let i = 0; i < want.length; i++) {
    const error = Math.abs(got[i] - want[i]) / scale;
    if (!(error <= BATCH_NORM_RELATIVE_TOLERANCE))
      expect.fail(`${what}[${i}] = ${got[i]}, expected ${want[i]}`);
  }
}

function random(prng: Prng, length: number, low: number, high: number): Float32Array {
  return prng.fillUniform(new Float32Array(length), low, high);
}

/** Index of element (b, c, s) in [batch, channels, spatial]. */
function at(l: Layout, b: number, c: number, s: number): number {
  return (b * l.channels + c) * l.spatial + s;
}

function checkBatchNorm(getBackend: () => Backend, l: Layout, training: boolean, seed: number): void {
  const prng = new Prng(seed, 'batch-norm-conformance');
  const n = l.batch * l.channels * l.spatial;
  const count = l.batch * l.spatial;
  const momentum = 0.1;
  const eps = 1e-5;
  // An offset and a spread per channel, so that the normalisation has something to remove.
  const x = new Float32Array(n);
  for (let c = 0; c < l.channels; c++) {
    const shift = prng.uniform() * 6 - 3;
    const spread = 0.2 + prng.uniform() * 3;
    for (let b = 0; b < l.batch; b++) {
      for (let s = 0; s < l.spatial; s++) x[at(l, b, c, s)] = shift + spread * (prng.uniform() * 2 - 1);
    }
  }
  const gamma = random(prng, l.channels, 0.5, 1.5);
  const beta = random(prng, l.channels, -1, 1);
  const runningMean = random(prng, l.channels, -1, 1);
  const runningVar = random(prng, l.channels, 0.5, 2);
  const runningMeanBefore = runningMean.slice();
  const runningVarBefore = runningVar.slice();
  const normalised = new Float32Array(n).fill(Number.NaN);
  const output = new Float32Array(n).fill(Number.NaN);
  const mean = new Float64Array(l.channels).fill(Number.NaN);
  const invStd = new Float64Array(l.channels).fill(Number.NaN);
  getBackend().batchNormForward(
    x,
    normalised,
    output,
    gamma,
    beta,
    runningMean,
    runningVar,
    mean,
    invStd,
    l.batch,
    l.channels,
    l.spatial,
    training,
    momentum,
    eps,
  );

  // Float64 reference, channel by channel.
  const refMean = new Float64Array(l.channels);
  const refInvStd = new Float64Array(l.channels);
  const refRunningMean = Float64Array.from(runningMeanBefore);
  const refRunningVar = Float64Array.from(runningVarBefore);
  for (let c = 0; c < l.channels; c++) {
    if (!training) {
      refMean[c] = runningMeanBefore[c];
      refInvStd[c] = 1 / Math.sqrt(runningVarBefore[c] + eps);
      continue;
    }
    let sum = 0;
    for (let b = 0; b < l.batch; b++) for (let s = 0; s < l.spatial; s++) sum += x[at(l, b, c, s)];
    const m = sum / count;
    let squares = 0;
    for (let b = 0; b < l.batch; b++) {
      for (let s = 0; s < l.spatial; s++) squares += (x[at(l, b, c, s)] - m) ** 2;
    }
    refMean[c] = m;
    refInvStd[c] = 1 / Math.sqrt(squares / count + eps);
    refRunningMean[c] = (1 - momentum) * runningMeanBefore[c] + momentum * m;
    refRunningVar[c] = (1 - momentum) * runningVarBefore[c] + momentum * (squares / (count - 1));
  }
  const refNormalised = new Float64Array(n);
  const refOutput = new Float64Array(n);
  for (let b = 0; b < l.batch; b++) {
    for (let c = 0; c < l.channels; c++) {
      for (let s = 0; s < l.spatial; s++) {
        const i = at(l, b, c, s);
        refNormalised[i] = (x[i] - refMean[c]) * refInvStd[c];
        refOutput[i] = gamma[c] * refNormalised[i] + beta[c];
      }
    }
  }
  // Statistics relative to the inputs' scale (|x| ≤ 6); x̂ and y are O(1) by construction.
  expectClose(mean, refMean, 6, 'mean');
  for (let c = 0; c < l.channels; c++) {
    expectClose([invStd[c]], [refInvStd[c]], refInvStd[c], `invStd (channel ${c})`);
  }
  expectClose(runningMean, refRunningMean, 6, 'runningMean');
  expectClose(runningVar, refRunningVar, 10, 'runningVar');
  expectClose(normalised, refNormalised, 1, 'normalised');
  expectClose(output, refOutput, 1, 'output');

  // Backward, accumulating onto existing parameter gradients.
  const gy = random(prng, n, -1, 1);
  const gradGamma = random(prng, l.channels, -1, 1);
  const gradBeta = random(prng, l.channels, -1, 1);
  const gradGammaBefore = gradGamma.slice();
  const gradBetaBefore = gradBeta.slice();
  const gx = new Float32Array(n).fill(Number.NaN);
  getBackend().batchNormBackward(
    gy,
    normalised,
    gx,
    gamma,
    invStd,
    gradGamma,
    gradBeta,
    l.batch,
    l.channels,
    l.spatial,
    training,
  );
  const refGx = new Float64Array(n);
  const refGradGamma = Float64Array.from(gradGammaBefore);
  const refGradBeta = Float64Array.from(gradBetaBefore);
  let gyScale = 0;
  for (let c = 0; c < l.channels; c++) {
    let sumGy = 0;
    let sumGyXhat = 0;
    for (let b = 0; b < l.batch; b++) {
      for (let s = 0; s < l.spatial; s++) {
        const i = at(l, b, c, s);
        sumGy += gy[i];
        sumGyXhat += gy[i] * refNormalised[i];
      }
    }
    refGradGamma[c] += sumGyXhat;
    refGradBeta[c] += sumGy;
    // Training: ∂L/∂x = γ/σ (gy − mean(gy) − x̂ mean(gy x̂)); evaluation: γ/σ gy.
    for (let b = 0; b < l.batch; b++) {
      for (let s = 0; s < l.spatial; s++) {
        const i = at(l, b, c, s);
        const centred = training ? gy[i] - sumGy / count - refNormalised[i] * (sumGyXhat / count) : gy[i];
        refGx[i] = gamma[c] * refInvStd[c] * centred;
      }
    }
    gyScale = Math.max(gyScale, gamma[c] * refInvStd[c]);
  }
  expectClose(gradGamma, refGradGamma, count + 1, 'gradGamma');
  expectClose(gradBeta, refGradBeta, count + 1, 'gradBeta');
  expectClose(gx, refGx, 3 * gyScale, 'gradInput');
}

export function describeBatchNormConformance(getBackend: () => Backend): void {
  describe('batchNormForward / batchNormBackward', () => {
    let seed = 1;
    for (const l of LAYOUTS) {
      for (const training of [true, false]) {
        const caseSeed = seed++;
        it(`[${l.batch}, ${l.channels}, ${l.spatial}] ${training ? 'training' : 'evaluation'}`, () =>
          checkBatchNorm(getBackend, l, training, caseSeed));
      }
    }

    it('evaluation leaves the running statistics alone', () => {
      const runningMean = Float32Array.from([0.5, -0.5]);
      const runningVar = Float32Array.from([4, 0.25]);
      const output = new Float32Array(4);
      getBackend().batchNormForward(
        Float32Array.from([1, 2, 3, 4]),
        new Float32Array(4),
        output,
        Float32Array.from([1, 1]),
        Float32Array.from([0, 0]),
        runningMean,
        runningVar,
        new Float64Array(2),
        new Float64Array(2),
        2,
        2,
        1,
        false,
        0.1,
        0,
      );
      expect(Array.from(runningMean)).toEqual([0.5, -0.5]);
      expect(Array.from(runningVar)).toEqual([4, 0.25]);
      // (x − μ)/σ with μ = ±0.5, σ = 2 and 0.5.
      expect(Array.from(output)).toEqual([0.25, 5, 1.25, 9]);
    });
  });
}
