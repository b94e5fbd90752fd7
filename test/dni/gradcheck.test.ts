import { describe, expect, it } from 'vitest';
import {
  FutureGradientHead,
  type RegressionModel,
  type SyntheticContext,
  SyntheticGradientModel,
  type SyntheticModelSpec,
} from '../../src/dni/index.ts';
import { Prng } from '../../src/tensor/prng.ts';
import type { Tensor } from '../../src/tensor/tensor.ts';
import { labels, normalTensor } from './fixtures.ts';

/**
 * Finite differences of the regression loss that `learn` reports, against the parameter gradients
 * `learn` itself computes. The model's optimiser is SGD with lr 0, so `learn` leaves the parameters
 * alone and its gradients stay in Parameter.grad. (A local check: test/helpers/gradcheck.ts works on
 * nn Layers, and this one goes through predict/learn end to end.)
 */
const EPS = 1e-3;
const TOLERANCE = 2e-2;
const MAX_ENTRIES = 40;

function regressionLoss(
  model: RegressionModel,
  input: Tensor,
  target: Tensor,
  context?: SyntheticContext,
): number {
  model.predict(0, input, context);
  return model.learn(0, target).loss;
}

/** Moves every parameter off its initial value, so that the zeroed output layer lets gradients reach hidden layers. */
function jitter(model: RegressionModel, seed: number): void {
  const prng = new Prng(seed, 'jitter');
  for (const p of model.network.parameters())
    for (let i = 0; i < p.value.size; i++) p.value.data[i] += 0.3 * prng.normal();
}

function check(model: RegressionModel, input: Tensor, target: Tensor, context?: SyntheticContext): void {
  jitter(model, 5);
  regressionLoss(model, input, target, context);
  const analytic = model.network
    .parameters()
    .map((p) => ({ name: p.name, value: p.value.data, grad: p.grad.data.slice() }));
  const pick = new Prng(9, 'entries');
  for (const { name, value, grad } of analytic) {
    const indices =
      value.length <= MAX_ENTRIES
        ? [...value.keys()]
        : [...pick.permutation(value.length)].slice(0, MAX_ENTRIES);
    const numeric = indices.map((i) => {
      const original = value[i];
      value[i] = original + EPS;
      const plusAt = value[i];
      const plus = regressionLoss(model, input, target, context);
      value[i] = original - EPS;
      const minusAt = value[i];
      const minus = regressionLoss(model, input, target, context);
      value[i] = original;
      return (plus - minus) / (plusAt - minusAt);
    });
    const scale = Math.max(
      1e-12,
      ...indices.map((i, k) => Math.max(Math.abs(grad[i]), Math.abs(numeric[k]))),
    );
    indices.forEach((i, k) => {
      const error =
        Math.abs(grad[i] - numeric[k]) / Math.max(Math.abs(grad[i]), Math.abs(numeric[k]), 1e-2 * scale);
      expect(error, `${name}[${i}]: analytic ${grad[i]}, numeric ${numeric[k]}`).toBeLessThan(TOLERANCE);
    });
  }
}

const frozen = { kind: 'sgd', lr: 0 } as const;

describe('parameter gradients of the L2 regression loss (finite differences)', () => {
  const flat: Array<[string, SyntheticModelSpec]> = [
    ['linear', 'linear'],
    ['MLP with BN', { hidden: [7, 5] }],
    ['MLP without BN', { hidden: [6], batchNorm: false }],
  ];
  for (const [label, spec] of flat) {
    it(label, () => {
      const model = new SyntheticGradientModel({ spec, shape: [4], prng: new Prng(2), optimizer: frozen });
      check(model, normalTensor([6, 4], 1), normalTensor([6, 4], 2));
    });
  }

  it('cDNI MLP with BN (one-hot context)', () => {
    const model = new SyntheticGradientModel({
      spec: { hidden: [6] },
      shape: [4],
      context: { classes: 3 },
      prng: new Prng(2),
      optimizer: frozen,
    });
    check(model, normalTensor([6, 4], 1), normalTensor([6, 4], 2), { labels: labels(6, 3, 1), classes: 3 });
  });

  it('conv stack with BN and channel-mask context', () => {
    const model = new SyntheticGradientModel({
      spec: { convLayers: 2, channels: 3, kernel: 3 },
      shape: [2, 4, 4],
      context: { classes: 2 },
      prng: new Prng(2),
      optimizer: frozen,
    });
    check(model, normalTensor([3, 2, 4, 4], 1), normalTensor([3, 2, 4, 4], 2), {
      labels: labels(3, 2, 1),
      classes: 2,
    });
  });

  it('the future-gradient head exposes ∂loss/∂input', () => {
    // The aux head reads h ([H]) and predicts a gradient on (h, c) ([2H]).
    const head = new FutureGradientHead({
      inputShape: [3],
      outputShape: [6],
      prng: new Prng(2),
      optimizer: frozen,
    });
    jitter(head, 3);
    const input = normalTensor([4, 3], 1);
    const target = normalTensor([4, 6], 2);
    regressionLoss(head, input, target);
    const analytic = head.inputGradient().data.slice();
    expect(head.inputGradient().shape).toEqual([4, 3]);
    for (let i = 0; i < input.size; i++) {
      const original = input.data[i];
      input.data[i] = original + EPS;
      const plus = regressionLoss(head, input, target);
      input.data[i] = original - EPS;
      const minus = regressionLoss(head, input, target);
      input.data[i] = original;
      expect(analytic[i]).toBeCloseTo((plus - minus) / (2 * EPS), 2);
    }
  });
});
