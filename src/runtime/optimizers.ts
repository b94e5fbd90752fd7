import type { Parameter } from '../nn/layer.ts';
import { Adam } from '../nn/optim/adam.ts';
import type { Optimizer } from '../nn/optim/optimizer.ts';
import { SGD } from '../nn/optim/sgd.ts';

export interface OptimizerChoice {
  kind: 'adam' | 'sgd';
  lr: number;
  momentum?: number;
}

export function createOptimizer(parameters: readonly Parameter[], choice: OptimizerChoice): Optimizer {
  return choice.kind === 'adam'
    ? new Adam(parameters, { lr: choice.lr })
    : new SGD(parameters, { lr: choice.lr, momentum: choice.momentum ?? 0.9 });
}
