/**
 * The paper's MNIST FCN (Jaderberg et al. 2017, §3.1, Table 1): `layers` hidden layers of `hidden`
 * units, each Linear → BatchNorm → ReLU, then a linear classifier and softmax cross-entropy.
 * Every layer is its own module, so each interface between them is an edge of the graph, and
 * `method` picks what sits on those edges:
 *   bprop    locked interfaces, the true gradient (backprop);
 *   nobprop  the gradient stopped at every interface: only the classifier learns;
 *   dni      a synthetic-gradient model on every interface between layers (paper §2.1);
 *   cdni     the same, conditioned on the one-hot label (paper §3.1);
 *   stale    the paper's stale-gradient baseline (§3.1): each layer updates with the gradient of its
 *            output computed for the same example at its last visit, one epoch ago (zero in the
 *            first epoch), exponentially averaged over past visits with `decay`. With
 *            `staleTarget=true` (the default) that is the true backprop gradient of that visit; the
 *            network still runs a full, locked backward pass every step (locked compute: a baseline
 *            for staleness, not an unlocking method). With `staleTarget=bootstrapped` it is what the
 *            layer above sent back, itself computed from stale answers (update-unlocked).
 */
import {
  backprop,
  batchNorm,
  defineGraph,
  linear,
  METHODS,
  methodInterface,
  network,
  relu,
  STALE_GRADIENT_TARGETS,
  type StaleGradientTarget,
} from 'dniflow';

export default defineGraph({
  name: 'mnist-fcn',
  description: 'MNIST fully connected network, one module per layer (paper §3.1)',
  params: {
    layers: { type: 'int', default: 3, min: 3, max: 6, description: 'hidden layers (the paper used 3 to 6)' },
    hidden: { type: 'int', default: 256, min: 1, description: 'units per hidden layer' },
    method: { type: 'choice', default: 'bprop', choices: METHODS },
    sg: {
      type: 'choice',
      // Linear by default: about 10x cheaper on a CPU; mlp is the paper's FCN model.
      default: 'linear',
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
    sgLr: {
      type: 'number',
      default: 1e-4,
      min: 0,
      description: "synthetic-gradient models' Adam learning rate",
    },
  },
  training: { epochs: 3, batch: 128, lr: 1e-3, optimizer: 'adam', lrSchedule: (epoch) => 0.5 ** epoch },
  build({ layers, hidden, method, sg, sgLr, decay, staleTarget }) {
    const model = sg === 'linear' ? ('linear' as const) : { hidden: [1024, 1024], batchNorm: true };
    const optimizer = { kind: 'adam' as const, lr: Number(sgLr) };
    const between = () =>
      methodInterface(String(method), {
        model,
        optimizer,
        decay: Number(decay),
        staleTarget: staleTarget as StaleGradientTarget,
      });
    const net = network('mnist-fcn').source('mnist', { dataset: 'mnist', shape: [784], classes: 10 });
    const modules: string[] = [];
    for (let i = 1; i <= Number(layers); i++) {
      net.module(`layer${i}`, [linear(Number(hidden)), batchNorm(), relu()]);
      modules.push(`layer${i}`);
    }
    net.module('classifier', [linear(10)]).loss('loss', 'softmaxCrossEntropy');
    modules.push('classifier');
    net.connect('mnist', modules[0]);
    for (let i = 0; i + 1 < modules.length; i++) net.connect(modules[i], modules[i + 1], between());
    return net.connect('classifier', 'loss', backprop()).build();
  },
});
