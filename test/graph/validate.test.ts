import { describe, expect, it } from 'vitest';
import type { InterfaceSpec, LayerSpec } from '../../src/index.ts';
import {
  backprop,
  conv2d,
  dni,
  linear,
  network,
  relu,
  syntheticInput,
  validateNetwork,
} from '../../src/index.ts';
import { isRecurrentNetwork } from '../../src/runtime/recurrent/build.ts';

function fcn() {
  return network('t')
    .source('data', { dataset: 'mnist', shape: [784], classes: 10 })
    .module('hidden', [linear(32), relu()])
    .module('out', [linear(10)])
    .loss('loss', 'softmaxCrossEntropy');
}

/** The FCN chained through, with `iface` on its hidden → out edge. */
function fcnWithInterface(iface: unknown) {
  return fcn()
    .chain(['data', 'hidden'])
    .connect('hidden', 'out', iface as InterfaceSpec)
    .connect('out', 'loss')
    .build();
}

describe('validateNetwork', () => {
  it('infers every shape and an execution order for a well-formed network', () => {
    const plan = validateNetwork(fcn().chain(['data', 'hidden', 'out', 'loss']).build());
    expect(plan.order).toEqual(['data', 'hidden', 'out', 'loss']);
    expect(plan.outputShapes.get('hidden')).toEqual([32]);
    expect(plan.outputShapes.get('out')).toEqual([10]);
    expect(plan.labelSource).toBe('data');
  });

  it('names the loss and both shapes on a shape mismatch', () => {
    const net = network('t')
      .source('data', { dataset: 'mnist', shape: [784], classes: 10 })
      .module('out', [linear(7)])
      .loss('loss', 'softmaxCrossEntropy')
      .chain(['data', 'out', 'loss'])
      .build();
    expect(() => validateNetwork(net)).toThrow("shape mismatch at loss 'loss': expects [10] logits, got [7]");
  });

  it('names the module and layer when a layer does not fit its input', () => {
    const net = network('t')
      .source('data', { dataset: 'mnist', shape: [784], classes: 10 })
      .module('conv', [conv2d(8, 3)])
      .module('out', [linear(10)])
      .loss('loss', 'softmaxCrossEntropy')
      .chain(['data', 'conv', 'out', 'loss'])
      .build();
    expect(() => validateNetwork(net)).toThrow(
      /module 'conv' layer 0 \(conv2d\) expects \[channels, height, width\]/,
    );
  });

  it('rejects a dangling edge to a node that does not exist', () => {
    expect(() => fcn().connect('hidden', 'nowhere')).toThrow(
      /edge hidden -> nowhere is dangling: no node named 'nowhere'/,
    );
  });

  it('rejects a module left dangling without an output', () => {
    const net = fcn().chain(['data', 'out', 'loss']).connect('data', 'hidden').build();
    expect(() => validateNetwork(net)).toThrow("node 'hidden' is dangling: no output");
  });

  it('rejects a duplicate edge', () => {
    const net = fcn().chain(['data', 'hidden', 'out', 'loss']).connect('hidden', 'out').build();
    expect(() => validateNetwork(net)).toThrow('duplicate edge hidden -> out');
  });

  it('rejects a cycle with no time delay, naming its nodes, and accepts it with a delay', () => {
    const cyclic = () =>
      network('t')
        .source('data', { dataset: 'mnist', shape: [784], classes: 10 })
        .module('a', [linear(784)])
        .module('b', [linear(784)])
        .module('out', [linear(10)])
        .loss('loss', 'softmaxCrossEntropy')
        .chain(['data', 'a', 'b', 'out', 'loss']);
    expect(() => validateNetwork(cyclic().connect('b', 'a').build())).toThrow(
      /cycle with no time delay through a, b, out, loss/,
    );
    expect(() => validateNetwork(cyclic().connect('b', 'a', backprop(), { delay: 1 }).build())).not.toThrow();
  });

  it('rejects an unknown interface kind', () => {
    const net = fcnWithInterface({ kind: 'teleport' });
    expect(() => validateNetwork(net)).toThrow("edge hidden -> out has an unknown interface kind 'teleport'");
  });

  it('rejects label context when no source has labels', () => {
    const net = network('t')
      .source('data', { dataset: 'mnist', shape: [784] })
      .module('hidden', [linear(32)])
      .module('out', [linear(10)])
      .loss('loss', 'mse')
      .chain(['data', 'hidden'])
      .connect('hidden', 'out', dni({ context: 'label' }))
      .connect('out', 'loss')
      .build();
    expect(() => validateNetwork(net)).toThrow(
      'edge hidden -> out asks for label context, but no data source has labels',
    );
  });

  it('rejects a bad pUpdate', () => {
    const net = network('t')
      .source('data', { dataset: 'mnist', shape: [784], classes: 10 })
      .module('out', [linear(10)], { pUpdate: 0 })
      .loss('loss', 'softmaxCrossEntropy')
      .chain(['data', 'out', 'loss'])
      .build();
    expect(() => validateNetwork(net)).toThrow("module 'out' has pUpdate 0");
  });

  // Found by test/fuzz/train-inputs.test.ts: both were raw TypeErrors ("Cannot read properties of …").
  it('rejects an unlock interface without its gradient and input specs, naming the edge', () => {
    const net = fcnWithInterface({ kind: 'unlock' });
    expect(() => validateNetwork(net)).toThrow(
      "dniflow/graph: network 't': edge hidden -> out has an unlock interface without a dni gradient and a syntheticInput input",
    );
  });

  it('rejects a synthetic input into a loss, naming the edge (before, step 0 waited forever on a gradient)', () => {
    const net = fcn().chain(['data', 'hidden', 'out']).connect('out', 'loss', syntheticInput()).build();
    expect(() => validateNetwork(net)).toThrow(
      "dniflow/graph: network 't': edge out -> loss has a syntheticInput interface, but 'loss' is not a module: only a module's input can be synthesised",
    );
  });

  // Found by the fuzz test too: these shapes reached the memory estimate ("needs about NaN GiB") or a
  // layer's constructor ("Linear needs a positive integer inFeatures, got 784.5").
  it.each([[[Number.NaN]], [[784.5]], [[0]], [[-784]], [[1, 0, 28]]])(
    'rejects a source of shape %j, naming the source',
    (shape) => {
      const net = network('t')
        .source('data', { dataset: 'mnist', shape, classes: 10 })
        .module('out', [linear(10)])
        .loss('loss', 'softmaxCrossEntropy')
        .chain(['data', 'out', 'loss'])
        .build();
      expect(() => validateNetwork(net)).toThrow(
        `dniflow/graph: network 't': source 'data' has shape [${shape}]; every dimension must be a positive integer`,
      );
    },
  );

  it('rejects a layer that is not a layer spec (null), before deciding whether the network is recurrent', () => {
    const net = network('t')
      .source('data', { dataset: 'mnist', shape: [784], classes: 10 })
      .module('out', [linear(10), null as unknown as LayerSpec])
      .loss('loss', 'softmaxCrossEntropy')
      .chain(['data', 'out', 'loss'])
      .build();
    expect(isRecurrentNetwork(net)).toBe(false);
    expect(() => validateNetwork(net)).toThrow(
      "dniflow/graph: network 't': module 'out' layer 1 is null, not a layer spec",
    );
  });
});
