/**
 * Complete unlock (Jaderberg et al. 2017, §3.1, DESIGN item 5): the MNIST FCN with a synthetic input
 * *and* a synthetic gradient on every interface between layers. Layer i+1 trains at once on
 * ĥ_i = I_{i+1}(x), predicted from the network input x, instead of waiting for layer i's real h_i;
 * and layer i updates at once from δ̂_i = M_{i+1}(h_i). No layer waits for another, forward or
 * backward: every layer trains in parallel, and together they co-learn one function.
 *
 * Two test errors are reported each epoch: `test_error` runs the real forward path
 * (x → layer1 → … → classifier), `test_error_synthetic` the fully synthetic one, where the
 * classifier reads its synthetic input I(x) directly.
 *
 * The paper reports about 2% error after long training; the defaults here (linear synthetic inputs,
 * MLP synthetic gradients, see `README`-level notes in the report) are chosen to get below 5% in a
 * few epochs on a CPU.
 */
import {
  batchNorm,
  defineGraph,
  dni,
  linear,
  network,
  relu,
  type SyntheticModelSpec,
  syntheticInput,
  unlock,
} from 'dniflow';

const modelSpec = (choice: unknown): SyntheticModelSpec =>
  choice === 'mlp' ? { hidden: [1024, 1024], batchNorm: true } : 'linear';

export default defineGraph({
  name: 'mnist-complete-unlock',
  description: 'MNIST FCN with synthetic inputs and synthetic gradients on every interface (paper §3.1)',
  params: {
    layers: { type: 'int', default: 3, min: 1, max: 6, description: 'hidden layers (the paper used 3 to 6)' },
    hidden: { type: 'int', default: 256, min: 1, description: 'units per hidden layer' },
    sg: {
      type: 'choice',
      default: 'mlp',
      choices: ['linear', 'mlp'],
      description: 'synthetic-gradient model: linear, or 2 hidden layers of 1024 with BN and ReLU',
    },
    si: {
      type: 'choice',
      default: 'linear',
      choices: ['linear', 'mlp'],
      description: 'synthetic-input model I(x): linear, or 2 hidden layers of 1024 with BN and ReLU',
    },
    sgContext: {
      type: 'choice',
      default: 'none',
      choices: ['none', 'label'],
      description: 'label: condition the synthetic gradients on the one-hot label (cDNI)',
    },
    optimizer: {
      type: 'choice',
      default: 'adam',
      choices: ['adam', 'sgd'],
      description: "the layers' optimiser (sgd: momentum 0.9, lr 0.05)",
    },
    sgLr: { type: 'number', default: 1e-4, min: 0, description: "synthetic-gradient models' Adam lr" },
    siLr: { type: 'number', default: 1e-3, min: 0, description: "synthetic-input models' Adam lr" },
  },
  training: ({ optimizer }) =>
    optimizer === 'sgd'
      ? {
          epochs: 5,
          batch: 128,
          lr: 0.05,
          optimizer: 'sgd',
          momentum: 0.9,
          lrSchedule: (epoch) => 0.7 ** epoch,
        }
      : { epochs: 5, batch: 128, lr: 1e-3, optimizer: 'adam', lrSchedule: (epoch) => 0.7 ** epoch },
  build({ layers, hidden, sg, si, sgContext, sgLr, siLr }) {
    const between = () =>
      unlock(
        dni({
          model: modelSpec(sg),
          optimizer: { kind: 'adam', lr: Number(sgLr) },
          ...(sgContext === 'label' ? { context: 'label' as const } : {}),
        }),
        syntheticInput({ model: modelSpec(si), optimizer: { kind: 'adam', lr: Number(siLr) } }),
      );
    const net = network('mnist-complete-unlock').source('mnist', {
      dataset: 'mnist',
      shape: [784],
      classes: 10,
    });
    const modules: string[] = [];
    for (let i = 1; i <= Number(layers); i++) {
      net.module(`layer${i}`, [linear(Number(hidden)), batchNorm(), relu()]);
      modules.push(`layer${i}`);
    }
    net.module('classifier', [linear(10)]).loss('loss', 'softmaxCrossEntropy');
    modules.push('classifier');
    // The first layer reads x itself: there is nothing to unlock before it.
    net.connect('mnist', modules[0]);
    for (let i = 0; i + 1 < modules.length; i++) net.connect(modules[i], modules[i + 1], between());
    return net.connect('classifier', 'loss').build();
  },
});
