import { expect, describe as group, it } from 'vitest';
import type { Layer } from '../../src/nn/index.ts';
import {
  AvgPool2d,
  BatchNorm1d,
  BatchNorm2d,
  Conv2d,
  Flatten,
  Linear,
  MaxPool2d,
  MSELoss,
  ReLU,
  Sequential,
  Sigmoid,
  SigmoidBCE,
  SoftmaxCrossEntropy,
  Tanh,
} from '../../src/nn/index.ts';
import { Prng } from '../../src/tensor/prng.ts';
import type { Shape } from '../../src/tensor/tensor.ts';
import { expectClose } from '../helpers/close.ts';
import { uniformTensor } from '../helpers/random.ts';

const prng = new Prng(3);
const cases: Array<[string, () => Layer, Shape]> = [
  ['Linear', () => new Linear('fc', 6, 4, { prng }), [6]],
  ['ReLU', () => new ReLU(), [5]],
  ['Tanh', () => new Tanh(), [5]],
  ['Sigmoid', () => new Sigmoid(), [5]],
  ['BatchNorm1d', () => new BatchNorm1d('bn', 5), [5]],
  ['BatchNorm2d', () => new BatchNorm2d('bn', 2), [2, 3, 3]],
  ['Conv2d', () => new Conv2d('conv', 2, 3, 3, { prng, padding: 1, stride: 2 }), [2, 5, 5]],
  ['MaxPool2d', () => new MaxPool2d('pool', 2), [2, 4, 4]],
  ['AvgPool2d', () => new AvgPool2d('pool', 2), [2, 4, 4]],
  ['Flatten', () => new Flatten(), [2, 3, 3]],
  [
    'Sequential',
    () =>
      new Sequential('net', [
        new Conv2d('c', 2, 2, 3, { prng }),
        new ReLU('r'),
        new Flatten('f'),
        new Linear('l', 2, 3, { prng }),
      ]),
    [2, 3, 3],
  ],
];

group('buffer reuse: no allocation per batch', () => {
  for (const [label, make, sample] of cases) {
    it(`${label} returns the same arrays for two batches of the same size, new ones for a new size`, () => {
      const layer = make();
      const first = uniformTensor([4, ...sample], 1);
      const second = uniformTensor([4, ...sample], 2);
      const out1 = layer.forward(first, true);
      const grad1 = layer.backward(uniformTensor(out1.shape, 3));
      // Flatten's gradient is a view of gradOutput, so feed it the same gradient buffer each time.
      const gradOutput = uniformTensor(out1.shape, 4);
      const grad1b = layer.backward(gradOutput);
      const out2 = layer.forward(second, true);
      const grad2 = layer.backward(gradOutput);
      if (label === 'Flatten') {
        expect(out1.data).toBe(first.data); // zero-copy view
        expect(grad2.data).toBe(gradOutput.data);
        expect(grad2).toBe(grad1b);
      } else {
        expect(out2.data).toBe(out1.data);
        expect(grad2.data).toBe(grad1.data);
      }
      const out3 = layer.forward(uniformTensor([3, ...sample], 5), true);
      expect(out3.shape[0]).toBe(3);
      if (label !== 'Flatten') expect(out3.data).not.toBe(out1.data);
    });
  }

  it('losses reuse their gradient buffers', () => {
    const ce = new SoftmaxCrossEntropy();
    ce.forward(uniformTensor([3, 4], 1), [0, 1, 2]);
    const g1 = ce.backward().data;
    ce.forward(uniformTensor([3, 4], 2), [3, 1, 2]);
    expect(ce.backward().data).toBe(g1);
    for (const loss of [new MSELoss(), new SigmoidBCE()]) {
      loss.forward(uniformTensor([3, 4], 1), uniformTensor([3, 4], 2, 0, 1));
      const first = loss.backward().data;
      loss.forward(uniformTensor([3, 4], 3), uniformTensor([3, 4], 4, 0, 1));
      expect(loss.backward().data).toBe(first);
    }
  });
});

group('parameter gradients accumulate', () => {
  it('two backward passes add up (for time-unrolled or shared use)', () => {
    const fc = new Linear('fc', 3, 2, { prng });
    const conv = new Conv2d('conv', 1, 2, 2, { prng });
    for (const [layer, input] of [
      [fc, uniformTensor([2, 3], 6)],
      [conv, uniformTensor([2, 1, 3, 3], 7)],
    ] as const) {
      const out = layer.forward(input, true);
      const gradOutput = uniformTensor(out.shape, 8);
      layer.backward(gradOutput);
      const once = layer.parameters().map((p) => Array.from(p.grad.data));
      layer.backward(gradOutput);
      layer.parameters().forEach((p, k) => {
        expectClose(
          p.grad.data,
          once[k].map((v) => 2 * v),
          5,
        );
      });
    }
  });

  it('Sequential exposes the layers’ tensors under prefixed names', () => {
    const fc = new Linear('fc1', 3, 2, { prng });
    const bn = new BatchNorm1d('bn1', 2);
    const inner = new Sequential('block', [fc, bn]);
    const net = new Sequential('net', [inner, new ReLU('relu')]);
    expect(net.parameters().map((p) => p.name)).toEqual([
      'net.block.fc1.weight',
      'net.block.fc1.bias',
      'net.block.bn1.weight',
      'net.block.bn1.bias',
    ]);
    expect(net.parameters()[0].value).toBe(fc.weight.value);
    expect(net.parameters()[0].grad).toBe(fc.weight.grad);
    expect(net.parameters()).toBe(net.parameters());
    expect(Object.keys(net.buffers())).toEqual(['net.block.bn1.runningMean', 'net.block.bn1.runningVar']);
    expect(net.buffers()['net.block.bn1.runningVar']).toBe(bn.runningVar);
  });
});
