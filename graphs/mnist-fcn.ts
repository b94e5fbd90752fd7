/**
 * The paper's MNIST FCN (Jaderberg et al. 2017, §3.1, Table 1): `layers` hidden layers of `hidden`
 * units, each Linear → BatchNorm → ReLU, then a linear classifier and softmax cross-entropy.
 * Every layer is its own module, so each interface between them is an edge of the graph.
 */
import { backprop, batchNorm, defineGraph, linear, network, relu } from 'dniflow';

export default defineGraph({
  name: 'mnist-fcn',
  description: 'MNIST fully connected network, one module per hidden layer (paper §3.1)',
  params: {
    layers: { type: 'int', default: 3, min: 3, max: 6, description: 'hidden layers (the paper used 3 to 6)' },
    hidden: { type: 'int', default: 256, min: 1, description: 'units per hidden layer' },
  },
  training: { epochs: 3, batch: 128, lr: 1e-3, optimizer: 'adam', lrSchedule: (epoch) => 0.5 ** epoch },
  build({ layers, hidden }) {
    const net = network('mnist-fcn').source('mnist', { dataset: 'mnist', shape: [784], classes: 10 });
    const names = ['mnist'];
    for (let i = 1; i <= Number(layers); i++) {
      net.module(`layer${i}`, [linear(Number(hidden)), batchNorm(), relu()]);
      names.push(`layer${i}`);
    }
    net.module('classifier', [linear(10)]).loss('loss', 'softmaxCrossEntropy');
    names.push('classifier', 'loss');
    return net.chain(names, () => backprop()).build();
  },
});
