import { describe, expect, it } from 'vitest';
import { type GraphDefinition, resolveParams } from '../../src/graph/define.ts';
import type { InterfaceSpec } from '../../src/graph/interfaces.ts';

async function mnistFcn(): Promise<GraphDefinition> {
  return (await import(new URL('../../graphs/mnist-fcn.ts', import.meta.url).href))
    .default as GraphDefinition;
}

/** The interfaces between the FCN's modules for the given overrides. */
async function between(overrides: Record<string, string>): Promise<InterfaceSpec[]> {
  const definition = await mnistFcn();
  const network = definition.build(resolveParams(definition, { method: 'stale', ...overrides }));
  return network
    .filterEdges(
      (_edge, _attrs, source, target) =>
        network.getNodeAttribute(source, 'kind') === 'module' &&
        network.getNodeAttribute(target, 'kind') === 'module',
    )
    .map((edge) => network.getEdgeAttribute(edge, 'interface'));
}

describe('graphs/mnist-fcn.ts method=stale', () => {
  it('puts the true target by default, and staleTarget=bootstrapped and decay through to every interface', async () => {
    expect(await between({})).toEqual(Array(3).fill({ kind: 'staleGradient', decay: 0, target: 'true' }));
    expect(await between({ staleTarget: 'bootstrapped', decay: '0.5' })).toEqual(
      Array(3).fill({ kind: 'staleGradient', decay: 0.5, target: 'bootstrapped' }),
    );
  });
});

describe('graphs/mnist-fcn.ts sgTop', () => {
  it('puts the chosen synthetic-gradient model on the last edge only (into the classifier)', async () => {
    const models = (await between({ method: 'dni', sgTop: 'mlp' })).map((iface) =>
      iface.kind === 'dni' ? iface.model : undefined,
    );
    expect(models.slice(0, -1)).toEqual(['linear', 'linear']);
    expect(models.at(-1)).toMatchObject({ hidden: [1024, 1024] });
    const same = (await between({ method: 'dni' })).map((iface) => (iface.kind === 'dni' ? iface.model : 0));
    expect(same).toEqual(['linear', 'linear', 'linear']);
  });
});
