import { expect, describe as group, it } from 'vitest';
import { MaskedSigmoidBCE, MSELoss, SigmoidBCE, SoftmaxCrossEntropy } from '../../src/nn/index.ts';
import { Tensor } from '../../src/tensor/tensor.ts';
import { expectClose } from '../helpers/close.ts';
import { describe, gradcheckLoss } from '../helpers/gradcheck.ts';
import { uniformTensor } from '../helpers/random.ts';

group('SoftmaxCrossEntropy', () => {
  it('matches hand-computed values and gradient', () => {
    const loss = new SoftmaxCrossEntropy();
    const logits = Tensor.from([1, 2, 3, 0, 0, 0], [2, 3]);
    // row 0: −log softmax[2] = log(1 + e^−1 + e^−2); row 1: log 3.
    const expected = (Math.log(1 + Math.exp(-1) + Math.exp(-2)) + Math.log(3)) / 2;
    expect(loss.forward(logits, [2, 0])).toBeCloseTo(expected, 6);
    const z = Math.exp(1) + Math.exp(2) + Math.exp(3);
    const grad = loss.backward().data;
    expect(grad[0]).toBeCloseTo(Math.exp(1) / z / 2, 6);
    expect(grad[2]).toBeCloseTo((Math.exp(3) / z - 1) / 2, 6);
    expect(grad[3]).toBeCloseTo((1 / 3 - 1) / 2, 6);
    expect(grad[4]).toBeCloseTo(1 / 6, 6);
  });

  it('is stable for huge logits', () => {
    const loss = new SoftmaxCrossEntropy();
    expect(loss.forward(Tensor.from([1000, 0, -1000, 0], [2, 2]), Int32Array.from([1, 0]))).toBeCloseTo(
      1000,
      3,
    );
    expect(Array.from(loss.backward().data)).toEqual([0.5, -0.5, -0.5, 0.5]);
  });

  it('passes the gradient check', () => {
    const report = gradcheckLoss(new SoftmaxCrossEntropy(), uniformTensor([4, 5], 1, -2, 2), [0, 4, 2, 2]);
    expect(report.worst, describe(report)).toBeLessThan(1e-2);
  });

  it('rejects bad labels and label counts, naming the loss', () => {
    const loss = new SoftmaxCrossEntropy('ce');
    const logits = Tensor.zeros([2, 3]);
    expect(() => loss.forward(logits, [0, 3])).toThrow(
      "dniflow/nn: SoftmaxCrossEntropy 'ce' label 3 at row 1 is not a class in [0, 3)",
    );
    expect(() => loss.forward(logits, [0, 1.5])).toThrow(/label 1.5 at row 1/);
    expect(() => loss.forward(logits, [0])).toThrow(
      "dniflow/nn: SoftmaxCrossEntropy 'ce' got 1 labels for a batch of 2",
    );
    expect(() => loss.forward(Tensor.zeros([6]), [0])).toThrow(
      /expects logits \[batch, classes\], got \[6\]/,
    );
    expect(() => new SoftmaxCrossEntropy().backward()).toThrow(/backward called before forward/);
  });
});

group('MSELoss', () => {
  it('matches hand-computed values and gradient', () => {
    const loss = new MSELoss();
    expect(loss.forward(Tensor.from([1, 2], [1, 2]), Tensor.from([0, 4], [1, 2]))).toBeCloseTo(2.5, 12);
    expect(Array.from(loss.backward().data)).toEqual([1, -2]);
  });

  it('passes the gradient check', () => {
    const report = gradcheckLoss(new MSELoss(), uniformTensor([3, 4], 2), uniformTensor([3, 4], 3));
    expect(report.worst, describe(report)).toBeLessThan(1e-2);
  });

  it('rejects a target of another size', () => {
    expect(() => new MSELoss('mse').forward(Tensor.zeros([2, 2]), Tensor.zeros([2, 3]))).toThrow(
      "dniflow/nn: MSELoss 'mse' prediction [2, 2] and target [2, 3] differ in size",
    );
  });
});

group('SigmoidBCE', () => {
  it('matches hand-computed values and gradient', () => {
    const loss = new SigmoidBCE();
    const value = loss.forward(Tensor.from([0, 2], [2, 1]), Tensor.from([1, 0.25], [2, 1]));
    // ℓ(0, 1) = log 2; ℓ(2, 0.25) = 2 − 0.5 + log(1 + e^−2)
    expect(value).toBeCloseTo((Math.log(2) + 1.5 + Math.log1p(Math.exp(-2))) / 2, 6);
    const grad = loss.backward().data;
    expect(grad[0]).toBeCloseTo((0.5 - 1) / 2, 7);
    expect(grad[1]).toBeCloseTo((1 / (1 + Math.exp(-2)) - 0.25) / 2, 7);
  });

  it('is stable for huge logits (no overflow, no log(0))', () => {
    const loss = new SigmoidBCE();
    const value = loss.forward(Tensor.from([100, -100, 100, -100], [4]), Tensor.from([0, 1, 1, 0], [4]));
    expect(value).toBeCloseTo(50, 6);
    expectClose(loss.backward().data, [0.25, -0.25, 0, 0], 12);
  });

  it('passes the gradient check', () => {
    const report = gradcheckLoss(
      new SigmoidBCE(),
      uniformTensor([3, 4], 4, -3, 3),
      uniformTensor([3, 4], 5, 0, 1),
    );
    expect(report.worst, describe(report)).toBeLessThan(1e-2);
  });
});

group('MaskedSigmoidBCE (per-tick loss of a recurrent window)', () => {
  it('sums BCE over channels and masked ticks, averages over lanes, reports bits per tick', () => {
    // 3 rows (ticks × lanes, lanes = 1) × 2 channels; row 1 is masked out
    const loss = new MaskedSigmoidBCE();
    const logits = Tensor.from([0, 0, 100, -100, 2, -3], [3, 2]);
    const targets = Tensor.from([1, 0, 0, 0, 1, 0], [3, 2]);
    const mask = Tensor.from([1, 0, 1], [3]);
    const value = loss.forward(logits, { targets, mask, lanes: 1 });
    const nats = 2 * Math.LN2 + Math.log1p(Math.exp(-2)) + Math.log1p(Math.exp(-3));
    expect(value).toBeCloseTo(nats, 10);
    expect(loss.ticks).toBe(2);
    expect(loss.bits).toBeCloseTo(nats / Math.LN2, 10);
    // masked rows get no gradient even with a huge logit
    expect(Array.from(loss.backward().data.slice(2, 4))).toEqual([0, 0]);
    // a huge wrong logit stays finite; two lanes halve the loss
    const wrong = new MaskedSigmoidBCE();
    const v = wrong.forward(Tensor.from([1e4, 1e4], [2, 1]), {
      targets: Tensor.from([0, 0], [2, 1]),
      mask: Tensor.from([1, 1], [2]),
      lanes: 2,
    });
    expect(v).toBeCloseTo(1e4, 6);
  });

  it('passes the gradient check', () => {
    const mask = Tensor.from([1, 0, 1, 0.5], [4]);
    const report = gradcheckLoss(new MaskedSigmoidBCE(), uniformTensor([4, 3], 4, -3, 3), {
      targets: uniformTensor([4, 3], 5, 0, 1),
      mask,
      lanes: 2,
    });
    expect(report.worst, describe(report)).toBeLessThan(1e-2);
  });

  it('rejects mismatched sizes and lane counts', () => {
    const loss = new MaskedSigmoidBCE('copy');
    const bad = (rows: number, channels: number, maskRows: number, lanes: number) =>
      loss.forward(Tensor.zeros([rows, channels]), {
        targets: Tensor.zeros([rows, 9]),
        mask: Tensor.zeros([maskRows]),
        lanes,
      });
    expect(() => bad(2, 8, 2, 1)).toThrow("dniflow/nn: MaskedSigmoidBCE 'copy' needs logits and targets");
    expect(() => bad(2, 9, 4, 1)).toThrow('whole number of channels');
    expect(() => bad(4, 9, 4, 3)).toThrow('lane count dividing the 4 rows, got 3');
  });
});
