/**
 * Deferred zeroing of parameter gradients. `Optimizer.zeroGrad` would otherwise write zeros over
 * every gradient each step (20 MB per DNI step with 2×1024 synthetic-gradient models), only for the
 * first backward to add onto them. For gradients whose only writer can *overwrite* instead of add
 * (Linear's weight and bias, written by gemm, where beta = 0 instead of 1 gives the same bits),
 * zeroGrad merely marks them; the first write after the mark overwrites, and any later write in the
 * same step adds as usual (shared or time-unrolled use still accumulates).
 *
 * Only gradients registered by their layer take part; zeroGrad zeroes every other one at once. A
 * marked gradient's memory is stale until written: the optimiser settles (zeroes) a still-marked one
 * before it reads it, so a parameter that got no gradient this step steps with zero, as before. Code
 * outside the layer that reads or writes a registered gradient directly between zeroGrad and the
 * layer's backward must call settleGradient first.
 *
 * Keyed by the gradient's Float32Array, because Sequential hands out renamed Parameter objects that
 * share their layers' tensors.
 */
const deferrable = new WeakSet<Float32Array>();
const marked = new WeakSet<Float32Array>();

/** Registers a gradient whose owning layer honours the protocol (overwriteGradient / beta = 0). */
export function allowDeferredZero(grad: Float32Array): void {
  deferrable.add(grad);
}

/** zeroGrad for one gradient: marks a registered one, zeroes any other. */
export function zeroGradient(grad: Float32Array): void {
  if (deferrable.has(grad)) marked.add(grad);
  else grad.fill(0);
}

/**
 * For the layer about to write `grad`: true if the write must overwrite (the gradient was marked by
 * zeroGrad and nothing has written it since), false if it must add. Clears the mark.
 */
export function overwriteGradient(grad: Float32Array): boolean {
  return marked.delete(grad);
}

/** Makes a marked gradient's memory hold its value (zero) before someone reads or adds into it. */
export function settleGradient(grad: Float32Array): void {
  if (marked.delete(grad)) grad.fill(0);
}
