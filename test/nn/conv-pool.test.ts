import { expect, describe as group, it } from 'vitest';
import { AvgPool2d, Conv2d, MaxPool2d } from '../../src/nn/index.ts';
import { Prng } from '../../src/tensor/prng.ts';
import { Tensor } from '../../src/tensor/tensor.ts';
import { expectClose } from '../helpers/close.ts';
import { uniformTensor } from '../helpers/random.ts';

/** Direct 2-D cross-correlation, the definition im2col + gemm must reproduce. */
function directConv(x: Tensor, conv: Conv2d): number[] {
  const [batch, inC, h, w] = x.shape;
  const [kh, kw] = conv.kernel;
  const [sh, sw] = conv.stride;
  const [ph, pw] = conv.padding;
  const outH = Math.floor((h + 2 * ph - kh) / sh) + 1;
  const outW = Math.floor((w + 2 * pw - kw) / sw) + 1;
  const weight = conv.weight.value.data;
  const out: number[] = [];
  for (let n = 0; n < batch; n++) {
    for (let o = 0; o < conv.outChannels; o++) {
      for (let oy = 0; oy < outH; oy++) {
        for (let ox = 0; ox < outW; ox++) {
          let sum = conv.bias === null ? 0 : conv.bias.value.data[o];
          for (let c = 0; c < inC; c++) {
            for (let ky = 0; ky < kh; ky++) {
              for (let kx = 0; kx < kw; kx++) {
                const y = oy * sh - ph + ky;
                const xx = ox * sw - pw + kx;
                if (y < 0 || y >= h || xx < 0 || xx >= w) continue;
                sum += weight[((o * inC + c) * kh + ky) * kw + kx] * x.data[((n * inC + c) * h + y) * w + xx];
              }
            }
          }
          out.push(sum);
        }
      }
    }
  }
  return out;
}

group('Conv2d forward matches the direct definition', () => {
  const settings = [
    { kernel: 3, stride: 1, padding: 0, bias: true },
    { kernel: 3, stride: 2, padding: 1, bias: true },
    { kernel: [2, 3] as const, stride: [2, 1] as const, padding: [0, 2] as const, bias: false },
  ];
  settings.forEach((s, k) => {
    it(`kernel ${s.kernel}, stride ${s.stride}, padding ${s.padding}, bias ${s.bias}`, () => {
      const conv = new Conv2d('conv', 3, 4, s.kernel, {
        prng: new Prng(k),
        stride: s.stride,
        padding: s.padding,
        bias: s.bias,
      });
      if (conv.bias !== null) new Prng(99).fillUniform(conv.bias.value.data, -1, 1);
      const x = uniformTensor([2, 3, 7, 6], 10 + k);
      const y = conv.forward(x, true);
      const want = directConv(x, conv);
      expectClose(y.data, want, 5);
    });
  });
});

group('pooling by hand', () => {
  it('MaxPool2d picks window maxima and routes the gradient to them', () => {
    const pool = new MaxPool2d('pool', 2);
    const x = uniformTensor([1, 1, 2, 4], 1);
    x.data.set([1, 5, 2, 0, 3, 4, 8, 7]);
    expect(Array.from(pool.forward(x, true).data)).toEqual([5, 8]);
    // gradOutput [1, 5]: the 1 goes to the 5 (index 1), the 5 to the 8 (index 6).
    const grad = pool.backward(Tensor.from([1, 5], [1, 1, 1, 2]));
    expect(Array.from(grad.data)).toEqual([0, 1, 0, 0, 0, 0, 5, 0]);
  });

  it('AvgPool2d averages windows and spreads the gradient evenly', () => {
    const pool = new AvgPool2d('pool', 2);
    const x = uniformTensor([1, 1, 2, 4], 1);
    x.data.set([1, 5, 2, 0, 3, 4, 8, 7]);
    expect(Array.from(pool.forward(x, true).data)).toEqual([13 / 4, 17 / 4]);
    const gradOutput = uniformTensor([1, 1, 1, 2], 2);
    gradOutput.data.set([4, 8]);
    expect(Array.from(pool.backward(gradOutput).data)).toEqual([1, 1, 2, 2, 1, 1, 2, 2]);
  });
});
