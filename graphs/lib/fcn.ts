/**
 * The paper's fully connected networks (Jaderberg et al. 2017, §3.1, Table 1), shared by
 * graphs/mnist-fcn.ts and graphs/cifar-fcn.ts: `layers` hidden modules of Linear → BN → ReLU, a
 * linear classifier, and on every interface between two modules what `method` picks (bprop, nobprop,
 * dni, cdni, stale). The classifier → loss edge is always backprop.
 */
import {
  backprop,
  batchNorm,
  type InterfaceSpec,
  linear,
  METHODS,
  methodInterface,
  type Network,
  network,
  type ParamSpec,
  type ParamValues,
  relu,
  STALE_GRADIENT_TARGETS,
  type StaleGradientTarget,
  type SyntheticModelSpec,
} from 'dniflow';

/** The data source of the network: its node id, dataset and per-example shape. */
export interface FcnSource {
  id: string;
  dataset: 'mnist' | 'cifar10';
  width: number;
}

/** The graph parameters, with the synthetic-gradient model's default (linear or the paper's 2×1024). */
export function fcnParams(defaultSg: 'linear' | 'mlp'): Record<string, ParamSpec> {
  return {
    layers: { type: 'int', default: 3, min: 3, max: 6, description: 'hidden layers (the paper used 3 to 6)' },
    hidden: { type: 'int', default: 256, min: 1, description: 'units per hidden layer' },
    method: { type: 'choice', default: 'bprop', choices: METHODS },
    sg: {
      type: 'choice',
      default: defaultSg,
      choices: ['linear', 'mlp'],
      description:
        'synthetic-gradient model: linear, or 2 hidden layers of 1024 with BN and ReLU (the paper)',
    },
    decay: {
      type: 'number',
      default: 0,
      min: 0,
      max: 0.999,
      description:
        'method=stale: exponential-average decay of each example’s past gradients (0: the last visit’s)',
    },
    staleTarget: {
      type: 'choice',
      default: 'true',
      choices: STALE_GRADIENT_TARGETS,
      description:
        'method=stale: true (the true gradient of the last visit, locked compute) or bootstrapped (what the layer above sent back)',
    },
    sgTop: {
      type: 'choice',
      default: 'same',
      choices: ['same', 'linear', 'mlp'],
      description:
        'the synthetic-gradient model on the last edge (into the classifier): same (as sg), linear or mlp; a label-free linear model there predicts zero once the classifier has fitted (see graphs/mnist-fcn.ts)',
    },
    sgLr: {
      type: 'number',
      default: 1e-4,
      min: 0,
      description: "synthetic-gradient models' Adam learning rate",
    },
  };
}

/** The synthetic-gradient model an `sg` parameter names: linear, or the paper's 2×1024 with BN and ReLU. */
export function sgModel(sg: ParamValues[string]): SyntheticModelSpec {
  return sg === 'linear' ? 'linear' : { hidden: [1024, 1024], batchNorm: true };
}

export interface FcnShape {
  layers: number;
  hidden: number;
  /**
   * The interface on every edge between two modules (the source and loss edges are backprop);
   * `edge` counts them from 1 (source module → layer2) to `layers` (the last layer → classifier).
   */
  between: (edge: number) => InterfaceSpec;
  /** Applied to every module, the classifier included (e.g. pUpdate). */
  moduleOptions?: { pUpdate?: number };
}

/** Source → `layers` × [Linear → BN → ReLU] → linear classifier → softmax cross-entropy. */
export function fcnNetwork(name: string, source: FcnSource, shape: FcnShape): Network {
  const net = network(name).source(source.id, {
    dataset: source.dataset,
    shape: [source.width],
    classes: 10,
  });
  const modules: string[] = [];
  for (let i = 1; i <= shape.layers; i++) {
    net.module(`layer${i}`, [linear(shape.hidden), batchNorm(), relu()], shape.moduleOptions);
    modules.push(`layer${i}`);
  }
  net.module('classifier', [linear(10)], shape.moduleOptions).loss('loss', 'softmaxCrossEntropy');
  modules.push('classifier');
  const last = modules.length;
  return net
    .chain([source.id, ...modules, 'loss'], (i) => (i === 0 || i === last ? backprop() : shape.between(i)))
    .build();
}

export function buildFcn(name: string, source: FcnSource, params: ParamValues): Network {
  const { layers, hidden, method, sg, sgTop, sgLr, decay, staleTarget } = params;
  const optimizer = { kind: 'adam' as const, lr: Number(sgLr) };
  const between = (edge: number) =>
    methodInterface(String(method), {
      model: sgModel(edge === Number(layers) && sgTop !== undefined && sgTop !== 'same' ? sgTop : sg),
      optimizer,
      decay: Number(decay),
      staleTarget: staleTarget as StaleGradientTarget,
    });
  return fcnNetwork(name, source, { layers: Number(layers), hidden: Number(hidden), between });
}
