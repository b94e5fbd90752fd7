import { describe, expect, it } from 'vitest';
import { appendChannelMasks, appendOneHot, SyntheticGradientModel } from '../../src/dni/index.ts';
import { Prng } from '../../src/tensor/prng.ts';
import { Tensor } from '../../src/tensor/tensor.ts';

describe('cDNI context (paper §3.1)', () => {
  it('concatenates the one-hot label to flat activations', () => {
    const input = Tensor.from([1, 2, 3, 4, 5, 6], [2, 3]);
    const out = Tensor.zeros([2, 7]).fill(9); // stale values must be overwritten
    appendOneHot(input, [2, 0], 4, out);
    expect([...out.data]).toEqual([1, 2, 3, 0, 0, 1, 0, 4, 5, 6, 1, 0, 0, 0]);
  });

  it('appends one-hot channel masks to conv activations', () => {
    // [B=2, C=1, H=2, W=2], 3 classes → [2, 4, 2, 2]
    const input = Tensor.from([1, 2, 3, 4, 5, 6, 7, 8], [2, 1, 2, 2]);
    const out = Tensor.zeros([2, 4, 2, 2]).fill(9);
    appendChannelMasks(input, Int32Array.from([1, 2]), 3, out);
    // prettier-ignore
    expect([...out.data]).toEqual([
      1, 2, 3, 4, /* class 0 */ 0, 0, 0, 0, /* class 1 */ 1, 1, 1, 1, /* class 2 */ 0, 0, 0, 0, 5, 6, 7, 8,
      /* class 0 */ 0, 0, 0, 0, /* class 1 */ 0, 0, 0, 0, /* class 2 */ 1, 1, 1, 1,
    ]);
  });

  it('widens the first layer of flat models by the class count', () => {
    const model = new SyntheticGradientModel({
      spec: { hidden: [8] },
      shape: [5],
      context: { classes: 10 },
      prng: new Prng(1),
    });
    expect(model.stack.networkInputShape).toEqual([15]);
    expect(model.network.parameters()[0].value.shape).toEqual([8, 15]);
    expect(model.stack.final.weight.value.shape).toEqual([5, 8]);
  });

  it('adds mask channels to the first conv of conv models, keeping the output shape', () => {
    const model = new SyntheticGradientModel({
      spec: { convLayers: 2, channels: 6, kernel: 3 },
      shape: [2, 4, 4],
      context: { classes: 3 },
      prng: new Prng(1),
    });
    expect(model.stack.networkInputShape).toEqual([5, 4, 4]);
    expect(model.network.parameters()[0].value.shape).toEqual([6, 5, 3, 3]);
    expect(model.stack.final.weight.value.shape).toEqual([2, 6, 3, 3]);
    const prediction = model.predict(0, Tensor.zeros([2, 2, 4, 4]), {
      labels: Int32Array.from([0, 2]),
      classes: 3,
    });
    expect(prediction.shape).toEqual([2, 2, 4, 4]);
  });

  it('a linear model on a conv activation flattens it and concatenates the one-hot', () => {
    const model = new SyntheticGradientModel({
      spec: 'linear',
      shape: [2, 3, 3],
      context: { classes: 4 },
      prng: new Prng(1),
    });
    expect(model.stack.networkInputShape).toEqual([22]);
    const prediction = model.predict(0, Tensor.zeros([2, 2, 3, 3]), {
      labels: Int32Array.from([3, 1]),
      classes: 4,
    });
    expect(prediction.shape).toEqual([2, 2, 3, 3]);
  });

  it('rejects a missing context, a wrong class count and out-of-range labels', () => {
    const model = new SyntheticGradientModel({
      spec: 'linear',
      shape: [3],
      context: { classes: 2 },
      prng: new Prng(1),
    });
    const h = Tensor.zeros([2, 3]);
    expect(() => model.predict(0, h)).toThrow(/dniflow\/dni: model 'sg' is conditioned on labels/);
    expect(() => model.predict(0, h, { labels: Int32Array.from([0, 1]), classes: 3 })).toThrow(
      /built for 2 classes/,
    );
    expect(() => model.predict(0, h, { labels: Int32Array.from([0, 2]), classes: 2 })).toThrow(
      /label 2 at example 1/,
    );
    expect(() => model.predict(0, h, { labels: Int32Array.from([0]), classes: 2 })).toThrow(
      /1 labels for a batch of 2/,
    );
  });
});
