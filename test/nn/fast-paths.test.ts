import { expect, describe as group, it } from 'vitest';
import { BatchNorm1d, BatchNorm2d, Linear, ReLU, Sequential } from '../../src/nn/index.ts';
import { Prng } from '../../src/tensor/prng.ts';
import { Tensor } from '../../src/tensor/tensor.ts';

group('ReLU branch-free kernels', () => {
  it('give exactly max(x, 0) for finite x, +0 for negatives and −0, and keep NaN', () => {
    const values = [-3, -1e-30, -0, 0, 1e-30, 0.25, 2, 3.4e38, -3.4e38, Number.POSITIVE_INFINITY, Number.NaN];
    const random = new Prng(3).fillNormal(new Float32Array(1000));
    const x = Float32Array.from([...values, ...random]);
    const y = new ReLU('r').forward(new Tensor(x, [x.length]), true).data;
    x.forEach((v, i) => {
      if (Number.isNaN(v)) expect(y[i]).toBeNaN();
      else expect(Object.is(y[i], Math.max(v, 0))).toBe(true);
    });
  });

  it('pass the gradient exactly where y > 0 and +0 elsewhere', () => {
    const relu = new ReLU('r');
    const x = Float32Array.from([-2, -0, 0, 0.5, 3, -1]);
    relu.forward(new Tensor(x, [2, 3]), true);
    const gradOut = Float32Array.from([1, -2, -3, 4.5, -5, -6]);
    const gradIn = relu.backward(new Tensor(gradOut, [2, 3])).data;
    const expected = [0, 0, 0, 4.5, -5, 0];
    gradIn.forEach((g, i) => {
      expect(Object.is(g, expected[i])).toBe(true);
    });
  });
});

group('BatchNorm1d on [B, C] (row-major fast path)', () => {
  it('matches the generic per-channel path bit for bit (BatchNorm2d on the transposed data)', () => {
    // BatchNorm1d on rows r = b·S + s of [B·S, C] sums each channel in the same order as BatchNorm2d on
    // [B, C, 1, S] (b, then s), so forward, backward, parameter gradients and running statistics agree
    // exactly; BatchNorm2d takes the generic loops.
    const [B, S, C] = [4, 3, 5];
    const prng = new Prng(7);
    const rows = prng.fillNormal(new Float32Array(B * S * C));
    const gradRows = prng.fillNormal(new Float32Array(B * S * C));
    const toImage = (flat: Float32Array) => {
      const out = new Float32Array(flat.length);
      for (let b = 0; b < B; b++)
        for (let s = 0; s < S; s++)
          for (let c = 0; c < C; c++) out[(b * C + c) * S + s] = flat[(b * S + s) * C + c];
      return out;
    };
    const fast = new BatchNorm1d('fast', C);
    const generic = new BatchNorm2d('generic', C);
    for (const bn of [fast, generic]) {
      prng.fillNormal(bn.weight.value.data);
      prng.fillNormal(bn.bias.value.data);
    }
    generic.weight.value.copyFrom(fast.weight.value);
    generic.bias.value.copyFrom(fast.bias.value);
    for (const training of [true, false]) {
      const y = fast.forward(new Tensor(rows, [B * S, C]), training).data;
      const yImage = generic.forward(new Tensor(toImage(rows), [B, C, 1, S]), training).data;
      expect(Array.from(toImage(y))).toEqual(Array.from(yImage));
      const gx = fast.backward(new Tensor(gradRows, [B * S, C])).data;
      const gxImage = generic.backward(new Tensor(toImage(gradRows), [B, C, 1, S])).data;
      expect(Array.from(toImage(gx))).toEqual(Array.from(gxImage));
    }
    expect(Array.from(fast.weight.grad.data)).toEqual(Array.from(generic.weight.grad.data));
    expect(Array.from(fast.bias.grad.data)).toEqual(Array.from(generic.bias.grad.data));
    expect(Array.from(fast.runningMean.data)).toEqual(Array.from(generic.runningMean.data));
    expect(Array.from(fast.runningVar.data)).toEqual(Array.from(generic.runningVar.data));
  });
});

group('backwardParameters (no input gradient, for modules on the data)', () => {
  it('adds exactly the parameter gradients that backward adds, through a Sequential', () => {
    const build = () => {
      const prng = new Prng(11);
      return new Sequential('net', [
        new Linear('fc1', 6, 5, { prng: prng.stream('fc1') }),
        new BatchNorm1d('bn', 5),
        new ReLU('relu'),
        new Linear('fc2', 5, 3, { prng: prng.stream('fc2') }),
      ]);
    };
    const [full, partial] = [build(), build()];
    const prng = new Prng(12);
    const x = new Tensor(prng.fillNormal(new Float32Array(4 * 6)), [4, 6]);
    const gy = new Tensor(prng.fillNormal(new Float32Array(4 * 3)), [4, 3]);
    full.forward(x, true);
    partial.forward(x, true);
    full.backward(gy);
    partial.backwardParameters(gy);
    const grads = (net: Sequential) => net.parameters().map((p) => Array.from(p.grad.data));
    expect(grads(partial)).toEqual(grads(full));
    expect(
      grads(full)
        .flat()
        .some((g) => g !== 0),
    ).toBe(true);
  });

  it('names the layer when the gradient has the wrong shape', () => {
    const net = new Sequential('net', [new Linear('fc1', 2, 3, { prng: new Prng(1) })]);
    net.forward(new Tensor(new Float32Array(4), [2, 2]), true);
    expect(() => net.backwardParameters(new Tensor(new Float32Array(4), [2, 2]))).toThrow(/fc1/);
  });
});
