/**
 * Conformance cases for Backend.adamStep and Backend.sgdStep: float64 references written straight
 * from PyTorch's update rules (torch.optim.Adam, torch.optim.SGD), fixed tolerances, odd lengths (so
 * vectorised loops run their tails), and subarray views inside NaN-filled buffers (nothing outside
 * the view may be read into the result or written).
 */
import { describe, expect, it } from 'vitest';
import type { Backend } from '../../src/tensor/backend.ts';
import { Prng } from '../../src/tensor/prng.ts';

/**
 * Allowed |ours − reference| relative to |reference| + |this step's change|: float32 storage of
 * the results is ~6e-8 relative; any wrong term is of order 1 on this scale.
 */
const OPTIMIZER_RELATIVE_TOLERANCE = 1e-6;

const LENGTHS = [1, 7, 33, 1000, 4099];

/** A view of `length` values at offset 5 of a buffer whose other entries are NaN. */
function view(prng: Prng, length: number, low: number, high: number) {
  const buffer = new Float32Array(length + 9).fill(Number.NaN);
  const values = buffer.subarray(5, 5 + length);
  prng.fillUniform(values, low, high);
  return { buffer, values };
}

function expectOnlyViewWritten(buffer: Float32Array, length: number, what: string): void {
  for (const index of [0, 1, 2, 3, 4, length + 5, length + 6, length + 7, length + 8]) {
    if (!Number.isNaN(buffer[index])) expect.fail(`${what}: wrote outside the view at buffer index ${index}`);
  }
}

function expectNear(got: number, want: number, change: number, what: string): void {
  const error = Math.abs(got - want) / (Math.abs(want) + Math.abs(change) + 1e-30);
  // NaN must fail: a NaN error never compares <=.
  if (!(error <= OPTIMIZER_RELATIVE_TOLERANCE)) expect.fail(`${what} = ${got}, expected ${want}`);
}

interface AdamCase {
  length: number;
  steps: number;
  lr: number;
  weightDecay: number;
  beta1: number;
  beta2: number;
  eps: number;
}

function checkAdam(getBackend: () => Backend, t: AdamCase, seed: number): void {
  const prng = new Prng(seed, 'adam-conformance');
  const p = view(prng, t.length, -1, 1);
  const m = view(prng, t.length, -0.01, 0.01);
  const v = view(prng, t.length, 0, 1e-4);
  const pRef = Float64Array.from(p.values);
  const mRef = Float64Array.from(m.values);
  const vRef = Float64Array.from(v.values);
  for (let t1 = 1; t1 <= t.steps; t1++) {
    const grad = view(prng, t.length, -0.1, 0.1);
    const stepSize = t.lr / (1 - t.beta1 ** t1);
    getBackend().adamStep(p.values, grad.values, m.values, v.values, {
      beta1: t.beta1,
      beta2: t.beta2,
      eps: t.eps,
      weightDecay: t.weightDecay,
      stepSize,
      invSqrtCorrection2: 1 / Math.sqrt(1 - t.beta2 ** t1),
    });
    for (let i = 0; i < t.length; i++) {
      // torch.optim.Adam (single tensor): denom = √v / √(1 − β2ᵗ) + eps; p −= step_size · m / denom.
      const g = grad.values[i] + t.weightDecay * pRef[i];
      mRef[i] = t.beta1 * mRef[i] + (1 - t.beta1) * g;
      vRef[i] = t.beta2 * vRef[i] + (1 - t.beta2) * g * g;
      const change = (stepSize * mRef[i]) / (Math.sqrt(vRef[i]) / Math.sqrt(1 - t.beta2 ** t1) + t.eps);
      pRef[i] -= change;
      expectNear(p.values[i], pRef[i], change, `step ${t1}: param[${i}]`);
      expectNear(m.values[i], mRef[i], 0, `step ${t1}: m[${i}]`);
      expectNear(v.values[i], vRef[i], 0, `step ${t1}: v[${i}]`);
      // Keep the reference on the stored float32 values, so that errors do not compound over steps.
      pRef[i] = p.values[i];
      mRef[i] = m.values[i];
      vRef[i] = v.values[i];
    }
    expectOnlyViewWritten(grad.buffer, t.length, 'grad');
  }
  expectOnlyViewWritten(p.buffer, t.length, 'param');
  expectOnlyViewWritten(m.buffer, t.length, 'm');
  expectOnlyViewWritten(v.buffer, t.length, 'v');
}

interface SgdCase {
  length: number;
  lr: number;
  weightDecay: number;
  momentum: number;
  nesterov: boolean;
}

function checkSgd(getBackend: () => Backend, t: SgdCase, seed: number): void {
  const prng = new Prng(seed, 'sgd-conformance');
  const p = view(prng, t.length, -1, 1);
  const buf = view(prng, t.length, -0.1, 0.1);
  const pRef = Float64Array.from(p.values);
  const bufRef = Float64Array.from(buf.values);
  for (let step = 1; step <= 3; step++) {
    const grad = view(prng, t.length, -0.1, 0.1);
    getBackend().sgdStep(p.values, grad.values, t.momentum === 0 ? new Float32Array(0) : buf.values, t);
    for (let i = 0; i < t.length; i++) {
      // torch.optim.SGD with dampening 0.
      const g = grad.values[i] + t.weightDecay * pRef[i];
      let direction = g;
      if (t.momentum !== 0) {
        bufRef[i] = t.momentum * bufRef[i] + g;
        direction = t.nesterov ? g + t.momentum * bufRef[i] : bufRef[i];
        expectNear(buf.values[i], bufRef[i], 0, `step ${step}: momentumBuffer[${i}]`);
        bufRef[i] = buf.values[i];
      }
      pRef[i] -= t.lr * direction;
      expectNear(p.values[i], pRef[i], t.lr * direction, `step ${step}: param[${i}]`);
      pRef[i] = p.values[i];
    }
  }
  expectOnlyViewWritten(p.buffer, t.length, 'param');
  if (t.momentum === 0) {
    // Plain SGD keeps no buffer: the one we made must be untouched.
    expect(Array.from(buf.values)).toEqual(Array.from(Float64Array.from(bufRef, Math.fround)));
  } else {
    expectOnlyViewWritten(buf.buffer, t.length, 'momentumBuffer');
  }
}

export function describeOptimizerConformance(getBackend: () => Backend): void {
  describe('adamStep', () => {
    let seed = 1;
    for (const length of LENGTHS) {
      for (const weightDecay of [0, 0.01]) {
        const t: AdamCase = { length, steps: 3, lr: 1e-3, weightDecay, beta1: 0.9, beta2: 0.999, eps: 1e-8 };
        const caseSeed = seed++;
        it(`length ${length}, weight decay ${weightDecay}: 3 steps as torch.optim.Adam`, () =>
          checkAdam(getBackend, t, caseSeed));
      }
    }
    it('other betas and eps (β1 = 0, β2 = 0.5, eps = 0.1)', () =>
      checkAdam(
        getBackend,
        { length: 129, steps: 2, lr: 0.5, weightDecay: 0, beta1: 0, beta2: 0.5, eps: 0.1 },
        50,
      ));
    it('a zero gradient on zero moments leaves the parameter unchanged', () => {
      const p = Float32Array.from([1, -2, 3]);
      const zeros = () => new Float32Array(3);
      const scalars = {
        beta1: 0.9,
        beta2: 0.999,
        eps: 1e-8,
        weightDecay: 0,
        stepSize: 0.01,
        invSqrtCorrection2: 31.6,
      };
      getBackend().adamStep(p, zeros(), zeros(), zeros(), scalars);
      expect(Array.from(p)).toEqual([1, -2, 3]);
    });
  });

  describe('sgdStep', () => {
    let seed = 100;
    for (const length of LENGTHS) {
      for (const [momentum, nesterov] of [
        [0, false],
        [0.9, false],
        [0.9, true],
      ] as const) {
        for (const weightDecay of [0, 0.001]) {
          const t: SgdCase = { length, lr: 0.05, weightDecay, momentum, nesterov };
          const caseSeed = seed++;
          it(`length ${length}, momentum ${momentum}${nesterov ? ' (Nesterov)' : ''}, weight decay ${weightDecay}`, () =>
            checkSgd(getBackend, t, caseSeed));
        }
      }
    }
  });
}
