import { describe, expect, it } from 'vitest';
import mnistCompleteUnlock from '../../graphs/mnist-complete-unlock.ts';
import mnistSparse from '../../graphs/mnist-sparse.ts';
import { orderedBatches } from '../../src/data/batches.ts';
import { resolveParams } from '../../src/graph/define.ts';
import { validateNetwork } from '../../src/graph/validate.ts';
import { ManualClock } from '../../src/runtime/clock.ts';
import { loadSourceData } from '../../src/runtime/datasets.ts';
import { GraphEngine } from '../../src/runtime/graph-engine.ts';
import { runGraph } from '../../src/runtime/run.ts';
import { Prng } from '../../src/tensor/prng.ts';

const quick = { batch: 32, trainLimit: 2000, testLimit: 500, seed: 4, clock: new ManualClock() };

describe('graphs/mnist-sparse (paper §3.1, sparse updates)', () => {
  it('trains with pUpdate 0.5: each module updates on about half the steps, and the network learns', async () => {
    const result = await runGraph(mnistSparse, {
      ...quick,
      set: { pUpdate: '0.5', hidden: '64', sg: 'linear' },
      epochs: 2,
    });
    const steps = 2 * Math.ceil(2000 / 32);
    const last = result.history[1];
    expect(last.modules.map((m) => m.name)).toEqual(['layer1', 'layer2', 'layer3', 'layer4', 'classifier']);
    for (const { updates } of last.modules) {
      // Binomial(126, 0.5): mean 63, sd 5.6.
      expect(updates).toBeGreaterThan(0.3 * steps);
      expect(updates).toBeLessThan(0.7 * steps);
    }
    // Every module draws its own coins.
    expect(new Set(last.modules.map((m) => m.updates)).size).toBeGreaterThan(1);
    // Synthetic-gradient models learn only from the targets that arrive (fewer than the steps).
    for (const { count } of last.interfaces) expect(count).toBeLessThan(steps / 2);
    // 10 classes: chance is 90% error. DNI learns slowly at first (its synthetic gradients start at
    // zero), and here each module also skips half its updates: this only checks it learns at all.
    expect(last.test_error).toBeLessThan(75);
  });
});

describe('graphs/mnist-complete-unlock (paper §3.1, complete unlock)', () => {
  it('reports the real-path and the fully synthetic-path test errors, and both learn', async () => {
    const result = await runGraph(mnistCompleteUnlock, {
      ...quick,
      set: { hidden: '64', si: 'linear' },
      epochs: 2,
    });
    for (const epoch of result.history) expect(epoch.test_error_synthetic).toBeTypeOf('number');
    const last = result.history[1];
    // Far below chance (90%) on both paths; long runs go much lower (see the graph file).
    expect(last.test_error).toBeLessThan(75);
    expect(last.test_error_synthetic!).toBeLessThan(75);
    // Both synthetic models regress on every interface between layers, once per step.
    const kinds = last.interfaces.map((i) => `${i.edge} ${i.kind}`).sort();
    expect(kinds).toEqual(
      ['layer1->layer2', 'layer2->layer3', 'layer3->classifier'].flatMap((edge) => [
        `${edge} cdni`,
        `${edge} syntheticInput`,
      ]),
    );
    for (const { count } of last.interfaces) expect(count).toBe(Math.ceil(2000 / 32));
  });

  it('evaluates two different paths: real layers, or the classifier on its synthetic input I(x)', () => {
    const network = mnistCompleteUnlock.build(
      resolveParams(mnistCompleteUnlock, { hidden: '32', si: 'linear' }),
    );
    const engine = new GraphEngine(network, validateNetwork(network), new Prng(1), {
      kind: 'adam',
      lr: 1e-3,
    });
    const { train } = loadSourceData('mnist', { train: 10 * 32, test: 1 });
    for (const batch of orderedBatches(train, 32))
      engine.trainStep(batch.index, batch.inputs.reshape([32, 784]), batch.labels);
    const inputs = orderedBatches(train, 32).next().value!.inputs.reshape([32, 784]);
    const real = Float32Array.from(engine.predict(inputs, 'real').data);
    const synthetic = engine.predict(inputs, 'synthetic');
    expect(synthetic.shape).toEqual([32, 10]);
    expect(Array.from(synthetic.data)).not.toEqual(Array.from(real));
    // The synthetic path reads only x: the layers before the classifier do not matter to it.
    engine.moduleLayers('layer1').parameters()[0].value.data.fill(0);
    expect(Array.from(engine.predict(inputs, 'synthetic').data)).toEqual(Array.from(synthetic.data));
    expect(Array.from(engine.predict(inputs, 'real').data)).not.toEqual(Array.from(real));
    engine.dispose();
  });
});
