/** dniflow/tensor: the public entry point (named re-exports only). */

export {
  reluBackward,
  reluForward,
  sigmoidBackward,
  sigmoidForward,
  tanhBackward,
  tanhForward,
} from './activations.ts';
export { type Backend, type ConvGeometry, convGeometry } from './backend.ts';
export { backend, setBackend } from './backend-registry.ts';
export { gemm } from './gemm.ts';
export { Prng } from './prng.ts';
export { allFinite, argmaxRows, dot, maxAbs, mean, sum } from './reduce.ts';
export { addRowVector, axpy, columnSums, multiplyInto, rowSums, scale, sumRows } from './rows.ts';
export { logSoftmaxRows, softmaxRows } from './softmax.ts';
export { type Shape, sameShape, sizeOf, Tensor } from './tensor.ts';
export { tsBackend } from './ts-backend.ts';
