/** dniflow's public API: define networks, train them, read their metrics. */
export {
  type GraphDefinition,
  type ParamSpec,
  type ParamValues,
  type TrainingDefaults,
  defineGraph,
  resolveParams,
} from './graph/define.ts';
export {
  type DniSpec,
  type InterfaceSpec,
  type OptimizerSpec,
  type SyntheticInputSpec,
  type SyntheticModelSpec,
  backprop,
  dni,
  stopGradient,
  syntheticInput,
  unlock,
} from './graph/interfaces.ts';
export {
  type LayerSpec,
  avgPool2d,
  batchNorm,
  conv2d,
  flatten,
  linear,
  maxPool2d,
  relu,
  sigmoid,
  tanh,
} from './graph/layers.ts';
export { type EdgeSpec, type Network, type NodeSpec, network, NetworkBuilder } from './graph/network.ts';
export { type NetworkPlan, validateNetwork } from './graph/validate.ts';
