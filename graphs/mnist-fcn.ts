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
import { defineGraph } from 'dniflow';
import { buildFcn, fcnParams } from './lib/fcn.ts';

export default defineGraph({
  name: 'mnist-fcn',
  description: 'MNIST fully connected network, one module per layer (paper §3.1)',
  // Linear SG models by default: about 10x cheaper on a CPU; sg=mlp is the paper's FCN model.
  params: fcnParams('linear'),
  training: { epochs: 3, batch: 128, lr: 1e-3, optimizer: 'adam', lrSchedule: (epoch) => 0.5 ** epoch },
  build: (params) => buildFcn('mnist-fcn', { id: 'mnist', dataset: 'mnist', width: 784 }, params),
});
