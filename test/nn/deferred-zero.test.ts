import { expect, describe as group, it } from 'vitest';
import { Adam, BatchNorm1d, Linear, type Parameter, ReLU, Sequential, SGD } from '../../src/nn/index.ts';
import { Prng } from '../../src/tensor/prng.ts';
import { Tensor } from '../../src/tensor/tensor.ts';
import { uniformTensor } from '../helpers/random.ts';

// zeroGrad defers zeroing Linear's gradients (src/nn/deferred-zero.ts): the first backward after it
// overwrites, later ones add. The parameters must follow exactly the path of eager zeroing.

function network(seed: number): Sequential {
  const prng = new Prng(seed);
  return new Sequential('net', [
    new Linear('fc1', 6, 5, { prng }),
    new BatchNorm1d('bn1', 5),
    new ReLU('relu1'),
    new Linear('fc2', 5, 3, { prng }),
  ]);
}

/** zeroGrad as it was: every gradient filled with zeros, nothing deferred. */
function eagerZero(parameters: readonly Parameter[]): void {
  for (const p of parameters) p.grad.data.fill(0);
}

function train(lazy: boolean, backwardsPerStep: number): Float32Array[] {
  const net = network(1);
  const parameters = net.parameters();
  const optimizer = new Adam(parameters, { lr: 0.01 });
  for (let step = 0; step < 4; step++) {
    if (lazy) optimizer.zeroGrad();
    else eagerZero(parameters);
    for (let k = 0; k < backwardsPerStep; k++) {
      net.forward(uniformTensor([4, 6], 10 * step + k), true);
      net.backward(uniformTensor([4, 3], 100 + 10 * step + k));
    }
    optimizer.step();
  }
  return parameters.map((p) => p.value.data.slice());
}

group('deferred zeroing of Linear gradients', () => {
  it('gives the parameters of eager zeroing, with one backward per step and with two (accumulated)', () => {
    for (const backwards of [1, 2]) {
      const lazy = train(true, backwards);
      const eager = train(false, backwards);
      lazy.forEach((values, i) => {
        expect(Array.from(values), `parameter ${i}, ${backwards} backward(s) per step`).toEqual(
          Array.from(eager[i]),
        );
      });
    }
  });

  it('the first backward after zeroGrad overwrites stale gradients; the second adds', () => {
    const fc = new Linear('fc', 3, 2, { prng: new Prng(2) });
    const optimizer = new SGD(fc.parameters(), { lr: 0 });
    const x = uniformTensor([5, 3], 3);
    const gy = uniformTensor([5, 2], 4);
    fc.forward(x, true);
    fc.backward(gy);
    const once = fc.parameters().map((p) => p.grad.data.slice());
    fc.backward(gy);
    optimizer.zeroGrad();
    fc.backward(gy);
    fc.parameters().forEach((p, i) => {
      expect(Array.from(p.grad.data)).toEqual(Array.from(once[i]));
    });
    fc.backward(gy);
    fc.parameters().forEach((p, i) => {
      expect(Array.from(p.grad.data)).toEqual(Array.from(once[i], (g) => Math.fround(2 * g)));
    });
  });

  it('a parameter no backward reached after zeroGrad steps with a zero gradient, not a stale one', () => {
    const fc = new Linear('fc', 2, 2, { prng: new Prng(5) });
    fc.forward(uniformTensor([3, 2], 6), true);
    fc.backward(uniformTensor([3, 2], 7));
    const before = fc.parameters().map((p) => p.value.data.slice());
    const optimizer = new SGD(fc.parameters(), { lr: 1 });
    optimizer.zeroGrad();
    optimizer.step();
    fc.parameters().forEach((p, i) => {
      expect(Array.from(p.value.data)).toEqual(Array.from(before[i]));
      expect(Array.from(p.grad.data)).toEqual(new Array(p.grad.size).fill(0));
    });
  });

  it('other gradients (and parameters made by hand) are zeroed at once', () => {
    const p: Parameter = { name: 'p', value: Tensor.from([1, 2], [2]), grad: Tensor.from([3, 4], [2]) };
    const bn = new BatchNorm1d('bn', 2);
    bn.weight.grad.data.fill(5);
    new SGD([p, ...bn.parameters()], { lr: 0.1 }).zeroGrad();
    expect(Array.from(p.grad.data)).toEqual([0, 0]);
    expect(Array.from(bn.weight.grad.data)).toEqual([0, 0]);
  });
});
