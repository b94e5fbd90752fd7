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
 * Without momentum, p −= lr·g and no slot is kept.
 */
export class SGD extends Optimizer {
  protected readonly kind = 'SGD';
  readonly momentum: number;
  readonly nesterov: boolean;

  constructor(parameters: readonly Parameter[], options: SGDOptions) {
    const momentum = options.momentum ?? 0;
    super(parameters, options, momentum > 0 ? ['momentum'] : []);
    if (!(momentum >= 0 && momentum < 1))
      throw new Error(`dniflow/nn: SGD needs momentum in [0, 1), got ${momentum}`);
    if (options.nesterov && momentum === 0)
      throw new Error('dniflow/nn: SGD with nesterov needs momentum > 0');
    this.momentum = momentum;
    this.nesterov = options.nesterov ?? false;
  }

  protected update(index: number, lr: number, _t: number): void {
    const p = this.parameters[index].value.data;
    const grad = this.parameters[index].grad.data;
    const decay = this.weightDecay;
    const n = p.length;
    if (this.momentum === 0) {
      for (let i = 0; i < n; i++) p[i] -= lr * (grad[i] + decay * p[i]);
      return;
    }
    const buf = this.slots[0][index].data;
    const mu = this.momentum;
    for (let i = 0; i < n; i++) {
      const g = grad[i] + decay * p[i];
      const b = mu * buf[i] + g;
      buf[i] = b;
      p[i] -= lr * (this.nesterov ? g + mu * b : b);
    }
  }
}
