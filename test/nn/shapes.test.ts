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
} from '../../src/nn/index.ts';
import { Prng } from '../../src/tensor/prng.ts';
import { Tensor } from '../../src/tensor/tensor.ts';

const prng = new Prng(1);

group('shape errors name the layer', () => {
  it('Linear with a mismatched input width', () => {
    const fc = new Linear('fc1', 784, 10, { prng });
    const message = "dniflow/nn: Linear 'fc1' expects input width 784, got 783";
    expect(() => fc.forward(Tensor.zeros([2, 783]), true)).toThrow(message);
    expect(() => fc.outputShape([783])).toThrow(message);
    expect(() => fc.forward(Tensor.zeros([2, 28, 28]), true)).toThrow(
      "dniflow/nn: Linear 'fc1' expects input [batch, 784], got [2, 28, 28]",
    );
    expect(() => fc.outputShape([1, 28, 28])).toThrow(
      /Linear 'fc1' expects a flat input \[784\], got \[1, 28, 28\]/,
    );
    expect(fc.outputShape([784])).toEqual([10]);
  });

  it('Conv2d with a kernel that does not fit, the wrong channel count, or bad settings', () => {
    const conv = new Conv2d('conv1', 1, 4, 5, { prng });
    expect(() => conv.outputShape([1, 3, 3])).toThrow(
      "dniflow/nn: Conv2d 'conv1' kernel 5x5 does not fit input 3x3 with padding 0,0",
    );
    expect(() => conv.forward(Tensor.zeros([2, 1, 4, 8]), true)).toThrow(
      /Conv2d 'conv1' kernel 5x5 does not fit input 4x8/,
    );
    expect(() => conv.forward(Tensor.zeros([2, 3, 8, 8]), true)).toThrow(
      "dniflow/nn: Conv2d 'conv1' expects per-sample input [1, height, width], got [3, 8, 8]",
    );
    expect(() => conv.forward(Tensor.zeros([2, 64]), true)).toThrow(
      /Conv2d 'conv1' expects input \[batch, 1, height, width\]/,
    );
    expect(() => new Conv2d('conv2', 1, 4, 3, { prng, stride: 0 })).toThrow(
      /Conv2d 'conv2' needs positive integer/,
    );
    expect(() => new Conv2d('conv3', 1, 4, 3, { prng, padding: -1 })).toThrow(
      /Conv2d 'conv3' needs .*non-negative padding/,
    );
    expect(new Conv2d('ok', 1, 4, 5, { prng, padding: 2 }).outputShape([1, 3, 3])).toEqual([4, 3, 3]);
    expect(new Conv2d('ok', 1, 4, 3, { prng, stride: 2, padding: 1 }).outputShape([1, 28, 28])).toEqual([
      4, 14, 14,
    ]);
  });

  it('pools and batch norms', () => {
    expect(() => new MaxPool2d('pool1', 3).outputShape([2, 2, 5])).toThrow(
      "dniflow/nn: MaxPool2d 'pool1' window 3x3 does not fit input 2x5",
    );
    expect(() => new AvgPool2d('pool2', 2).forward(Tensor.zeros([4, 8]), true)).toThrow(
      /AvgPool2d 'pool2' expects input \[batch/,
    );
    expect(() => new MaxPool2d('pool3', 0)).toThrow(/MaxPool2d 'pool3' needs positive integer kernel/);
    expect(new MaxPool2d('p', 3, 2).outputShape([2, 7, 6])).toEqual([2, 3, 2]);
    expect(() => new BatchNorm1d('bn1', 4).forward(Tensor.zeros([2, 5]), true)).toThrow(
      "dniflow/nn: BatchNorm1d 'bn1' expects per-sample shape [4] or [4, length], got [5]",
    );
    expect(() => new BatchNorm2d('bn2', 3).outputShape([3, 4])).toThrow(
      "dniflow/nn: BatchNorm2d 'bn2' expects per-sample shape [3, height, width], got [3, 4]",
    );
    expect(() => new BatchNorm1d('bn3', 2).forward(Tensor.zeros([1, 2]), true)).toThrow(
      /BatchNorm1d 'bn3' needs more than one value per channel in training/,
    );
    expect(() => new BatchNorm1d('bn4', 2).forward(Tensor.zeros([1, 2]), false)).not.toThrow();
  });

  it('backward checks the gradient shape', () => {
    const fc = new Linear('fc1', 3, 2, { prng });
    expect(() => fc.backward(Tensor.zeros([1, 2]))).toThrow(
      "dniflow/nn: Linear 'fc1' backward called before forward",
    );
    fc.forward(Tensor.zeros([4, 3]), true);
    expect(() => fc.backward(Tensor.zeros([4, 3]))).toThrow(
      "dniflow/nn: Linear 'fc1' expects gradOutput of shape [4, 2], got [4, 3]",
    );
  });

  it('Sequential chains outputShape and says which layer failed', () => {
    const net = new Sequential('net', [
      new Conv2d('conv1', 1, 4, 3, { prng, padding: 1 }),
      new ReLU('relu1'),
      new MaxPool2d('pool1', 2),
      new Flatten('flat'),
      new Linear('fc1', 4 * 14 * 14, 10, { prng }),
    ]);
    expect(net.outputShape([1, 28, 28])).toEqual([10]);
    expect(() => net.outputShape([1, 27, 27])).toThrow(
      "dniflow/nn: Sequential 'net' layer 4 ('fc1'): dniflow/nn: Linear 'fc1' expects input width 784, got 676",
    );
    expect(() => net.forward(Tensor.zeros([2, 1, 27, 27]), true)).toThrow(
      /Sequential 'net' layer 4 \('fc1'\).*width 784, got 676/,
    );
    expect(() => new Sequential('dup', [new ReLU('a'), new ReLU('a')])).toThrow(
      "dniflow/nn: Sequential 'dup' has two layers named 'a'",
    );
  });
});
