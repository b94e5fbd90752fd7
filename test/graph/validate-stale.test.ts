import { describe, expect, it } from 'vitest';
import { validateNetwork } from '../../src/graph/validate.ts';
import {
  type InterfaceSpec,
  linear,
  METHODS,
  methodInterface,
  network,
  relu,
  STALE_GRADIENT_MAX_BYTES,
  STALE_GRADIENT_TARGETS,
  staleGradient,
} from '../../src/index.ts';

/** data → a → b → loss with `iface` on a → b; `hidden` sets the activation on that edge. */
function staleEdge(iface: InterfaceSpec, source: { dataset?: string; examples?: number } = {}, hidden = 16) {
  return network('stale')
    .source('data', {
      dataset: source.dataset ?? 'mnist',
      shape: [784],
      classes: 10,
      examples: source.examples,
    })
    .module('a', [linear(hidden), relu()])
    .module('b', [linear(10)])
    .loss('loss', 'softmaxCrossEntropy')
    .connect('data', 'a')
    .connect('a', 'b', iface)
    .connect('b', 'loss')
    .build();
}

describe('validateNetwork: the stale-gradient baseline (paper §3.1, DESIGN item 7)', () => {
  it('accepts decay in [0, 1) on a source of known size (a named dataset, or declared examples)', () => {
    expect(() => validateNetwork(staleEdge(staleGradient()))).not.toThrow();
    expect(() => validateNetwork(staleEdge(staleGradient({ decay: 0.99 })))).not.toThrow();
    expect(() =>
      validateNetwork(staleEdge(staleGradient(), { dataset: 'mine', examples: 500 })),
    ).not.toThrow();
  });

  it('rejects a decay outside [0, 1), naming the edge', () => {
    for (const decay of [1, -0.5, Number.NaN]) {
      expect(() => validateNetwork(staleEdge(staleGradient({ decay })))).toThrow(
        `dniflow/graph: network 'stale': edge a -> b has a staleGradient interface with decay ${decay}; it must lie in [0, 1)`,
      );
    }
  });

  it("rejects a target other than 'true' or 'bootstrapped' (e.g. a graph saved before targets), naming the edge", () => {
    expect(STALE_GRADIENT_TARGETS).toEqual(['true', 'bootstrapped']);
    expect(() => validateNetwork(staleEdge(staleGradient({ target: 'bootstrapped' })))).not.toThrow();
    const old = { kind: 'staleGradient', decay: 0 } as InterfaceSpec;
    expect(() => validateNetwork(staleEdge(old))).toThrow(
      "dniflow/graph: network 'stale': edge a -> b has a staleGradient interface with target undefined; it must be one of 'true', 'bootstrapped'",
    );
  });

  it('rejects pUpdate < 1 behind a true-target edge (the sender waits for the true gradient), not a bootstrapped one', () => {
    const sparse = (iface: InterfaceSpec) =>
      network('stale')
        .source('data', { dataset: 'mnist', shape: [784], classes: 10 })
        .module('a', [linear(16), relu()])
        .module('b', [linear(10)], { pUpdate: 0.5 })
        .loss('loss', 'softmaxCrossEntropy')
        .connect('data', 'a')
        .connect('a', 'b', iface)
        .connect('b', 'loss')
        .build();
    expect(() => validateNetwork(sparse(staleGradient()))).toThrow(
      "module 'b' has pUpdate 0.5, but its input edge a -> b is locked (staleGradient, target 'true')",
    );
    expect(() => validateNetwork(sparse(staleGradient({ target: 'bootstrapped' })))).not.toThrow();
  });

  it('rejects a data source with no known example count, naming the edge and the source', () => {
    expect(() => validateNetwork(staleEdge(staleGradient(), { dataset: 'mine' }))).toThrow(
      "edge a -> b has a staleGradient interface, which keeps one gradient per training example, but source 'data' (dataset 'mine') has no known example count; give the source `examples`",
    );
    expect(() => validateNetwork(staleEdge(staleGradient(), { dataset: 'mine', examples: 2.5 }))).toThrow(
      "source 'data' has examples 2.5; it must be a positive integer",
    );
  });

  it('rejects a table over the memory cap, naming the edge, its size and the cap', () => {
    // 60000 MNIST examples × 9000 floats × 4 bytes ≈ 2.01 GiB > 2 GiB.
    expect(STALE_GRADIENT_MAX_BYTES).toBe(2 * 1024 ** 3);
    expect(() => validateNetwork(staleEdge(staleGradient(), {}, 9000))).toThrow(
      'edge a -> b has a staleGradient interface whose table would take 2.01 GiB (60000 examples × 9000 floats of [9000]); the cap is 2.00 GiB',
    );
    // The same activation on fewer examples fits.
    expect(() => validateNetwork(staleEdge(staleGradient(), { examples: 50000 }, 9000))).not.toThrow();
  });

  it("is the graphs' method 'stale', with the decay passed through", () => {
    expect(METHODS).toContain('stale');
    expect(methodInterface('stale')).toEqual({ kind: 'staleGradient', decay: 0, target: 'true' });
    expect(methodInterface('stale', { decay: 0.5, model: 'linear' })).toEqual({
      kind: 'staleGradient',
      decay: 0.5,
      target: 'true',
    });
    expect(methodInterface('stale', { staleTarget: 'bootstrapped' })).toEqual({
      kind: 'staleGradient',
      decay: 0,
      target: 'bootstrapped',
    });
    // The other methods ignore decay.
    expect(methodInterface('dni', { decay: 0.5 })).toEqual({ kind: 'dni', model: 'linear', scale: 1 });
  });
});
