/**
 * Interface specs: what sits on an edge between two modules (DESIGN.md, "The algorithms").
 * Pure data, so that a network serialises to graphology JSON and back.
 */
export type SyntheticModelSpec =
  | 'linear'
  | 'conv'
  | { hidden: readonly number[]; batchNorm?: boolean }
  | { convLayers: number; channels?: number; kernel?: number };

export interface OptimizerSpec {
  kind: 'adam' | 'sgd';
  lr: number;
  momentum?: number;
}

export interface DniSpec {
  kind: 'dni';
  model: SyntheticModelSpec;
  /** cDNI (paper §3.1): condition the synthetic-gradient model on the one-hot label. */
  context?: 'label';
  /** Multiplies the synthetic gradient before the sender uses it (the paper uses 0.1 for RNNs, §3.2). */
  scale: number;
  optimizer?: OptimizerSpec;
}

export interface SyntheticInputSpec {
  kind: 'syntheticInput';
  model: SyntheticModelSpec;
  optimizer?: OptimizerSpec;
}

export type InterfaceSpec =
  | { kind: 'backprop' }
  | { kind: 'stopGradient' }
  | DniSpec
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
];

export const backprop = (): InterfaceSpec => ({ kind: 'backprop' });
export const stopGradient = (): InterfaceSpec => ({ kind: 'stopGradient' });

export function dni(
  options: { model?: SyntheticModelSpec; context?: 'label'; scale?: number; optimizer?: OptimizerSpec } = {},
): DniSpec {
  return {
    kind: 'dni',
    model: options.model ?? 'linear',
    scale: options.scale ?? 1,
    ...(options.context ? { context: options.context } : {}),
    ...(options.optimizer ? { optimizer: options.optimizer } : {}),
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

export function unlock(
  gradient: DniSpec = dni(),
  input: SyntheticInputSpec = syntheticInput(),
): InterfaceSpec {
  return { kind: 'unlock', gradient, input };
}

/** The paper's training methods for feed-forward experiments (§3.1, Table 1). */
export type Method = 'bprop' | 'nobprop' | 'dni' | 'cdni';
export const METHODS: readonly Method[] = ['bprop', 'nobprop', 'dni', 'cdni'];

/**
 * The interface a method puts between two modules: backprop (locked), stopGradient (No Bprop), or a
 * synthetic-gradient model without (DNI) or with (cDNI) the label as context.
 */
export function methodInterface(
  method: string,
  options: { model?: SyntheticModelSpec; optimizer?: OptimizerSpec; scale?: number } = {},
): InterfaceSpec {
  switch (method) {
    case 'bprop':
      return backprop();
    case 'nobprop':
      return stopGradient();
    case 'dni':
      return dni(options);
    case 'cdni':
      return dni({ ...options, context: 'label' });
    default:
      throw new Error(`dniflow/graph: unknown method '${method}' (known: ${METHODS.join(', ')})`);
  }
}
