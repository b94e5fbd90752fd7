import { describe, expect, it } from 'vitest';
import {
  type RegressionModel,
  type SyntheticContext,
  SyntheticGradientModel,
  SyntheticInputModel,
} from '../../src/dni/index.ts';
import { Prng } from '../../src/tensor/prng.ts';
import { Tensor } from '../../src/tensor/tensor.ts';
import { applyMatrix, labels, normalTensor } from './fixtures.ts';

const EVAL_STEP = -1;

/** Mean over the batch of ‖prediction − target‖² on held-out data (the prediction is not learned from). */
function heldOutLoss(
  model: RegressionModel,
  input: Tensor,
  target: Tensor,
  context?: SyntheticContext,
): number {
  const prediction = model.predict(EVAL_STEP, input, context);
  let total = 0;
  for (let i = 0; i < target.size; i++) total += (prediction.data[i] - target.data[i]) ** 2;
  model.forget(EVAL_STEP);
  return total / input.shape[0];
}

/** Trains on fresh random inputs each step; returns held-out loss before and after. */
function train(
  model: RegressionModel,
  steps: number,
  batch: number,
  example: (seed: number) => { input: Tensor; target: Tensor; context?: SyntheticContext },
): { before: number; after: number } {
  const heldOut = example(10_000);
  const before = heldOutLoss(model, heldOut.input, heldOut.target, heldOut.context);
  for (let step = 0; step < steps; step++) {
    const { input, target, context } = example(step);
    expect(input.shape[0]).toBe(batch);
    model.predict(step, input, context);
    model.learn(step, target);
  }
  const after = heldOutLoss(model, heldOut.input, heldOut.target, heldOut.context);
  if (process.env.DNI_REPORT)
    console.info(
      `${model.name}: held-out loss ${before.toFixed(4)} → ${after.toFixed(4)} (${((100 * after) / before).toFixed(2)}%)`,
    );
  return { before, after };
}

describe('synthetic-gradient models learn', () => {
  const width = 8;
  const matrix = normalTensor([width, width], 77, 1 / Math.sqrt(width));
  const linearMap = (seed: number) => {
    const input = normalTensor([32, width], seed);
    return { input, target: applyMatrix(matrix, input) };
  };

  it('a linear model learns h → A h (loss drops by > 90%)', () => {
    const model = new SyntheticGradientModel({
      spec: 'linear',
      shape: [width],
      prng: new Prng(1),
      optimizer: { kind: 'adam', lr: 1e-2 },
    });
    const { before, after } = train(model, 300, 32, linearMap);
    expect(before).toBeGreaterThan(1);
    expect(after).toBeLessThan(0.1 * before);
  });

  it('an MLP with BN learns h → A h (loss drops by > 90%)', () => {
    const model = new SyntheticGradientModel({
      spec: { hidden: [64, 64] },
      shape: [width],
      prng: new Prng(1),
      optimizer: { kind: 'adam', lr: 3e-3 },
    });
    const { before, after } = train(model, 300, 32, linearMap);
    expect(after).toBeLessThan(0.1 * before);
  });

  it('plain SGD works too', () => {
    const model = new SyntheticGradientModel({
      spec: 'linear',
      shape: [width],
      prng: new Prng(1),
      optimizer: { kind: 'sgd', lr: 0.05, momentum: 0.9 },
    });
    const { before, after } = train(model, 300, 32, linearMap);
    expect(after).toBeLessThan(0.1 * before);
  });

  it('cDNI learns a target that depends only on the label; without context it cannot', () => {
    const classes = 4;
    const classMeans = normalTensor([classes, width], 5);
    const byLabel = (seed: number) => {
      const y = labels(32, classes, seed);
      const target = Tensor.zeros([32, width]);
      for (let b = 0; b < 32; b++)
        target.data.set(classMeans.data.subarray(y[b] * width, (y[b] + 1) * width), b * width);
      return { input: normalTensor([32, width], seed), target, context: { labels: y, classes } };
    };
    const optimizer = { kind: 'adam', lr: 1e-2 } as const;
    const conditioned = new SyntheticGradientModel({
      spec: 'linear',
      shape: [width],
      context: { classes },
      prng: new Prng(1),
      optimizer,
    });
    const plain = new SyntheticGradientModel({
      spec: 'linear',
      shape: [width],
      prng: new Prng(1),
      optimizer,
    });
    const withContext = train(conditioned, 300, 32, byLabel);
    const without = train(plain, 300, 32, byLabel);
    expect(withContext.after).toBeLessThan(0.05 * withContext.before);
    // The best context-free answer is the mean over classes, leaving the between-class variance.
    expect(without.after).toBeGreaterThan(0.5 * without.before);
  });
});

describe('synthetic-input models learn', () => {
  it('an MLP learns h_A = ReLU(W x) from x (loss drops by > 90%)', () => {
    const weights = normalTensor([6, 10], 3, 1 / Math.sqrt(10));
    const example = (seed: number) => {
      const input = normalTensor([32, 10], seed);
      const target = applyMatrix(weights, input);
      for (let i = 0; i < target.size; i++) target.data[i] = Math.max(0, target.data[i]);
      return { input: input.reshape([32, 1, 2, 5]), target };
    };
    const model = new SyntheticInputModel({
      spec: { hidden: [64], batchNorm: false },
      inputShape: [1, 2, 5],
      outputShape: [6],
      prng: new Prng(1),
      optimizer: { kind: 'adam', lr: 1e-2 },
    });
    const { before, after } = train(model, 400, 32, example);
    expect(after).toBeLessThan(0.1 * before);
  });
});
