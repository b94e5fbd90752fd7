import { describe, expect, it } from 'vitest';
import { validateNetwork } from '../../src/graph/validate.ts';
import {
  backprop,
  conv2d,
  dni,
  flatten,
  type InterfaceSpec,
  linear,
  network,
  relu,
  stopGradient,
  syntheticInput,
  unlock,
} from '../../src/index.ts';

/** data → a → b (pUpdate on b) → out → loss, with `iface` on a → b. */
function sparseReceiver(iface: InterfaceSpec, pUpdate = 0.5) {
  return network('sparse')
    .source('data', { dataset: 'mnist', shape: [784], classes: 10 })
    .module('a', [linear(16), relu()])
    .module('b', [linear(16), relu()], { pUpdate })
    .module('out', [linear(10)])
    .loss('loss', 'softmaxCrossEntropy')
    .connect('data', 'a')
    .connect('a', 'b', iface)
    .connect('b', 'out', dni())
    .connect('out', 'loss')
    .build();
}

describe('validateNetwork: sparse updates behind a locked edge (paper §3.1)', () => {
  it('rejects pUpdate < 1 on a module whose input edge is a locked backprop edge, naming module and edge', () => {
    expect(() => validateNetwork(sparseReceiver(backprop()))).toThrow(
      /module 'b' has pUpdate 0\.5, but its input edge a -> b is locked \(backprop\).*'a' would wait forever/,
    );
  });

  it('rejects it behind a synthetic input too: that edge still passes the real gradient back', () => {
    expect(() => validateNetwork(sparseReceiver(syntheticInput()))).toThrow(
      /module 'b' has pUpdate 0\.5, but its input edge a -> b is locked \(syntheticInput\)/,
    );
  });

  it.each([
    ['dni', dni()],
    ['stopGradient', stopGradient()],
    ['unlock', unlock()],
  ])(
    'accepts pUpdate < 1 behind a %s edge, where the sender never waits for the receiver',
    (_kind, iface) => {
      expect(() => validateNetwork(sparseReceiver(iface))).not.toThrow();
    },
  );

  it('accepts pUpdate 1 behind a backprop edge, and pUpdate < 1 on a module fed by a data source', () => {
    expect(() => validateNetwork(sparseReceiver(backprop(), 1))).not.toThrow();
    const fromSource = network('sparse')
      .source('data', { dataset: 'mnist', shape: [784], classes: 10 })
      .module('a', [linear(10)], { pUpdate: 0.3 })
      .loss('loss', 'softmaxCrossEntropy')
      .chain(['data', 'a', 'loss'])
      .build();
    expect(() => validateNetwork(fromSource)).not.toThrow();
  });
});

describe('validateNetwork: conv synthetic models', () => {
  const convNet = (iface: InterfaceSpec, shape = [1, 8, 8]) =>
    network('conv')
      .source('data', { dataset: 'mnist', shape, classes: 10 })
      .module('a', shape.length === 3 ? [conv2d(4, 3, { padding: 'same' }), relu()] : [linear(16), relu()])
      .module('out', [flatten(), linear(10)])
      .loss('loss', 'softmaxCrossEntropy')
      .connect('data', 'a')
      .connect('a', 'out', iface)
      .connect('out', 'loss')
      .build();

  it('accepts a "same"-shaped conv model on a conv activation, with or without label context', () => {
    expect(() => validateNetwork(convNet(dni({ model: 'conv', context: 'label' })))).not.toThrow();
    expect(() =>
      validateNetwork(
        convNet(unlock(dni({ model: { convLayers: 2, kernel: 3 } }), syntheticInput({ model: 'conv' }))),
      ),
    ).not.toThrow();
  });

  it('rejects an even kernel, which cannot keep the shape', () => {
    expect(() => validateNetwork(convNet(dni({ model: { convLayers: 2, kernel: 4 } })))).toThrow(
      'edge a -> out has a conv synthetic model with kernel 4; it must be odd',
    );
  });

  it('rejects a conv synthetic-gradient model on a flat activation', () => {
    expect(() => validateNetwork(convNet(dni({ model: 'conv' }), [64]))).toThrow(
      'edge a -> out has a conv synthetic-gradient model on a flat activation [16]',
    );
  });

  it('rejects a conv synthetic-input model when the input is not [C, H, W] of the same resolution', () => {
    const net = network('conv')
      .source('data', { dataset: 'mnist', shape: [1, 8, 8], classes: 10 })
      .module('a', [conv2d(4, 3), relu()])
      .module('out', [flatten(), linear(10)])
      .loss('loss', 'softmaxCrossEntropy')
      .connect('data', 'a')
      .connect('a', 'out', syntheticInput({ model: 'conv' }))
      .connect('out', 'loss')
      .build();
    expect(() => validateNetwork(net)).toThrow(/edge a -> out has a conv synthetic-input model/);
  });
});
