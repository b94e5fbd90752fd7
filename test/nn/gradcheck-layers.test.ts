import { expect, describe as group, it } from 'vitest';
import {
  AvgPool2d,
  BatchNorm1d,
  BatchNorm2d,
  Conv2d,
  Flatten,
  Linear,
  MaxPool2d,
  ReLU,
  Sequential,
  Sigmoid,
  SoftmaxCrossEntropy,
  Tanh,
} from '../../src/nn/index.ts';
import type { Layer } from '../../src/nn/layer.ts';
import { Prng } from '../../src/tensor/prng.ts';
import type { Tensor } from '../../src/tensor/tensor.ts';
import { describe, type GradcheckOptions, gradcheckLayer, lossObjective } from '../helpers/gradcheck.ts';
import { awayFromZero, distinctTensor, uniformTensor } from '../helpers/random.ts';

const TOLERANCE = 1e-2;

/** Runs the check, logs the worst errors when GRADCHECK_REPORT is set, and asserts on every tensor. */
function check(
  label: string,
  layer: Layer,
  input: Tensor,
  options: GradcheckOptions = {},
  tolerance = TOLERANCE,
): void {
  const report = gradcheckLayer(layer, input, options);
  if (process.env.GRADCHECK_REPORT) console.info(`${label}: ${describe(report)}`);
  const expected = ['input', ...layer.parameters().map((p) => p.name)];
  expect(Object.keys(report.tensors)).toEqual(expected);
  expect(report.worst, `${label}: ${describe(report)}`).toBeLessThan(tolerance);
}

/** Randomises parameters that start constant (BN γ/β, biases) so their gradients are exercised. */
function jitterParameters(layer: Layer, seed: number): void {
  const prng = new Prng(seed, 'jitter');
  for (const p of layer.parameters()) {
    for (let i = 0; i < p.value.size; i++) p.value.data[i] += prng.uniform() - 0.5;
  }
}

group('gradcheck: dense layers', () => {
  it('Linear with bias', () => {
    const layer = new Linear('fc', 5, 4, { prng: new Prng(1) });
    jitterParameters(layer, 2);
    check('Linear', layer, uniformTensor([3, 5], 3));
  });

  it('Linear without bias', () => {
    const layer = new Linear('fc', 6, 2, { prng: new Prng(1), bias: false });
    expect(layer.parameters().map((p) => p.name)).toEqual(['fc.weight']);
    check('Linear(no bias)', layer, uniformTensor([4, 6], 4));
  });

  it('ReLU away from its kink', () => {
    check('ReLU', new ReLU('relu'), awayFromZero([4, 7], 5));
  });

  it('Tanh', () => {
    check('Tanh', new Tanh('tanh'), uniformTensor([4, 7], 6, -2, 2));
  });

  it('Sigmoid', () => {
    check('Sigmoid', new Sigmoid('sigmoid'), uniformTensor([4, 7], 7, -3, 3));
  });

  it('Flatten', () => {
    check('Flatten', new Flatten('flat'), uniformTensor([2, 3, 2, 2], 8));
  });
});

group('gradcheck: BatchNorm', () => {
  it('BatchNorm1d in training mode (batch statistics)', () => {
    const layer = new BatchNorm1d('bn', 4);
    jitterParameters(layer, 9);
    check('BatchNorm1d train', layer, uniformTensor([6, 4], 10, -2, 3), { training: true });
  });

  it('BatchNorm1d in eval mode (running statistics)', () => {
    const layer = new BatchNorm1d('bn', 4);
    layer.runningMean.data.set([0.3, -0.2, 0.1, 0.5]);
    layer.runningVar.data.set([0.5, 1.5, 2, 0.8]);
    jitterParameters(layer, 11);
    check('BatchNorm1d eval', layer, uniformTensor([5, 4], 12, -2, 2), { training: false });
  });

  it('BatchNorm1d on [batch, channels, length]', () => {
    const layer = new BatchNorm1d('bn', 3);
    jitterParameters(layer, 13);
    check('BatchNorm1d 3-d train', layer, uniformTensor([2, 3, 4], 14, -1, 2), { training: true });
  });

  it('BatchNorm2d in training mode', () => {
    const layer = new BatchNorm2d('bn', 3);
    jitterParameters(layer, 15);
    check('BatchNorm2d train', layer, uniformTensor([2, 3, 3, 2], 16, -1, 2), { training: true });
  });

  it('BatchNorm2d in eval mode', () => {
    const layer = new BatchNorm2d('bn', 3);
    layer.runningMean.data.set([0.2, -0.1, 0.4]);
    layer.runningVar.data.set([0.7, 1.3, 0.9]);
    jitterParameters(layer, 17);
    check('BatchNorm2d eval', layer, uniformTensor([2, 3, 3, 2], 18, -1, 2), { training: false });
  });
});

group('gradcheck: convolution and pooling', () => {
  it('Conv2d, stride 1, no padding', () => {
    const layer = new Conv2d('conv', 2, 3, 3, { prng: new Prng(19) });
    jitterParameters(layer, 20);
    check('Conv2d', layer, uniformTensor([2, 2, 5, 5], 21));
  });

  it('Conv2d with stride 2 and padding 1', () => {
    const layer = new Conv2d('conv', 2, 3, 3, { prng: new Prng(22), stride: 2, padding: 1 });
    jitterParameters(layer, 23);
    check('Conv2d s2 p1', layer, uniformTensor([2, 2, 6, 5], 24));
  });

  it('Conv2d with a rectangular kernel, stride and padding', () => {
    const layer = new Conv2d('conv', 3, 2, [2, 3], { prng: new Prng(25), stride: [1, 2], padding: [1, 0] });
    jitterParameters(layer, 26);
    check('Conv2d 2x3 s(1,2) p(1,0)', layer, uniformTensor([2, 3, 4, 7], 27));
  });

  it('MaxPool2d, non-overlapping windows (no ties)', () => {
    check('MaxPool2d 2', new MaxPool2d('pool', 2), distinctTensor([2, 2, 4, 6], 28));
  });

  it('MaxPool2d, overlapping windows (kernel 3, stride 2)', () => {
    check('MaxPool2d 3/2', new MaxPool2d('pool', 3, 2), distinctTensor([2, 2, 7, 5], 29));
  });

  it('AvgPool2d, overlapping and non-overlapping', () => {
    check('AvgPool2d 2', new AvgPool2d('pool', 2), uniformTensor([2, 2, 4, 5], 30));
    check('AvgPool2d 3/2', new AvgPool2d('pool', 3, 2), uniformTensor([2, 2, 7, 5], 31));
  });
});

group('gradcheck: Sequential end to end', () => {
  it('MLP: Linear → BatchNorm1d → Tanh → Linear → Sigmoid → Linear under a projection', () => {
    const prng = new Prng(32);
    const net = new Sequential('mlp', [
      new Linear('fc1', 6, 5, { prng: prng.stream('fc1') }),
      new BatchNorm1d('bn1', 5),
      new Tanh('tanh1'),
      new Linear('fc2', 5, 4, { prng: prng.stream('fc2') }),
      new Sigmoid('sig'),
      new Linear('fc3', 4, 3, { prng: prng.stream('fc3') }),
    ]);
    jitterParameters(net, 33);
    check('Sequential MLP', net, uniformTensor([4, 6], 34), { eps: 1e-2 });
  });

  it('conv net: Conv2d → BatchNorm2d → ReLU → MaxPool2d → Flatten → Linear → softmax cross-entropy', () => {
    const prng = new Prng(35);
    const net = new Sequential('convnet', [
      new Conv2d('conv1', 2, 3, 3, { prng: prng.stream('conv1'), padding: 1 }),
      new BatchNorm2d('bn1', 3),
      new ReLU('relu1'),
      new MaxPool2d('pool1', 2),
      new Conv2d('conv2', 3, 2, 2, { prng: prng.stream('conv2'), stride: 2 }),
      new AvgPool2d('pool2', 1),
      new Flatten('flat'),
      new Linear('fc', 2, 4, { prng: prng.stream('fc') }),
    ]);
    jitterParameters(net, 36);
    const objective = lossObjective(new SoftmaxCrossEntropy(), [0, 3, 1]);
    // eps trades two errors: at 1e-2 one conv1 weight moves a ReLU/max-pool input across its kink
    // (one-sided slopes 0.209 vs 0.221), below 3e-3 float32 rounding of the loss dominates. At 5e-3
    // the worst error is rounding noise of ~2 ulp of the loss on the smallest input gradients:
    // 2.4e-3 on the TS backend, 6.7e-3 on OpenBLAS (another summation order), hence 2e-2 here. A
    // wrong chain rule shows up as errors of order 1.
    check('Sequential convnet + CE', net, uniformTensor([3, 2, 4, 4], 37), { objective, eps: 5e-3 }, 2e-2);
  });
});
