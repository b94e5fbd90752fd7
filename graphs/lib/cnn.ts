/**
 * The paper's convolutional networks (Jaderberg et al. 2017, §3.1, Table 1: 3 and 4 layers), shared
 * by graphs/mnist-cnn.ts and graphs/cifar-cnn.ts (whose headers explain the choices): every conv layer
 * its own module, Conv 5×5 ("same" padding) → BatchNorm → ReLU, the first two also max-pooling 3×3
 * with stride 3; a classifier module (flatten → linear 10); on every interface between two modules
 * what `method` picks, with conv synthetic-gradient models for dni/cdni.
 */
import {
  backprop,
  batchNorm,
  conv2d,
  flatten,
  type LayerSpec,
  linear,
  METHODS,
  maxPool2d,
  methodInterface,
  type Network,
  network,
  type ParamSpec,
  type ParamValues,
  relu,
  type TrainingDefaults,
} from 'dniflow';
import { COSINE_OVER_THE_RUN } from './recipe.ts';

/** The data source of the network: its node id, dataset and per-example [C, H, W]. */
export interface CnnSource {
  id: string;
  dataset: 'mnist' | 'cifar10';
  shape: [number, number, number];
}

export const CNN_PARAMS: Record<string, ParamSpec> = {
  layers: { type: 'int', default: 3, min: 3, max: 4, description: 'conv layers (the paper used 3 and 4)' },
  channels: { type: 'int', default: 64, min: 1, description: 'filters per conv layer (the paper: 64)' },
  method: { type: 'choice', default: 'bprop', choices: METHODS },
  sgLayers: {
    type: 'int',
    default: 2,
    min: 1,
    description: 'conv layers of each synthetic-gradient model, output layer included (1: a linear conv)',
  },
  sgChannels: { type: 'int', default: 32, min: 1, description: 'channels of its hidden conv layers' },
  sgKernel: { type: 'int', default: 3, min: 1, description: 'its (odd) kernel size' },
  sgOptimizer: {
    type: 'choice',
    default: 'adam',
    choices: ['adam', 'sgd'],
    description: "synthetic-gradient models' optimiser (sgd: with momentum sgMomentum)",
  },
  sgLr: {
    type: 'number',
    default: 1e-4,
    min: 0,
    description: "synthetic-gradient models' learning rate",
  },
  sgMomentum: { type: 'number', default: 0.9, min: 0, max: 1, description: 'their SGD momentum' },
  sgScale: {
    type: 'number',
    default: 1,
    description: 'multiplies each synthetic gradient before the sender uses it (0: DNI machinery, no update)',
  },
  optimizer: {
    type: 'choice',
    default: 'adam',
    choices: ['adam', 'sgd'],
    description: "the modules' optimiser (sgd: with momentum 0.9; set its rate with --lr)",
  },
};

/**
 * Adam 3e-4 (or SGD 1e-3 with momentum 0.9 when `optimizer=sgd`), a cosine over the run (recipe.ts).
 * Adam at 1e-3 let conv DNI and cDNI fall behind No Bprop; at 3e-4 the paper's ordering holds
 * (docs/RESULTS.md, "The feed-forward table").
 */
export function cnnTraining(epochs: number): (params: ParamValues) => TrainingDefaults {
  return ({ optimizer }) => ({
    epochs,
    batch: 128,
    lr: optimizer === 'sgd' ? 1e-3 : 3e-4,
    optimizer: optimizer === 'sgd' ? 'sgd' : 'adam',
    momentum: 0.9,
    lrScheduleSteps: COSINE_OVER_THE_RUN,
  });
}

export function buildCnn(name: string, source: CnnSource, params: ParamValues): Network {
  const { layers, channels, method, sgLayers, sgChannels, sgKernel, sgOptimizer, sgLr, sgMomentum, sgScale } =
    params;
  const model = { convLayers: Number(sgLayers), channels: Number(sgChannels), kernel: Number(sgKernel) };
  const optimizer =
    sgOptimizer === 'sgd'
      ? { kind: 'sgd' as const, lr: Number(sgLr), momentum: Number(sgMomentum) }
      : { kind: 'adam' as const, lr: Number(sgLr) };
  const between = () => methodInterface(String(method), { model, optimizer, scale: Number(sgScale) });
  const net = network(name).source(source.id, { dataset: source.dataset, shape: source.shape, classes: 10 });
  const modules: string[] = [];
  for (let i = 1; i <= Number(layers); i++) {
    const convLayer: LayerSpec[] = [conv2d(Number(channels), 5, { padding: 'same' }), batchNorm(), relu()];
    if (i <= 2) convLayer.push(maxPool2d(3));
    net.module(`conv${i}`, convLayer);
    modules.push(`conv${i}`);
  }
  net.module('classifier', [flatten(), linear(10)]).loss('loss', 'softmaxCrossEntropy');
  modules.push('classifier');
  net.connect(source.id, modules[0]);
  for (let i = 0; i + 1 < modules.length; i++) net.connect(modules[i], modules[i + 1], between());
  return net.connect('classifier', 'loss', backprop()).build();
}
