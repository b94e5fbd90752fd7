import { describe, expect, it } from 'vitest';
import { validateNetwork } from '../../src/graph/validate.ts';
import {
  backprop,
  batchNorm,
  conv2d,
  dni,
  flatten,
  linear,
  maxPool2d,
  network,
  relu,
} from '../../src/index.ts';
import { type EdgeTraffic, GraphEngine } from '../../src/runtime/graph-engine.ts';
import { Prng } from '../../src/tensor/prng.ts';
import { Tensor } from '../../src/tensor/tensor.ts';
import { numericGradient } from '../helpers/gradcheck.ts';

/**
 * The conv counterpart of test/runtime/dni-target.test.ts (issue 4: conv DNI on the MNIST CNN): on
 * NCHW activations, through BatchNorm, ReLU and max pooling, with conv synthetic-gradient models and
 * cDNI channel masks, the target a DNI edge regresses onto is the gradient of the receiver's
 * computation with the receiver's own synthetic gradient held fixed (paper §2, bootstrapping).
 */
const BATCH = 4;
const CLASSES = 3;

function convChain() {
  const sg = {
    model: { convLayers: 2, channels: 5, kernel: 3 },
    context: 'label' as const,
    optimizer: { kind: 'sgd' as const, lr: 0.05 },
  };
  return network('conv-dni-target')
    .source('data', { dataset: 'mnist', shape: [1, 6, 6], classes: CLASSES })
    .module('a', [conv2d(3, 3, { padding: 'same' }), batchNorm(), relu()])
    .module('b', [conv2d(4, 3, { padding: 'same' }), batchNorm(), relu(), maxPool2d(2)])
    .module('c', [flatten(), linear(CLASSES)])
    .loss('loss', 'softmaxCrossEntropy')
    .connect('data', 'a')
    .connect('a', 'b', dni(sg))
    .connect('b', 'c', dni(sg))
    .connect('c', 'loss', backprop())
    .build();
}

function batch(prng: Prng) {
  return {
    inputs: new Tensor(prng.fillNormal(new Float32Array(BATCH * 36)), [BATCH, 1, 6, 6]),
    labels: Uint8Array.from({ length: BATCH }, () => prng.int(CLASSES)),
  };
}

describe('a conv cDNI edge regresses onto the bootstrapped target', () => {
  it('equals the finite-difference gradient of the receiver with its synthetic gradient held fixed', () => {
    const net = convChain();
    // Modules frozen (lr 0) so the receiver's function is the same before and after the step.
    const run = new GraphEngine(net, validateNetwork(net), new Prng(11), { kind: 'sgd', lr: 0 });
    const prng = new Prng(3);
    // Let the SG on b->c learn from the loss so that it predicts something non-zero.
    for (let step = 0; step < 5; step++) {
      const { inputs, labels } = batch(prng);
      run.trainStep(step, inputs, labels);
    }
    const seen: EdgeTraffic[] = [];
    run.traffic.subscribe((t) => seen.push(t));
    const { inputs, labels } = batch(prng);
    run.trainStep(5, inputs, labels);
    const pick = (edge: string, direction: string, stage: string) =>
      seen.find((t) => t.edge === edge && t.direction === direction && t.stage === stage)!;
    const hA = pick('a->b', 'forward', 'sent').tensor;
    const syntheticForB = pick('b->c', 'backward', 'delivered').tensor;
    const target = pick('a->b', 'backward', 'sent');
    expect(target.kind).toBe('bootstrapped');
    expect(hA.shape).toEqual([BATCH, 3, 6, 6]);
    expect(syntheticForB.shape).toEqual([BATCH, 4, 3, 3]);
    expect(target.tensor.shape).toEqual(hA.shape);
    expect(syntheticForB.data.some((v) => v !== 0)).toBe(true);

    // f(h_A) = <δ̂_B, f_B(h_A)> with δ̂_B fixed; BN in training mode, as in the step.
    const b = run.moduleLayers('b');
    const h = hA.data.slice();
    const objective = () => {
      const out = b.forward(new Tensor(h, hA.shape), true).data;
      let sum = 0;
      for (let i = 0; i < out.length; i++) sum += out[i] * syntheticForB.data[i];
      return sum;
    };
    const numeric = numericGradient(h, objective, 1e-2);
    let worst = 0;
    let largest = 0;
    for (let i = 0; i < hA.size; i++) {
      largest = Math.max(largest, Math.abs(numeric[i]));
      worst = Math.max(worst, Math.abs(numeric[i] - target.tensor.data[i]));
    }
    expect(largest).toBeGreaterThan(0);
    // Absolute error against the largest entry: a ReLU or max-pool kink inside ±eps moves one entry a little.
    expect(worst / largest).toBeLessThan(2e-2);
  });
});
