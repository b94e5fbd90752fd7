/**
 * Interface specs: what sits on an edge between two modules (DESIGN.md, "The algorithms").
 * Pure data, so that a network serialises to graphology JSON and back.
 */
import type { OptimizerSpec, SyntheticModelSpec } from '../dni/spec.ts';

export type { OptimizerSpec, SyntheticModelSpec };

export interface DniSpec {
  kind: 'dni';
  model: SyntheticModelSpec;
  /** cDNI (paper §3.1): condition the synthetic-gradient model on the one-hot label. */
  context?: 'label';
  /** Multiplies the synthetic gradient before the sender uses it (the paper uses 0.1 for RNNs, §3.2). */
  scale: number;
  optimizer?: OptimizerSpec;
  /**
   * State loops only (a recurrent module's self-edge): how much of the injected δ̂_end reaches the
   * bootstrapped target at the window's start (γ, default 1), apart from `scale` (DESIGN.md item 8).
   */
  bootstrapGamma?: number;
  /** State loops only: DNI+Aux, a second head predicting the synthetic gradient at the window's end. */
  aux?: boolean;
  /** State loops only: what δ̂ covers, the whole state (h, c) (default) or h alone. */
  state?: 'hc' | 'h';
}

export interface SyntheticInputSpec {
  kind: 'syntheticInput';
  model: SyntheticModelSpec;
  optimizer?: OptimizerSpec;
}

/**
 * The stale-gradient baseline (paper §3.1, "Stale gradients"; DESIGN item 7): a per-example table on
 * the edge A→B, no model. For each example it keeps the gradient with respect to h_A computed at the
 * example's last visit (one epoch ago at most), exponentially averaged over visits:
 * table[i] ← decay · table[i] + (1 − decay) · δ_i (decay 0: plain stale gradients). Zero for an
 * example never seen.
 *
 * `target` says what δ_i is and how the sender uses the table:
 * - 'true' (the paper's baseline: "gradients computed w.r.t. the model E epochs ago"): δ_i is the
 *   true backprop gradient ∂L/∂h_A, computed with the whole model as it was at that visit. The
 *   network still runs a full, locked backward pass every step (true gradients flow down every such
 *   edge); A's *parameter update* uses the table's answer instead of the true gradient. Locked
 *   compute: a baseline for what staleness does to learning, not an unlocking method.
 * - 'bootstrapped': a non-parametric synthetic gradient. A gets the table's answer at once and both
 *   updates and backpropagates with it (update-unlocked); δ_i is what B sends back, computed from the
 *   answers B itself got, so the loss reaches one interface further down per epoch.
 */
export interface StaleGradientSpec {
  kind: 'staleGradient';
  /** Exponential-average decay in [0, 1); 0 keeps only the last visit's gradient. */
  decay: number;
  /** What the table stores and how the sender uses it (see above); 'true' unless said otherwise. */
  target: StaleGradientTarget;
}

export type StaleGradientTarget = 'true' | 'bootstrapped';
export const STALE_GRADIENT_TARGETS: readonly StaleGradientTarget[] = ['true', 'bootstrapped'];

export type InterfaceSpec =
  | { kind: 'backprop' }
  | { kind: 'stopGradient' }
  | DniSpec
  | StaleGradientSpec
  | SyntheticInputSpec
  /** Complete unlock (paper §3.1): synthetic gradient and synthetic input on the same edge. */
  | { kind: 'unlock'; gradient: DniSpec; input: SyntheticInputSpec };

export type InterfaceKind = InterfaceSpec['kind'];
export const INTERFACE_KINDS: readonly InterfaceKind[] = [
  'backprop',
  'stopGradient',
  'dni',
  'syntheticInput',
  'unlock',
  'staleGradient',
];

export const backprop = (): InterfaceSpec => ({ kind: 'backprop' });
export const stopGradient = (): InterfaceSpec => ({ kind: 'stopGradient' });

export function dni(
  options: {
    model?: SyntheticModelSpec;
    context?: 'label';
    scale?: number;
    optimizer?: OptimizerSpec;
    bootstrapGamma?: number;
    aux?: boolean;
    state?: 'hc' | 'h';
  } = {},
): DniSpec {
  return {
    kind: 'dni',
    model: options.model ?? 'linear',
    scale: options.scale ?? 1,
    ...(options.context ? { context: options.context } : {}),
    ...(options.optimizer ? { optimizer: options.optimizer } : {}),
    ...(options.bootstrapGamma !== undefined ? { bootstrapGamma: options.bootstrapGamma } : {}),
    ...(options.aux !== undefined ? { aux: options.aux } : {}),
    ...(options.state !== undefined ? { state: options.state } : {}),
  };
}

export function syntheticInput(
  options: { model?: SyntheticModelSpec; optimizer?: OptimizerSpec } = {},
): SyntheticInputSpec {
  return {
    kind: 'syntheticInput',
    model: options.model ?? 'linear',
    ...(options.optimizer ? { optimizer: options.optimizer } : {}),
  };
}

export function staleGradient(
  options: { decay?: number; target?: StaleGradientTarget } = {},
): StaleGradientSpec {
  return { kind: 'staleGradient', decay: options.decay ?? 0, target: options.target ?? 'true' };
}

export function unlock(
  gradient: DniSpec = dni(),
  input: SyntheticInputSpec = syntheticInput(),
): InterfaceSpec {
  return { kind: 'unlock', gradient, input };
}

/**
 * The paper's training methods for feed-forward experiments (§3.1, Table 1), and its stale-gradient
 * baseline (§3.1, "Stale gradients"; not a column of Table 1).
 */
export type Method = 'bprop' | 'nobprop' | 'dni' | 'cdni' | 'stale';
export const METHODS: readonly Method[] = ['bprop', 'nobprop', 'dni', 'cdni', 'stale'];

/**
 * The interface a method puts between two modules: backprop (locked), stopGradient (No Bprop), a
 * synthetic-gradient model without (DNI) or with (cDNI) the label as context, or the per-example
 * table of stale gradients (`decay` and `staleTarget` are used by 'stale' only; the model options by
 * dni and cdni only).
 */
export function methodInterface(
  method: string,
  options: {
    model?: SyntheticModelSpec;
    optimizer?: OptimizerSpec;
    scale?: number;
    decay?: number;
    staleTarget?: StaleGradientTarget;
  } = {},
): InterfaceSpec {
  switch (method) {
    case 'bprop':
      return backprop();
    case 'nobprop':
      return stopGradient();
    case 'dni':
      return dni({ model: options.model, optimizer: options.optimizer, scale: options.scale });
    case 'cdni':
      return dni({
        model: options.model,
        optimizer: options.optimizer,
        scale: options.scale,
        context: 'label',
      });
    case 'stale':
      return staleGradient({ decay: options.decay, target: options.staleTarget });
    default:
      throw new Error(`dniflow/graph: unknown method '${method}' (known: ${METHODS.join(', ')})`);
  }
}
