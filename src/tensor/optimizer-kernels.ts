/**
 * The optimiser updates as kernels on plain Float32Arrays, in place. These are the TypeScript
 * backend's versions and the reference the native ones (native/src/optimizer_kernels.cc) reproduce
 * operation for operation: every intermediate is a float64, rounded to float32 only when stored,
 * so both backends give the same bits.
 *
 * The per-step scalars (bias corrections) are computed once by the caller (src/nn/optim), not here,
 * so that both backends share them exactly.
 */

/** The scalars of one Adam step (see adamStep). */
export interface AdamStepScalars {
  readonly beta1: number;
  readonly beta2: number;
  readonly eps: number;
  readonly weightDecay: number;
  /** lr / (1 − β1ᵗ). */
  readonly stepSize: number;
  /** 1 / √(1 − β2ᵗ). */
  readonly invSqrtCorrection2: number;
}

/** The scalars of one SGD step (see sgdStep). */
export interface SgdStepScalars {
  readonly lr: number;
  readonly weightDecay: number;
  /** 0 for plain SGD (the momentum buffer is then not read or written). */
  readonly momentum: number;
  readonly nesterov: boolean;
}

/**
 * One Adam step on n = param.length values, PyTorch's torch.optim.Adam formula (amsgrad off, L2
 * weight decay added to the gradient):
 *   g = ∇ + weightDecay·p
 *   m = β1·m + (1 − β1)·g,   v = β2·v + (1 − β2)·g²
 *   p −= stepSize · m / (√v · invSqrtCorrection2 + eps)
 * grad, m and v must have param's length; the caller checks shapes.
 */
export function adamStep(
  param: Float32Array,
  grad: Float32Array,
  m: Float32Array,
  v: Float32Array,
  s: AdamStepScalars,
): void {
  const { beta1, beta2, eps, weightDecay: decay, stepSize, invSqrtCorrection2 } = s;
  const n = param.length;
  for (let i = 0; i < n; i++) {
    const g = grad[i] + decay * param[i];
    const mi = beta1 * m[i] + (1 - beta1) * g;
    const vi = beta2 * v[i] + (1 - beta2) * g * g;
    m[i] = mi;
    v[i] = vi;
    param[i] -= (stepSize * mi) / (Math.sqrt(vi) * invSqrtCorrection2 + eps);
  }
}

/**
 * One SGD step with PyTorch's update (dampening 0):
 *   g = ∇ + weightDecay·p;   buf = momentum·buf + g;   p −= lr · (nesterov ? g + momentum·buf : buf)
 * Without momentum (momentum = 0), p −= lr·g and `momentumBuffer` is ignored (it may be empty).
 */
export function sgdStep(
  param: Float32Array,
  grad: Float32Array,
  momentumBuffer: Float32Array,
  s: SgdStepScalars,
): void {
  const { lr, weightDecay: decay, momentum: mu } = s;
  const n = param.length;
  if (mu === 0) {
    for (let i = 0; i < n; i++) param[i] -= lr * (grad[i] + decay * param[i]);
    return;
  }
  if (s.nesterov) {
    for (let i = 0; i < n; i++) {
      const g = grad[i] + decay * param[i];
      const b = mu * momentumBuffer[i] + g;
      momentumBuffer[i] = b;
      param[i] -= lr * (g + mu * b);
    }
    return;
  }
  for (let i = 0; i < n; i++) {
    const g = grad[i] + decay * param[i];
    const b = mu * momentumBuffer[i] + g;
    momentumBuffer[i] = b;
    param[i] -= lr * b;
  }
}
