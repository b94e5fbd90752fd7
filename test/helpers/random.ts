import { Prng } from '../../src/tensor/prng.ts';
import { type Shape, Tensor } from '../../src/tensor/tensor.ts';

/** Uniform values in [low, high) from a named stream of `seed`. */
export function uniformTensor(shape: Shape, seed: number, low = -1, high = 1): Tensor {
  const t = Tensor.zeros(shape);
  new Prng(seed, 'test-tensor').fillUniform(t.data, low, high);
  return t;
}

/** Values with |x| in [margin, 1], random signs: no ReLU kink within `margin`. */
export function awayFromZero(shape: Shape, seed: number, margin = 0.1): Tensor {
  const t = uniformTensor(shape, seed, margin, 1);
  const signs = new Prng(seed, 'test-signs');
  for (let i = 0; i < t.size; i++) if (signs.uniform() < 0.5) t.data[i] = -t.data[i];
  return t;
}

/**
 * A permutation of evenly spaced values `spacing` apart, centred on 0: no two entries are closer
 * than `spacing`, so pooling windows have no ties within ±spacing/2.
 */
export function distinctTensor(shape: Shape, seed: number, spacing = 0.05): Tensor {
  const t = Tensor.zeros(shape);
  const order = new Prng(seed, 'test-distinct').permutation(t.size);
  for (let i = 0; i < t.size; i++) t.data[i] = (order[i] - t.size / 2) * spacing;
  return t;
}
