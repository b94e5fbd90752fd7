import { describe, expect, it } from 'vitest';
import { networkFromJSON, networkToJSON } from '../../src/graph/serialize.ts';
import { backprop, dni, linear, network, relu, validateNetwork } from '../../src/index.ts';

const build = () =>
  network('round-trip')
    .source('data', { dataset: 'mnist', shape: [784], classes: 10 })
    .module('hidden', [linear(32), relu()], { pUpdate: 0.5 })
    .module('out', [linear(10)])
    .loss('loss', 'softmaxCrossEntropy')
    .connect('data', 'hidden')
    .connect('hidden', 'out', dni({ model: { hidden: [64] }, context: 'label' }))
    .connect('out', 'loss', backprop())
    .build();

describe('network JSON', () => {
  it('round-trips through graphology JSON with every attribute', () => {
    const original = build();
    const json = JSON.parse(JSON.stringify(networkToJSON(original)));
    const restored = networkFromJSON(json);
    expect(networkToJSON(restored)).toEqual(networkToJSON(original));
    expect(validateNetwork(restored).order).toEqual(validateNetwork(original).order);
  });

  it('validates what it reads: an edge to a missing node is an error naming it', () => {
    const json = JSON.parse(JSON.stringify(networkToJSON(build())));
    json.edges[0].target = 'ghost';
    expect(() => networkFromJSON(json)).toThrow(/dniflow\/graph: not a valid graphology network: .*ghost/);
  });

  it('validates what it reads: an unknown interface kind is an error naming the edge', () => {
    const json = JSON.parse(JSON.stringify(networkToJSON(build())));
    json.edges[1].attributes.interface.kind = 'wormhole';
    expect(() => networkFromJSON(json)).toThrow(
      "edge hidden -> out has an unknown interface kind 'wormhole'",
    );
  });
});
