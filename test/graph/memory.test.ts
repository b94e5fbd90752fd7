import { readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { type GraphDefinition, resolveParams, trainingDefaults } from '../../src/graph/define.ts';
import { checkMemory, estimateMemory } from '../../src/graph/memory.ts';
import { conv2d, flatten, linear, network, validateNetwork } from '../../src/index.ts';

const GRAPHS_DIR = new URL('../../graphs/', import.meta.url);

function fcn(hidden: number) {
  return network('big')
    .source('data', { dataset: 'mnist', shape: [784], classes: 10 })
    .module('hidden', [linear(hidden)])
    .module('out', [linear(10)])
    .loss('loss', 'softmaxCrossEntropy')
    .chain(['data', 'hidden', 'out', 'loss'])
    .build();
}

describe('memory estimate (checked before anything is allocated)', () => {
  it('counts parameters with their gradients and Adam moments, and activations at the batch size', () => {
    const net = fcn(100);
    const parts = estimateMemory(net, validateNetwork(net), 32);
    const params = parts.find((p) => p.what === "module 'hidden': parameters and optimiser state")!;
    expect(params.bytes).toBe(785 * 100 * 16);
    const activations = parts.find((p) => p.what === "module 'hidden': activations at batch 32")!;
    expect(activations.bytes).toBe(100 * 32 * 8);
  });

  it('refuses a layer of millions of units, naming the largest part', () => {
    const net = fcn(5_000_000);
    expect(() => checkMemory(net, validateNetwork(net), 128, 24 * 1024 ** 3)).toThrow(
      /dniflow\/graph: network 'big' needs about .* GiB to train at batch 128, more than the 24\.0 GiB this machine has; the largest part is module 'hidden': parameters and optimiser state/,
    );
  });

  it('lets every example graph train at its defaults on a machine of 8 GiB', async () => {
    for (const file of readdirSync(GRAPHS_DIR).filter((f) => f.endsWith('.ts'))) {
      const definition = (await import(new URL(file, GRAPHS_DIR).href)).default as GraphDefinition;
      const params = resolveParams(definition, {});
      const net = definition.build(params);
      const { batch } = trainingDefaults(definition, params);
      expect(() => checkMemory(net, validateNetwork(net), batch, 8 * 1024 ** 3), file).not.toThrow();
    }
  });
});

describe('layer sizes', () => {
  it('are positive integers, the module named', () => {
    for (const [layer, why] of [
      [linear(0), 'has units 0'],
      [linear(2.5), 'has units 2.5'],
      [linear(Number.NaN), 'has units NaN'],
      [linear(-3), 'has units -3'],
    ] as const) {
      expect(() => validateNetwork(fcnWith(layer)), why).toThrow(`module 'hidden' layer 0 (linear) ${why}`);
    }
    const conv = network('c')
      .source('data', { dataset: 'mnist', shape: [1, 28, 28], classes: 10 })
      .module('hidden', [conv2d(8, 0), flatten(), linear(10)])
      .loss('loss', 'softmaxCrossEntropy')
      .chain(['data', 'hidden', 'loss'])
      .build();
    expect(() => validateNetwork(conv)).toThrow("module 'hidden' layer 0 (conv2d) has kernel 0");
  });
});

function fcnWith(layer: ReturnType<typeof linear>) {
  return network('t')
    .source('data', { dataset: 'mnist', shape: [784], classes: 10 })
    .module('hidden', [layer])
    .module('out', [linear(10)])
    .loss('loss', 'softmaxCrossEntropy')
    .chain(['data', 'hidden', 'out', 'loss'])
    .build();
}
