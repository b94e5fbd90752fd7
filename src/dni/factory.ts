import type { Prng } from '../tensor/prng.ts';
import { type Shape, sameShape } from '../tensor/tensor.ts';
import type { OptimizerSpec, SyntheticModelSpec } from './spec.ts';
import { SyntheticGradientModel } from './synthetic-gradient.ts';
import { SyntheticInputModel } from './synthetic-input.ts';

export interface SyntheticModelFactoryOptions {
  /** 'gradient' (default): M_B(h_A, c) ≈ δ_A. 'input': I_B(x) ≈ h_A. */
  role?: 'gradient' | 'input';
  /** Per-sample input shape: h_A for a gradient model, x for an input model. */
  inputShape: Shape;
  /** Per-sample output shape: h_A's shape for both roles. */
  outputShape: Shape;
  /** cDNI label context (gradient models only). */
  context?: { classes: number };
  prng: Prng;
  optimizer?: OptimizerSpec;
  name?: string;
  maxPending?: number;
}

/** Builds the model an interface spec names (the graph's SyntheticModelSpec, passed as plain data). */
export function createSyntheticModel(
  spec: SyntheticModelSpec,
  options: SyntheticModelFactoryOptions,
): SyntheticGradientModel | SyntheticInputModel {
  const role = options.role ?? 'gradient';
  if (role === 'input') {
    if (options.context !== undefined) {
      throw new Error(
        'dniflow/dni: a synthetic-input model takes no label context (paper §3.1 conditions only synthetic gradients)',
      );
    }
    return new SyntheticInputModel({
      spec,
      inputShape: options.inputShape,
      outputShape: options.outputShape,
      prng: options.prng,
      optimizer: options.optimizer,
      name: options.name,
      maxPending: options.maxPending,
    });
  }
  if (role !== 'gradient') throw new Error(`dniflow/dni: unknown synthetic model role '${role as string}'`);
  if (!sameShape(options.inputShape, options.outputShape)) {
    throw new Error(
      `dniflow/dni: a synthetic-gradient model maps h_A to δ̂_A of the same shape, got [${options.inputShape.join(', ')}] → [${options.outputShape.join(', ')}]`,
    );
  }
  return new SyntheticGradientModel({
    spec,
    shape: options.inputShape,
    context: options.context,
    prng: options.prng,
    optimizer: options.optimizer,
    name: options.name,
    maxPending: options.maxPending,
  });
}
