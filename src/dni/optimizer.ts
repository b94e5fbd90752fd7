import type { Parameter } from '../nn/layer.ts';
import { Adam } from '../nn/optim/adam.ts';
import type { Optimizer } from '../nn/optim/optimizer.ts';
import { SGD } from '../nn/optim/sgd.ts';
import { DEFAULT_SYNTHETIC_OPTIMIZER, type OptimizerSpec } from './spec.ts';

/** The synthetic model's own optimiser (DESIGN item 1: separate from the modules' optimisers). */
export function createOptimizer(
  spec: OptimizerSpec | undefined,
  parameters: readonly Parameter[],
  who: string,
): Optimizer {
  const resolved = spec ?? DEFAULT_SYNTHETIC_OPTIMIZER;
  switch (resolved.kind) {
    case 'adam':
      return new Adam(parameters, { lr: resolved.lr });
    case 'sgd':
      return new SGD(parameters, { lr: resolved.lr, momentum: resolved.momentum ?? 0 });
    default:
      throw new Error(
        `dniflow/dni: ${who} got an unknown optimiser kind '${(resolved as { kind: unknown }).kind}'`,
      );
  }
}
