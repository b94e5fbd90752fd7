import { describe, expect, it } from 'vitest';
import { SyntheticGradientModel, SyntheticInputModel } from '../../src/dni/index.ts';
import { Prng } from '../../src/tensor/prng.ts';
import { normalTensor } from './fixtures.ts';

describe('zero-initialised output layer (paper §2)', () => {
  const cases = [
    { label: 'linear', spec: 'linear' as const, shape: [12] },
    { label: 'MLP with BN', spec: { hidden: [16, 16] }, shape: [12] },
    { label: 'MLP without BN', spec: { hidden: [16], batchNorm: false }, shape: [12] },
    { label: 'conv', spec: { convLayers: 2, channels: 4, kernel: 3 }, shape: [3, 5, 5] },
    { label: 'conv (default)', spec: 'conv' as const, shape: [2, 4, 4] },
  ];

  for (const { label, spec, shape } of cases) {
    it(`${label}: final weights and bias are exactly zero, so is the first prediction`, () => {
      const model = new SyntheticGradientModel({ spec, shape, prng: new Prng(3) });
      const final = model.stack.final;
      expect(final.bias).not.toBeNull();
      expect(final.weight.value.data.every((v) => v === 0)).toBe(true);
      expect(final.bias?.value.data.every((v) => v === 0)).toBe(true);
      // Hidden layers are not zero (He init).
      for (const p of model.network.parameters()) {
        if (p.name.endsWith('.weight') && !p.name.includes('.out.') && !p.name.includes('.bn')) {
          expect(
            p.value.data.some((v) => v !== 0),
            p.name,
          ).toBe(true);
        }
      }
      const prediction = model.predict(0, normalTensor([4, ...shape], 1));
      expect(prediction.shape).toEqual([4, ...shape]);
      expect(prediction.data.every((v) => v === 0)).toBe(true);
    });
  }

  it('cDNI models start at zero too', () => {
    const model = new SyntheticGradientModel({
      spec: { hidden: [8] },
      shape: [6],
      context: { classes: 3 },
      prng: new Prng(1),
    });
    const prediction = model.predict(0, normalTensor([3, 6], 2), {
      labels: Int32Array.from([0, 1, 2]),
      classes: 3,
    });
    expect(prediction.data.every((v) => v === 0)).toBe(true);
  });

  it('synthetic-input models start at zero by default, and can opt out', () => {
    const zero = new SyntheticInputModel({
      spec: { hidden: [8] },
      inputShape: [1, 4, 4],
      outputShape: [5],
      prng: new Prng(1),
    });
    expect(zero.predict(0, normalTensor([3, 1, 4, 4], 2)).data.every((v) => v === 0)).toBe(true);
    const random = new SyntheticInputModel({
      spec: 'linear',
      inputShape: [16],
      outputShape: [5],
      prng: new Prng(1),
      zeroFinal: false,
    });
    expect(random.predict(0, normalTensor([3, 16], 2)).data.some((v) => v !== 0)).toBe(true);
  });
});
