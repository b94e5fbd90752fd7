import { describe, expect, it } from 'vitest';
import { validateNetwork } from '../../src/graph/validate.ts';
import { backprop, dni, linear, network, tanh } from '../../src/index.ts';
import { type EdgeTraffic, GraphEngine } from '../../src/runtime/graph-engine.ts';
import { Prng } from '../../src/tensor/prng.ts';
import { Tensor } from '../../src/tensor/tensor.ts';
import { numericGradient } from '../helpers/gradcheck.ts';

const BATCH = 4;

function dniChain() {
  const sg = { model: 'linear' as const, optimizer: { kind: 'sgd' as const, lr: 0.05 } };
  return network('dni-target')
    .source('data', { dataset: 'mnist', shape: [6], classes: 3 })
    .module('a', [linear(5), tanh()])
    .module('b', [linear(4), tanh()])
    .module('c', [linear(3)])
    .loss('loss', 'softmaxCrossEntropy')
    .connect('data', 'a')
    .connect('a', 'b', dni(sg))
    .connect('b', 'c', dni(sg))
    .connect('c', 'loss', backprop())
    .build();
}

function batch(prng: Prng) {
  return {
    inputs: new Tensor(prng.fillNormal(new Float32Array(BATCH * 6)), [BATCH, 6]),
    labels: Uint8Array.from({ length: BATCH }, () => prng.int(3)),
  };
}

/** Modules frozen (lr 0) so the downstream function is the same before and after the step. */
function engine() {
  const net = dniChain();
  return new GraphEngine(net, validateNetwork(net), new Prng(11), { kind: 'sgd', lr: 0 });
}

describe('a DNI edge regresses onto the bootstrapped target', () => {
  it('starts with zero synthetic gradients: the SG output layer is zero, weights and bias', () => {
    const run = engine();
    const seen: EdgeTraffic[] = [];
    run.traffic.subscribe((t) => seen.push(t));
    run.trainStep(0, batch(new Prng(1)).inputs, batch(new Prng(1)).labels);
    const synthetic = seen.filter(
      (t) => t.direction === 'backward' && t.stage === 'delivered' && t.kind === 'synthetic',
    );
    expect(synthetic.map((t) => t.edge).sort()).toEqual(['a->b', 'b->c']);
    for (const t of synthetic) expect(t.tensor.data.every((v) => v === 0)).toBe(true);
  });

  it('equals the finite-difference gradient of b with the synthetic gradient from c held fixed', () => {
    const run = engine();
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
      seen.find((t) => t.edge === edge && t.direction === direction && t.stage === stage)!.tensor;
    const hA = pick('a->b', 'forward', 'sent');
    const syntheticForB = pick('b->c', 'backward', 'delivered');
    const target = pick('a->b', 'backward', 'sent');
    expect(
      seen.find((t) => t.edge === 'a->b' && t.direction === 'backward' && t.stage === 'sent')!.kind,
    ).toBe('bootstrapped');
    expect(syntheticForB.data.some((v) => v !== 0)).toBe(true);

    // f(h_A) = <δ̂_B, f_B(h_A)>, δ̂_B held fixed: its gradient is the target δ_A (paper §2, bootstrapping).
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
    for (let i = 0; i < hA.size; i++) {
      const error =
        Math.abs(numeric[i] - target.data[i]) /
        Math.max(1e-3, Math.abs(numeric[i]) + Math.abs(target.data[i]));
      worst = Math.max(worst, error);
    }
    expect(worst).toBeLessThan(1e-2);
  });
});
