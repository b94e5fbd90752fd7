import { expect, describe as group, it } from 'vitest';
import { fans, glorotNormal, glorotUniform, heNormal, heUniform, Linear, zeros } from '../../src/nn/index.ts';
import { Prng } from '../../src/tensor/prng.ts';
import { Tensor } from '../../src/tensor/tensor.ts';

function stats(t: Tensor): { mean: number; std: number; min: number; max: number } {
  let sum = 0;
  let squares = 0;
  for (const v of t.data) {
    sum += v;
    squares += v * v;
  }
  const mean = sum / t.size;
  return {
    mean,
    std: Math.sqrt(squares / t.size - mean * mean),
    min: Math.min(...t.data),
    max: Math.max(...t.data),
  };
}

group('initialisers', () => {
  it('compute fans with PyTorch’s convention', () => {
    expect(fans([10, 784])).toEqual({ fanIn: 784, fanOut: 10 });
    expect(fans([16, 3, 5, 5])).toEqual({ fanIn: 75, fanOut: 400 });
  });

  it('have the documented distributions', () => {
    const shape = [128, 256]; // fanIn 256, fanOut 128
    const cases = [
      { init: heNormal, std: Math.sqrt(2 / 256), bound: null },
      { init: heUniform, std: Math.sqrt(2 / 256), bound: Math.sqrt(6 / 256) },
      { init: glorotNormal, std: Math.sqrt(2 / 384), bound: null },
      { init: glorotUniform, std: Math.sqrt(2 / 384), bound: Math.sqrt(6 / 384) },
    ];
    for (const { init, std, bound } of cases) {
      const t = Tensor.zeros(shape);
      init(t, new Prng(5));
      const s = stats(t);
      expect(Math.abs(s.mean)).toBeLessThan(0.05 * std);
      expect(s.std / std).toBeGreaterThan(0.98);
      expect(s.std / std).toBeLessThan(1.02);
      if (bound !== null) {
        expect(s.min).toBeGreaterThanOrEqual(-bound);
        expect(s.max).toBeLessThanOrEqual(bound);
      }
    }
    const z = Tensor.from([1, 2], [2]);
    zeros(z, new Prng(1));
    expect(Array.from(z.data)).toEqual([0, 0]);
  });

  it('are reproducible from the seed and differ across streams', () => {
    const a = new Linear('fc', 4, 3, { prng: new Prng(7).stream('fc'), init: heNormal });
    const b = new Linear('fc', 4, 3, { prng: new Prng(7).stream('fc'), init: heNormal });
    const c = new Linear('fc', 4, 3, { prng: new Prng(7).stream('other'), init: heNormal });
    expect(Array.from(a.weight.value.data)).toEqual(Array.from(b.weight.value.data));
    expect(Array.from(a.weight.value.data)).not.toEqual(Array.from(c.weight.value.data));
    expect(Array.from(a.bias?.value.data ?? [])).toEqual([0, 0, 0]);
  });

  it('zeros gives a DNI-style zero final layer, weights and bias', () => {
    const fc = new Linear('sg.out', 5, 5, { prng: new Prng(1), init: zeros });
    const y = fc.forward(Tensor.from([1, 2, 3, 4, 5], [1, 5]), true);
    expect(Array.from(y.data)).toEqual([0, 0, 0, 0, 0]);
  });
});
