import { describe, expect, it } from 'vitest';
import { validateNetwork } from '../../src/graph/validate.ts';
import { backprop, batchNorm, linear, network, relu } from '../../src/index.ts';
import { BackpropEngine } from '../../src/runtime/backprop-engine.ts';
import { GraphEngine } from '../../src/runtime/graph-engine.ts';
import { Prng } from '../../src/tensor/prng.ts';
import { Tensor } from '../../src/tensor/tensor.ts';

function chain() {
  return network('equivalence')
    .source('data', { dataset: 'mnist', shape: [20], classes: 5 })
    .module('a', [linear(16), batchNorm(), relu()])
    .module('b', [linear(12), batchNorm(), relu()])
    .module('c', [linear(5)])
    .loss('loss', 'softmaxCrossEntropy')
    .chain(['data', 'a', 'b', 'c', 'loss'], () => backprop())
    .build();
}

function batches(count: number) {
  const prng = new Prng(99, 'data');
  return Array.from({ length: count }, () => ({
    inputs: new Tensor(prng.fillNormal(new Float32Array(8 * 20)), [8, 20]),
    labels: Uint8Array.from({ length: 8 }, () => prng.int(5)),
  }));
}

describe('graph engine with every interface backprop', () => {
  it('gives the same parameters and losses as the plain backprop network, bit for bit', () => {
    const net = chain();
    const plan = validateNetwork(net);
    const optimizer = { kind: 'adam' as const, lr: 1e-2 };
    const plain = new BackpropEngine(net, plan, new Prng(5).stream('init'), optimizer);
    const graph = new GraphEngine(net, plan, new Prng(5).stream('init'), optimizer);
    batches(6).forEach(({ inputs, labels }, step) => {
      const expected = plain.trainStep(step, inputs, labels);
      const got = graph.trainStep(step, inputs, labels);
      expect(got.loss).toBe(expected.loss);
    });
    const plainState = plain.state();
    const graphState = graph.state();
    const plainParams = Object.keys(plainState).filter((k) => k.startsWith('param.'));
    expect(plainParams.length).toBeGreaterThan(0);
    for (const key of plainParams) {
      // 'param.equivalence.b.0_linear.weight' ↔ 'b/param.b.0_linear.weight'
      const [, , module, ...rest] = key.split('.');
      const graphKey = `${module}/param.${module}.${rest.join('.')}`;
      expect(graphState[graphKey], graphKey).toBeDefined();
      expect(Array.from(graphState[graphKey].data)).toEqual(Array.from(plainState[key].data));
    }
    const eval1 = plain.predict(batches(1)[0].inputs);
    expect(Array.from(graph.predict(batches(1)[0].inputs).data)).toEqual(Array.from(eval1.data));
  });

  it('counts one update per module per step, and ends every step with all modules ready', () => {
    const net = chain();
    const graph = new GraphEngine(net, validateNetwork(net), new Prng(5), { kind: 'sgd', lr: 0.1 });
    batches(3).forEach(({ inputs, labels }, step) => {
      graph.trainStep(step, inputs, labels);
    });
    expect(graph.modules()).toEqual([
      { name: 'a', updates: 3 },
      { name: 'b', updates: 3 },
      { name: 'c', updates: 3 },
    ]);
  });
});
