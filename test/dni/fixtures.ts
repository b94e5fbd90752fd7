import { Prng } from '../../src/tensor/prng.ts';
import { type Shape, Tensor } from '../../src/tensor/tensor.ts';

/** Normal(0, std) values from a named stream of `seed`. */
export function normalTensor(shape: Shape, seed: number, std = 1): Tensor {
  const t = Tensor.zeros(shape);
  new Prng(seed, 'dni-test').fillNormal(t.data, 0, std);
  return t;
}

/** Labels 0..classes-1 cycling, then shuffled with `seed` (every class present when batch >= classes). */
export function labels(batch: number, classes: number, seed: number): Int32Array {
  const out = new Int32Array(batch);
  for (let i = 0; i < batch; i++) out[i] = i % classes;
  return new Prng(seed, 'dni-labels').shuffle(out);
}

/** y[b] = A x[b] for a [out, in] matrix A. */
export function applyMatrix(matrix: Tensor, x: Tensor): Tensor {
  const [rows, cols] = matrix.shape;
  const batch = x.shape[0];
  const y = Tensor.zeros([batch, rows]);
  for (let b = 0; b < batch; b++) {
    for (let r = 0; r < rows; r++) {
      let sum = 0;
      for (let c = 0; c < cols; c++) sum += matrix.data[r * cols + c] * x.data[b * cols + c];
      y.data[b * rows + r] = sum;
    }
  }
  return y;
}
