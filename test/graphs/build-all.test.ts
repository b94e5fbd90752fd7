import { readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { type GraphDefinition, resolveParams } from '../../src/graph/define.ts';
import { isStreamDataset } from '../../src/graph/recurrent.ts';
import { networkFromJSON, networkToJSON } from '../../src/graph/serialize.ts';
import { validateNetwork } from '../../src/graph/validate.ts';

const GRAPHS_DIR = new URL('../../graphs/', import.meta.url);
const files = readdirSync(GRAPHS_DIR)
  .filter((file) => file.endsWith('.ts'))
  .sort();

async function load(file: string): Promise<GraphDefinition> {
  return (await import(new URL(file, GRAPHS_DIR).href)).default as GraphDefinition;
}

/** Every value a choice parameter takes, one override at a time (the defaults for the rest). */
function choiceOverrides(definition: GraphDefinition): Record<string, string>[] {
  const overrides: Record<string, string>[] = [];
  for (const [key, spec] of Object.entries(definition.params)) {
    if (spec.type === 'choice') for (const choice of spec.choices) overrides.push({ [key]: choice });
  }
  return overrides;
}

describe('the example graphs', () => {
  it('include the paper experiments of §3.1, §3.2 and §3.3', () => {
    expect(files).toEqual(
      expect.arrayContaining([
        'copy.ts',
        'repeat-copy.ts',
        'cifar-cnn.ts',
        'cifar-fcn.ts',
        'mnist-cnn.ts',
        'mnist-complete-unlock.ts',
        'mnist-fcn.ts',
        'mnist-sparse.ts',
        'odd-threes.ts',
      ]),
    );
  });

  it.each(files)(
    '%s default-exports a definition that builds and validates with its defaults',
    async (file) => {
      const definition = await load(file);
      expect(definition.name).toBe(file.replace(/\.ts$/, ''));
      const network = definition.build(resolveParams(definition, {}));
      const plan = validateNetwork(network);
      // Labelled data, or a stream task whose targets come with its ticks (Copy, Repeat Copy).
      const streams = network.filterNodes(
        (_n, spec) => spec.kind === 'source' && isStreamDataset(spec.dataset),
      );
      expect(plan.labelSource !== undefined || streams.length === 1).toBe(true);
      // Structure only: the network survives a JSON round trip and still validates.
      expect(validateNetwork(networkFromJSON(networkToJSON(network))).order).toEqual(plan.order);
    },
  );

  it.each(files)('%s builds and validates with every value of each choice parameter', async (file) => {
    const definition = await load(file);
    for (const set of choiceOverrides(definition)) {
      const network = definition.build(resolveParams(definition, set));
      expect(() => validateNetwork(network), JSON.stringify(set)).not.toThrow();
    }
  });

  it.each(['mnist-fcn.ts', 'mnist-cnn.ts', 'cifar-fcn.ts', 'cifar-cnn.ts'])(
    '%s puts the method on every interface between modules',
    async (file) => {
      const definition = await load(file);
      const expected = {
        bprop: 'backprop',
        nobprop: 'stopGradient',
        dni: 'dni',
        cdni: 'dni',
        stale: 'staleGradient',
      } as const;
      for (const [method, kind] of Object.entries(expected)) {
        const network = definition.build(resolveParams(definition, { method }));
        const between = network.filterEdges(
          (_edge, _attrs, source, target) =>
            network.getNodeAttribute(source, 'kind') === 'module' &&
            network.getNodeAttribute(target, 'kind') === 'module',
        );
        expect(between.length).toBeGreaterThanOrEqual(3);
        for (const edge of between) {
          const iface = network.getEdgeAttribute(edge, 'interface');
          expect(iface.kind).toBe(kind);
          if (iface.kind === 'dni') expect(iface.context).toBe(method === 'cdni' ? 'label' : undefined);
        }
      }
    },
  );

  it.each([
    ['mnist-cnn.ts', 3, [1, 28, 28]],
    ['mnist-cnn.ts', 4, [1, 28, 28]],
    ['cifar-cnn.ts', 3, [3, 32, 32]],
    ['cifar-cnn.ts', 4, [3, 32, 32]],
  ] as const)(
    '%s with %i layers: conv modules, conv synthetic-gradient models, a classifier',
    async (file, layers, input) => {
      const definition = await load(file);
      const network = definition.build(resolveParams(definition, { layers: String(layers), method: 'cdni' }));
      const plan = validateNetwork(network);
      const modules = plan.order.filter((node) => network.getNodeAttribute(node, 'kind') === 'module');
      expect(modules).toEqual([...Array.from({ length: layers }, (_, i) => `conv${i + 1}`), 'classifier']);
      expect(plan.outputShapes.get(plan.order[0])).toEqual(input);
      for (const conv of modules.slice(0, -1)) expect(plan.outputShapes.get(conv)).toHaveLength(3);
      network.forEachEdge((_edge, attrs) => {
        if (attrs.interface.kind === 'dni') expect(attrs.interface.model).toHaveProperty('convLayers');
      });
    },
  );

  it('mnist-complete-unlock unlocks every interface between layers; mnist-sparse sets pUpdate on every module', async () => {
    const unlock = await load('mnist-complete-unlock.ts');
    const unlocked = unlock.build(resolveParams(unlock, { layers: '4' }));
    const kinds = unlocked.mapEdges((_e, attrs, source) => [source, attrs.interface.kind]);
    expect(kinds).toEqual([
      ['mnist', 'backprop'],
      ['layer1', 'unlock'],
      ['layer2', 'unlock'],
      ['layer3', 'unlock'],
      ['layer4', 'unlock'],
      ['classifier', 'backprop'],
    ]);
    const sparse = await load('mnist-sparse.ts');
    const network = sparse.build(resolveParams(sparse, { pUpdate: '0.25' }));
    const pUpdates = network
      .filterNodes((_n, spec) => spec.kind === 'module')
      .map((node) => {
        const spec = network.getNodeAttributes(node);
        return spec.kind === 'module' ? spec.pUpdate : undefined;
      });
    expect(pUpdates).toEqual([0.25, 0.25, 0.25, 0.25, 0.25]);
  });
});
