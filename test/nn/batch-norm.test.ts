import { expect, describe as group, it } from 'vitest';
import { BatchNorm1d, BatchNorm2d } from '../../src/nn/index.ts';
import { Tensor } from '../../src/tensor/tensor.ts';
import { expectClose } from '../helpers/close.ts';

group('BatchNorm statistics (PyTorch semantics)', () => {
  it('training normalises with batch statistics and updates running stats with momentum 0.1, unbiased var', () => {
    const bn = new BatchNorm1d('bn', 2);
    // feature 0: 1,2,3,4 (mean 2.5, biased var 1.25, unbiased 5/3); feature 1: constant 7.
    const x = Tensor.from([1, 7, 2, 7, 3, 7, 4, 7], [4, 2]);
    const y = bn.forward(x, true);
    const std = Math.sqrt(1.25 + 1e-5);
    expectClose(
      y.data,
      [1, 2, 3, 4].flatMap((v) => [(v - 2.5) / std, 0]),
      6,
    );
    expect(bn.runningMean.data[0]).toBeCloseTo(0.25, 7);
    expect(bn.runningMean.data[1]).toBeCloseTo(0.7, 6);
    expect(bn.runningVar.data[0]).toBeCloseTo(0.9 + 0.1 * (5 / 3), 6);
    expect(bn.runningVar.data[1]).toBeCloseTo(0.9, 7);
    bn.forward(x, true);
    expect(bn.runningMean.data[0]).toBeCloseTo(0.9 * 0.25 + 0.25, 6);
  });

  it('eval mode uses the running statistics and leaves them alone', () => {
    const bn = new BatchNorm1d('bn', 1, { momentum: 0.5, eps: 1e-3 });
    bn.forward(Tensor.from([0, 2], [2, 1]), true); // mean 1, unbiased var 2 → running 0.5, 1.5
    expect(Array.from(bn.runningMean.data)).toEqual([0.5]);
    expect(Array.from(bn.runningVar.data)).toEqual([1.5]);
    bn.weight.value.data[0] = 2;
    bn.bias.value.data[0] = -1;
    const y = bn.forward(Tensor.from([3], [1, 1]), false);
    expect(y.data[0]).toBeCloseTo((2 * (3 - 0.5)) / Math.sqrt(1.5 + 1e-3) - 1, 5);
    expect(Array.from(bn.runningMean.data)).toEqual([0.5]);
  });

  it('BatchNorm2d takes statistics per channel over batch and space', () => {
    const bn = new BatchNorm2d('bn', 2);
    // batch 2, channels 2, 1x2 images. channel 0 values: 1, 3, 5, 7 (mean 4, var 5); channel 1: all 10s and 20s.
    const x = Tensor.from([1, 3, 10, 20, 5, 7, 20, 10], [2, 2, 1, 2]);
    const y = bn.forward(x, true);
    const std0 = Math.sqrt(5 + 1e-5);
    expect(y.data[0]).toBeCloseTo(-3 / std0, 6);
    expect(y.data[5]).toBeCloseTo(3 / std0, 6);
    expect(y.data[2]).toBeCloseTo(-5 / Math.sqrt(25 + 1e-5), 6);
    expect(bn.runningMean.data[0]).toBeCloseTo(0.4, 6);
    expect(bn.runningMean.data[1]).toBeCloseTo(1.5, 6);
    expect(bn.runningVar.data[0]).toBeCloseTo(0.9 + 0.1 * (20 / 3), 5);
  });

  it('exposes γ, β as parameters and running stats as buffers', () => {
    const bn = new BatchNorm2d('bn1', 3);
    expect(bn.parameters().map((p) => p.name)).toEqual(['bn1.weight', 'bn1.bias']);
    expect(Array.from(bn.weight.value.data)).toEqual([1, 1, 1]);
    expect(Object.keys(bn.buffers())).toEqual(['bn1.runningMean', 'bn1.runningVar']);
  });
});
