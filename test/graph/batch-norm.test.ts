/** Which part of a network trains batch norm on batch statistics (named when a batch of one is refused). */
import { describe, expect, it } from 'vitest';
import { batchNormUser } from '../../src/graph/batch-norm.ts';
import type { InterfaceSpec, LayerSpec } from '../../src/index.ts';
import { batchNorm, dni, linear, network, relu, syntheticInput } from '../../src/index.ts';

const chain = (layers: LayerSpec[], iface: InterfaceSpec) =>
  network('t')
    .source('data', { dataset: 'mnist', shape: [784], classes: 10 })
    .module('hidden', layers)
    .module('out', [linear(10)])
    .loss('loss', 'softmaxCrossEntropy')
    .chain(['data', 'hidden'])
    .connect('hidden', 'out', iface)
    .connect('out', 'loss')
    .build();

describe('batchNormUser', () => {
  it('names a module with a batchNorm layer first', () => {
    expect(batchNormUser(chain([linear(8), batchNorm(), relu()], dni()))).toBe("module 'hidden'");
  });

  it('names the edge of a synthetic model with batch norm (an MLP has it unless turned off)', () => {
    const edge = batchNormUser(chain([linear(8), relu()], dni({ model: { hidden: [16] } })));
    expect(edge).toMatch(/^the synthetic model on edge /);
    expect(batchNormUser(chain([linear(8), relu()], syntheticInput({ model: { hidden: [16] } })))).toMatch(
      /^the synthetic model on edge /,
    );
  });

  it('finds none in linear synthetic models or an MLP without batch norm', () => {
    expect(batchNormUser(chain([linear(8), relu()], dni()))).toBeUndefined();
    expect(
      batchNormUser(chain([linear(8), relu()], dni({ model: { hidden: [16], batchNorm: false } }))),
    ).toBeUndefined();
  });
});
