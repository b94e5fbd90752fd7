import { backend } from '../../tensor/backend-registry.ts';
import type { SgdStepScalars } from '../../tensor/optimizer-kernels.ts';
import type { Parameter } from '../layer.ts';
import { Optimizer, type OptimizerOptions } from './optimizer.ts';

export interface SGDOptions extends OptimizerOptions {
  momentum?: number;
  nesterov?: boolean;
}

/**
 * Stochastic gradient descent with PyTorch's update (dampening 0):
 *   g = ∇ + weightDecay·p
 *   buf = momentum·buf + g                (buf starts at 0, so the first step has buf = g)
 *   p −= lr · (nesterov ? g + momentum·buf : buf)
 * Without momentum, p −= lr·g and no slot is kept. The loop is the backend's `sgdStep` kernel
 * (src/tensor/optimizer-kernels.ts).
 */
export class SGD extends Optimizer {
  protected readonly kind = 'SGD';
  readonly momentum: number;
  readonly nesterov: boolean;
  /** The kernel's scalars, refreshed per step (one object, so a step allocates nothing). */
  private readonly scalars: { -readonly [K in keyof SgdStepScalars]: SgdStepScalars[K] };

  constructor(parameters: readonly Parameter[], options: SGDOptions) {
    const momentum = options.momentum ?? 0;
    super(parameters, options, momentum > 0 ? ['momentum'] : []);
    if (!(momentum >= 0 && momentum < 1))
      throw new Error(`dniflow/nn: SGD needs momentum in [0, 1), got ${momentum}`);
    if (options.nesterov && momentum === 0)
      throw new Error('dniflow/nn: SGD with nesterov needs momentum > 0');
    this.momentum = momentum;
    this.nesterov = options.nesterov ?? false;
    this.scalars = { lr: 0, weightDecay: this.weightDecay, momentum, nesterov: this.nesterov };
  }

  protected update(index: number, lr: number, _t: number): void {
    this.scalars.lr = lr;
    backend().sgdStep(
      this.parameters[index].value.data,
      this.parameters[index].grad.data,
      this.momentum === 0 ? noMomentum : this.slots[0][index].data,
      this.scalars,
    );
  }
}

/** Stands in for the momentum buffer plain SGD does not keep. */
const noMomentum = new Float32Array(0);
