/**
 * The model and optimiser specs an interface names (structurally equal to src/graph's
 * `SyntheticModelSpec` and `OptimizerSpec`; src/dni cannot import src/graph, so the graph's values are
 * passed here as plain data).
 */
export type SyntheticModelSpec =
  | 'linear'
  | 'conv'
  | { hidden: readonly number[]; batchNorm?: boolean }
  | { convLayers: number; channels?: number; kernel?: number };

import type { OptimizerSpec } from '../nn/optim/create.ts';

export type { OptimizerSpec };

/** Adam at 1e-4: the default for a synthetic model's own optimiser (any spec overrides it). */
export const DEFAULT_SYNTHETIC_OPTIMIZER: OptimizerSpec = { kind: 'adam', lr: 1e-4 };

/**
 * What `'conv'` means: 2 hidden "same" convolutions of 128 channels with 5×5 kernels (BN + ReLU
 * after each), then the output convolution — resolution preserving and without pooling, after the
 * paper's CNN synthetic-gradient models (§3.1). The 5×5 kernel follows the paper; the depth and the
 * 128 channels are our reading of its appendix, not checked against the text here.
 */
export const DEFAULT_CONV_MODEL = { convLayers: 3, channels: 128, kernel: 5 } as const;
