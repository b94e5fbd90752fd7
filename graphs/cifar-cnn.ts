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
import { defineGraph } from 'dniflow';
import { buildCnn, CNN_PARAMS, cnnTraining } from './lib/cnn.ts';

export default defineGraph({
  name: 'cifar-cnn',
  description: 'CIFAR-10 convolutional network, one module per conv layer (paper §3.1)',
  params: CNN_PARAMS,
  training: cnnTraining(5),
  build: (params) => buildCnn('cifar-cnn', { id: 'cifar10', dataset: 'cifar10', shape: [3, 32, 32] }, params),
});
