import type { Parameter } from '../layer.ts';
import { Adam } from './adam.ts';
import type { Optimizer } from './optimizer.ts';
import { SGD } from './sgd.ts';

/** An optimiser as plain data (graph files, interface specs, worker messages). */
export interface OptimizerSpec {
  kind: 'adam' | 'sgd';
  lr: number;
  /** SGD only; default `defaultMomentum` of createOptimizer. */
  momentum?: number;
}

/** SGD momentum for modules whose spec leaves it out (the graphs' training recipes). */
export const MODULE_MOMENTUM = 0.9;

/**
 * The one optimiser factory. Callers differ only in SGD's momentum when a spec leaves it out: the
 * modules' optimisers default to 0.9 (the graphs' training recipes), synthetic models' to 0.
 */
export function createOptimizer(
  parameters: readonly Parameter[],
  spec: OptimizerSpec,
  defaultMomentum: number,
  who = 'optimizer',
): Optimizer {
  switch (spec.kind) {
    case 'adam':
      return new Adam(parameters, { lr: spec.lr });
    case 'sgd':
      return new SGD(parameters, { lr: spec.lr, momentum: spec.momentum ?? defaultMomentum });
    default:
      throw new Error(
        `dniflow/nn: ${who} got an unknown optimiser kind '${(spec as { kind: unknown }).kind}'`,
      );
  }
}
