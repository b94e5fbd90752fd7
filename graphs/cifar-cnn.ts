/**
 * The paper's CIFAR-10 CNNs (Jaderberg et al. 2017, §3.1, Table 1: 3 and 4 layers), built as
 * graphs/mnist-cnn.ts on [3, 32, 32] colour images (standardised per channel). Every conv layer is
 * its own module, Conv 5×5 ("same" padding) → BatchNorm → ReLU with `channels` (64) filters; the
 * first two also max-pool (3×3, stride 3: 32 → 10 → 3). A last module classifies (flatten → linear
 * 10). `method` picks what sits on every interface between two modules:
 *   bprop    locked interfaces, the true gradient (backprop);
 *   nobprop  the gradient stopped at every interface: only the classifier learns;
 *   dni      a conv synthetic-gradient model on every interface (paper §2.1, §3.1);
 *   cdni     the same, conditioned on the label as one-hot channel masks (paper §3.1).
 * The choices the paper's summary leaves open (pooling, the size of the synthetic-gradient models)
 * are those of graphs/mnist-cnn.ts, and explained there.
 *
 * Data: CIFAR-10 cannot be downloaded here. Unpack the binary version (cifar-10-binary.tar.gz) and
 * point DNIFLOW_CIFAR10_DIR at it:
 *   DNIFLOW_CIFAR10_DIR=/data/cifar-10-batches-bin npx dniflow train graphs/cifar-cnn.ts --set method=cdni
 */
import {
  backprop,
  batchNorm,
  conv2d,
  defineGraph,
  flatten,
  type LayerSpec,
  linear,
  METHODS,
  maxPool2d,
  methodInterface,
  network,
  relu,
} from 'dniflow';

export default defineGraph({
  name: 'cifar-cnn',
  description: 'CIFAR-10 convolutional network, one module per conv layer (paper §3.1)',
  params: {
    layers: { type: 'int', default: 3, min: 3, max: 4, description: 'conv layers (the paper used 3 and 4)' },
    channels: { type: 'int', default: 64, min: 1, description: 'filters per conv layer' },
    method: { type: 'choice', default: 'bprop', choices: METHODS },
    sgLayers: {
      type: 'int',
      default: 2,
      min: 1,
      description: 'conv layers of each synthetic-gradient model, output layer included (1: a linear conv)',
    },
    sgChannels: { type: 'int', default: 32, min: 1, description: 'channels of its hidden conv layers' },
    sgKernel: { type: 'int', default: 3, min: 1, description: 'its (odd) kernel size' },
    sgLr: {
      type: 'number',
      default: 1e-4,
      min: 0,
      description: "synthetic-gradient models' Adam learning rate",
    },
  },
  training: { epochs: 5, batch: 128, lr: 1e-3, optimizer: 'adam', lrSchedule: (epoch) => 0.7 ** epoch },
  build({ layers, channels, method, sgLayers, sgChannels, sgKernel, sgLr }) {
    const model = { convLayers: Number(sgLayers), channels: Number(sgChannels), kernel: Number(sgKernel) };
    const optimizer = { kind: 'adam' as const, lr: Number(sgLr) };
    const between = () => methodInterface(String(method), { model, optimizer });
    const net = network('cifar-cnn').source('cifar10', {
      dataset: 'cifar10',
      shape: [3, 32, 32],
      classes: 10,
    });
    const modules: string[] = [];
    for (let i = 1; i <= Number(layers); i++) {
      const convLayer: LayerSpec[] = [conv2d(Number(channels), 5, { padding: 'same' }), batchNorm(), relu()];
      if (i <= 2) convLayer.push(maxPool2d(3));
      net.module(`conv${i}`, convLayer);
      modules.push(`conv${i}`);
    }
    net.module('classifier', [flatten(), linear(10)]).loss('loss', 'softmaxCrossEntropy');
    modules.push('classifier');
    net.connect('cifar10', modules[0]);
    for (let i = 0; i + 1 < modules.length; i++) net.connect(modules[i], modules[i + 1], between());
    return net.connect('classifier', 'loss', backprop()).build();
  },
});
