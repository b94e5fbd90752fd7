import { describe, expect, it } from 'vitest';
import mnistCnn from '../../graphs/mnist-cnn.ts';
import { orderedBatches } from '../../src/data/batches.ts';
import { resolveParams } from '../../src/graph/define.ts';
import { validateNetwork } from '../../src/graph/validate.ts';
import { ManualClock } from '../../src/runtime/clock.ts';
import { loadSourceData } from '../../src/runtime/datasets.ts';
import { type EdgeTraffic, GraphEngine } from '../../src/runtime/graph-engine.ts';
import { runGraph } from '../../src/runtime/run.ts';
import { Prng } from '../../src/tensor/prng.ts';
import type { Tensor } from '../../src/tensor/tensor.ts';

/** Narrow enough to run in seconds: the structure is the paper's, the widths are not. */
const SMALL = { channels: '8', sgChannels: '8' };
const BATCH = 32;

function engineFor(method: 'dni' | 'cdni', seed = 5) {
  const network = mnistCnn.build(resolveParams(mnistCnn, { ...SMALL, method }));
  return new GraphEngine(network, validateNetwork(network), new Prng(seed), { kind: 'adam', lr: 1e-3 });
}

/** The first `steps` real MNIST batches, as [B, 1, 28, 28] (copied: the batcher reuses its buffers). */
function mnistBatches(steps: number): { inputs: Tensor; labels: Uint8Array }[] {
  const { train } = loadSourceData('mnist', { train: steps * BATCH, test: 1 });
  return [...orderedBatches(train, BATCH)].map((batch) => ({
    inputs: batch.inputs.reshape([batch.size, 1, 28, 28]).clone(),
    labels: Uint8Array.from(batch.labels),
  }));
}

describe('graphs/mnist-cnn on real MNIST', () => {
  it.each(['dni', 'cdni'] as const)('trains 30 steps with %s: every module updates every step', (method) => {
    const engine = engineFor(method);
    const losses: number[] = [];
    mnistBatches(30).forEach(({ inputs, labels }, step) => {
      const report = engine.trainStep(step, inputs, labels);
      expect(report.nonFinite).toBeUndefined();
      losses.push(report.loss);
      // One regression per interface between modules, each on a synthetic gradient.
      expect(report.interfaces?.map((m) => m.kind)).toEqual([method, method, method]);
    });
    expect(engine.modules()).toEqual(
      ['conv1', 'conv2', 'conv3', 'classifier'].map((name) => ({ name, updates: 30 })),
    );
    expect(losses.every(Number.isFinite)).toBe(true);
    engine.dispose();
  });

  it('gives each conv synthetic-gradient model the activation plus one mask channel per class (cDNI)', () => {
    for (const [method, extra] of [
      ['dni', 0],
      ['cdni', 10],
    ] as const) {
      const state = engineFor(method).state();
      for (const edge of ['conv1->conv2', 'conv2->conv3', 'conv3->classifier']) {
        // [out channels, in channels, kernel, kernel] of the model's first convolution.
        expect(state[`${edge}/gradient/${edge}.conv1.weight`].shape).toEqual([8, 8 + extra, 3, 3]);
      }
    }
  });

  it('conditions the conv synthetic gradient on the label with cDNI, and only then', () => {
    // Two identical engines see the same steps; at the last step only the labels differ. The
    // synthetic gradient conv1 receives is computed before anything learns from those labels, so it
    // differs only if the model reads them as context.
    const batches = mnistBatches(13);
    const last = batches.pop()!;
    const shifted = last.labels.map((label) => (label + 1) % 10);
    const syntheticForConv1 = (method: 'dni' | 'cdni', labels: Uint8Array): Float32Array => {
      const engine = engineFor(method);
      batches.forEach(({ inputs, labels: l }, step) => {
        engine.trainStep(step, inputs, l);
      });
      let seen: Float32Array | undefined;
      const subscription = engine.traffic.subscribe((t: EdgeTraffic) => {
        if (t.edge === 'conv1->conv2' && t.stage === 'delivered' && t.kind === 'synthetic') {
          expect(t.tensor.shape).toEqual([BATCH, 8, 9, 9]);
          seen = Float32Array.from(t.tensor.data);
        }
      });
      engine.trainStep(batches.length, last.inputs, labels);
      subscription.unsubscribe();
      engine.dispose();
      return seen!;
    };
    const conditioned = syntheticForConv1('cdni', last.labels);
    expect(conditioned.some((v) => v !== 0)).toBe(true);
    expect(syntheticForConv1('cdni', shifted)).not.toEqual(conditioned);
    expect(syntheticForConv1('dni', shifted)).toEqual(syntheticForConv1('dni', last.labels));
  });

  it('learns with backprop through runGraph: test error far below chance (90%) after 2000 examples', async () => {
    const result = await runGraph(mnistCnn, {
      set: SMALL,
      epochs: 1,
      batch: BATCH,
      lr: 3e-3,
      trainLimit: 2000,
      testLimit: 500,
      seed: 2,
      clock: new ManualClock(),
    });
    expect(result.history[0].test_error).toBeLessThan(30);
  });
});
