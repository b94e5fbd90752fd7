/**
 * The paper's CIFAR-10 FCN (Jaderberg et al. 2017, §3.1, Table 1): as graphs/mnist-fcn.ts, on the
 * 3072 pixels of a 32×32 colour image (standardised per channel). `layers` hidden layers of `hidden`
 * units, each Linear → BatchNorm → ReLU and each its own module, then a linear classifier; `method`
 * picks what sits on every interface between modules:
 *   bprop    locked interfaces, the true gradient (backprop);
 *   nobprop  the gradient stopped at every interface: only the classifier learns;
 *   dni      a synthetic-gradient model on every interface between layers (paper §2.1);
 *   cdni     the same, conditioned on the one-hot label (paper §3.1).
 *
 * Data: CIFAR-10 cannot be downloaded here. Unpack the binary version (cifar-10-binary.tar.gz) and
 * point DNIFLOW_CIFAR10_DIR at it:
 *   DNIFLOW_CIFAR10_DIR=/data/cifar-10-batches-bin npx dniflow train graphs/cifar-fcn.ts --set method=dni
 */
import { defineGraph } from 'dniflow';
import { buildFcn, fcnParams } from './lib/fcn.ts';

export default defineGraph({
  name: 'cifar-fcn',
  description: 'CIFAR-10 fully connected network, one module per layer (paper §3.1)',
  params: fcnParams('mlp'),
  training: { epochs: 5, batch: 128, lr: 1e-3, optimizer: 'adam', lrSchedule: (epoch) => 0.7 ** epoch },
  build: (params) => buildFcn('cifar-fcn', { id: 'cifar10', dataset: 'cifar10', width: 3072 }, params),
});
