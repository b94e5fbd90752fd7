import { describe, expect, it } from 'vitest';
import { validateNetwork } from '../../src/graph/validate.ts';
import { backprop, linear, network } from '../../src/index.ts';
import { GraphEngine } from '../../src/runtime/graph-engine.ts';
import { WorkerEngine } from '../../src/runtime/workers/worker-engine.ts';
import { Prng } from '../../src/tensor/prng.ts';

const chain = () =>
  network('support')
    .source('data', { dataset: 'mnist', shape: [4], classes: 2, cluster: 'a' })
    .module('m', [linear(2)], { cluster: 'a' })
    .loss('loss', 'softmaxCrossEntropy')
    .chain(['data', 'm', 'loss'], () => backprop())
    .clock('a', 1);

describe('what the runtime cannot run yet is refused before any work, never ignored', () => {
  it('a cluster clock of period other than 1, naming the cluster', () => {
    const net = chain().clock('a', 4).build();
    expect(() => new GraphEngine(net, validateNetwork(net), new Prng(1), { kind: 'sgd', lr: 0.1 })).toThrow(
      "dniflow/runtime: cluster 'a' has a clock of period 4; clocks other than 1 are not supported yet",
    );
  });

  it('loading state into a running workers engine', async () => {
    const net = chain().build();
    const engine = await WorkerEngine.start(net, validateNetwork(net), new Prng(1), { kind: 'sgd', lr: 0.1 });
    try {
      expect(() => engine.loadState()).toThrow('loads state when it starts, not while running');
    } finally {
      await engine.dispose();
    }
  });
});
