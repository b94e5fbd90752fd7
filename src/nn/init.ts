import type { Prng } from '../tensor/prng.ts';
import type { Shape, Tensor } from '../tensor/tensor.ts';

/**
 * Weight initialisers. Each fills a tensor in place from an explicit Prng stream, computing fan-in and
 * fan-out from the tensor's shape with PyTorch's convention: dimension 0 is the output features,
 * dimension 1 the input features, and any further dimensions are the receptive field (conv kernels).
 * So a Linear weight [out, in] has fanIn = in, and a Conv2d weight [outC, inC, kh, kw] has
 * fanIn = inC·kh·kw and fanOut = outC·kh·kw.
 */
export type Initialiser = (target: Tensor, prng: Prng) => void;

export function fans(shape: Shape): { fanIn: number; fanOut: number } {
  if (shape.length === 0) throw new Error('dniflow/nn: cannot compute fan-in/fan-out of a scalar');
  if (shape.length === 1) return { fanIn: shape[0], fanOut: shape[0] };
  let receptive = 1;
  for (let i = 2; i < shape.length; i++) receptive *= shape[i];
  return { fanIn: shape[1] * receptive, fanOut: shape[0] * receptive };
}

/** He et al. 2015 for ReLU nets: N(0, 2 / fanIn). */
export const heNormal: Initialiser = (target, prng) => {
  const { fanIn } = fans(target.shape);
  prng.fillNormal(target.data, 0, Math.sqrt(2 / fanIn));
};

/** He et al. 2015, uniform: U(−b, b) with b = √(6 / fanIn), the same variance as heNormal. */
export const heUniform: Initialiser = (target, prng) => {
  const { fanIn } = fans(target.shape);
  const bound = Math.sqrt(6 / fanIn);
  prng.fillUniform(target.data, -bound, bound);
};

/** Glorot & Bengio 2010: U(−b, b) with b = √(6 / (fanIn + fanOut)). */
export const glorotUniform: Initialiser = (target, prng) => {
  const { fanIn, fanOut } = fans(target.shape);
  const bound = Math.sqrt(6 / (fanIn + fanOut));
  prng.fillUniform(target.data, -bound, bound);
};

/** Glorot & Bengio 2010, normal: N(0, 2 / (fanIn + fanOut)). */
export const glorotNormal: Initialiser = (target, prng) => {
  const { fanIn, fanOut } = fans(target.shape);
  prng.fillNormal(target.data, 0, Math.sqrt(2 / (fanIn + fanOut)));
};

/**
 * All zeros. Takes a Prng only to share the Initialiser signature. DNI's synthetic-gradient models
 * zero their final layer, weights *and* bias, so that training starts from δ̂ = 0 (paper §3).
 */
export const zeros: Initialiser = (target, _prng) => {
  target.data.fill(0);
};
