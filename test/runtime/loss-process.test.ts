import { describe, expect, it } from 'vitest';
import type { LossKind } from '../../src/graph/network.ts';
import { validateNetwork } from '../../src/graph/validate.ts';
import { backprop, dni, linear, network, relu } from '../../src/index.ts';
import { GraphEngine } from '../../src/runtime/graph-engine.ts';
import { LossProcess } from '../../src/runtime/loss-process.ts';
import { Prng } from '../../src/tensor/prng.ts';
import { Tensor } from '../../src/tensor/tensor.ts';

const prediction = (step: number) => ({
  step,
  tick: 0,
  activation: Tensor.from([0.5, -1, 2, 0, 1, -0.5], [2, 3]),
});
const target = (step: number) => ({ step, tick: 0, labels: Uint8Array.from([2, 0]) });

describe('losses as processes with their own target input', () => {
  for (const kind of ['softmaxCrossEntropy', 'sigmoidBce', 'mse'] as LossKind[]) {
    it(`${kind}: the prediction and the target meet in either order, and the answer is the true gradient`, () => {
      const first = new LossProcess('loss', kind, 'c->loss', true);
      expect(first.prediction(prediction(4))).toBeUndefined();
      const a = first.target(target(4))!;
      const second = new LossProcess('loss', kind, 'c->loss', true);
      expect(second.target(target(4))).toBeUndefined();
      const b = second.prediction(prediction(4))!;
      expect(a.loss).toBe(b.loss);
      expect(Number.isFinite(a.loss)).toBe(true);
      const [out] = a.out;
      expect(out.edge).toBe('c->loss');
      if (out.event.type !== 'backward') throw new Error('expected a gradient');
      expect(out.event.message.kind).toBe('true');
      expect(out.event.message.step).toBe(4);
      const other = b.out[0].event;
      if (other.type !== 'backward') throw new Error('expected a gradient');
      expect(Array.from(out.event.message.gradient.data)).toEqual(Array.from(other.message.gradient.data));
    });

    it(`${kind}: a DNI network learns with it (the loss falls)`, () => {
      const net = network(kind)
        .source('data', { dataset: 'synthetic', shape: [6], classes: 3 })
        .module('a', [linear(16), relu()])
        .module('b', [linear(3)])
        .loss('loss', kind)
        .connect('data', 'a', backprop())
        .connect('a', 'b', dni())
        .connect('b', 'loss', backprop())
        .build();
      const engine = new GraphEngine(net, validateNetwork(net), new Prng(1), { kind: 'adam', lr: 1e-2 });
      const prng = new Prng(2, 'data');
      // Labels are a fixed function of the inputs: the argmax of their first three features.
      const batch = () => {
        const inputs = new Tensor(prng.fillNormal(new Float32Array(16 * 6)), [16, 6]);
        const labels = Uint8Array.from({ length: 16 }, (_, r) => {
          const row = inputs.data.subarray(r * 6, r * 6 + 3);
          return row.indexOf(Math.max(...row));
        });
        return { inputs, labels };
      };
      const losses: number[] = [];
      for (let step = 0; step < 150; step++) {
        const { inputs, labels } = batch();
        losses.push(engine.trainStep(step, inputs, labels).loss);
      }
      const mean = (values: number[]) => values.reduce((x, y) => x + y, 0) / values.length;
      expect(mean(losses.slice(-20))).toBeLessThan(0.7 * mean(losses.slice(0, 20)));
    });
  }

  it('refuses a loss when the source declares no classes, before training', () => {
    const net = network('unlabelled')
      .source('data', { dataset: 'synthetic', shape: [4] })
      .module('a', [linear(2)])
      .loss('loss', 'mse')
      .chain(['data', 'a', 'loss'], () => backprop())
      .build();
    expect(() => new GraphEngine(net, validateNetwork(net), new Prng(1), { kind: 'sgd', lr: 0.1 })).toThrow(
      /loss 'loss' needs labels, and source 'data' declares no classes/,
    );
  });
});
