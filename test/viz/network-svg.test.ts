import { describe, expect, it } from 'vitest';
import { type Network, type NetworkPlan, validateNetwork } from '../../src/index.ts';
import { EDGE_STYLES } from '../../viz/edge-styles.ts';
import { exportNetwork } from '../../viz/export-network.ts';
import { boxesOverlap } from '../../viz/geometry.ts';
import { layoutNetwork } from '../../viz/layout.ts';
import { LEGEND_ITEMS } from '../../viz/legend.ts';
import { type EdgeStyleKind, vizModel } from '../../viz/model.ts';
import { renderNetworkSvg } from '../../viz/render-network.ts';
import { allKindsNetwork, branchingNetwork, twoClusterNetwork } from './fixtures/networks.ts';
import { buildGraphFile, graphFiles } from './graph-files.ts';
import { attribute, elementsWithClass, groupMarkup } from './svg-helpers.ts';

// The kinds the all-kinds fixture and the legend draw (the stale-gradient baseline is in neither yet).
type DrawnKind = Exclude<EdgeStyleKind, 'staleGradient'>;
const KINDS: DrawnKind[] = ['backprop', 'stopGradient', 'dni', 'cdni', 'syntheticInput', 'unlock'];

describe('network pictures of every graph in graphs/', () => {
  const files = graphFiles();

  it('finds the graph files', () => {
    expect(files).toContain('mnist-fcn.ts');
  });

  it.each(files)('%s: lays out with no overlapping nodes or model nodes', async (file) => {
    const { network, plan } = await buildGraphFile(file);
    expectNoOverlaps(network, plan);
  });

  it.each(
    [allKindsNetwork, branchingNetwork, twoClusterNetwork].map(
      (build) => [build().getAttribute('name'), build] as const,
    ),
  )('fixture %s: lays out with no overlaps', (_name, build) => {
    const network = build();
    expectNoOverlaps(network, validateNetwork(network));
  });

  function expectNoOverlaps(network: Network, plan: NetworkPlan): void {
    const model = vizModel(network, plan);
    const layout = layoutNetwork(model);
    const boxes = [...layout.nodes.values()];
    expect(boxes).toHaveLength(network.order);
    for (let i = 0; i < boxes.length; i++) {
      expect(boxes[i].x).toBeGreaterThanOrEqual(0);
      expect(boxes[i].y).toBeGreaterThanOrEqual(0);
      expect(boxes[i].x + boxes[i].width).toBeLessThanOrEqual(layout.width);
      expect(boxes[i].y + boxes[i].height).toBeLessThanOrEqual(layout.height);
      for (let j = i + 1; j < boxes.length; j++) {
        expect(boxesOverlap(boxes[i], boxes[j], 8), `${boxes[i].node.id} overlaps ${boxes[j].node.id}`).toBe(
          false,
        );
      }
    }
    // Model nodes on edges sit in the gaps, never on a module.
    for (const edge of layout.edges) {
      for (const anchor of [edge.gradientAnchor, edge.inputAnchor]) {
        const mark = { x: anchor.x - 14, y: anchor.y - 9, width: 28, height: 18 };
        for (const box of boxes)
          expect(boxesOverlap(mark, box), `${edge.edge.name} model on ${box.node.id}`).toBe(false);
      }
    }
  }

  it.each(files)('%s: draws every node and edge, with shapes on the edges, in SVG and HTML', async (file) => {
    const { network, plan } = await buildGraphFile(file);
    const svg = exportNetwork(network, plan, 'svg');
    expect(svg.startsWith('<?xml')).toBe(true);
    expect(elementsWithClass(svg, 'node')).toHaveLength(network.order);
    expect(elementsWithClass(svg, 'edge')).toHaveLength(network.size);
    network.forEachNode((node) => {
      expect(groupMarkup(svg, 'node', node), node).toBeDefined();
    });
    network.forEachEdge((_edge, attrs, source, target) => {
      const name = attrs.delay > 0 ? `${source}->${target}@${attrs.delay}` : `${source}->${target}`;
      const group = groupMarkup(svg, 'edge', name);
      expect(group, name).toBeDefined();
      const shape = plan.outputShapes.get(source)!;
      expect(group).toContain(`[${shape.join('×')}]`);
    });
    const html = exportNetwork(network, plan, 'html');
    expect(html).toContain('<svg');
    expect(html).toContain('dniflowNetworkView');
    expect(html).not.toMatch(/<script[^>]+src=/); // self-contained: nothing loaded from elsewhere
  });
});

describe('interface kinds', () => {
  const network = allKindsNetwork();
  const plan = validateNetwork(network);
  const svg = renderNetworkSvg(network, plan);
  const line = (name: string) => elementsWithClass(groupMarkup(svg, 'edge', name)!, 'edge-line')[0];
  const look = (name: string) => {
    const tag = line(name);
    return `${attribute(tag, 'stroke')}|${attribute(tag, 'stroke-dasharray') ?? 'solid'}`;
  };
  const edgeOf: Record<DrawnKind, string> = {
    backprop: 'mnist->conv1',
    dni: 'conv1->conv2',
    cdni: 'conv2->fc1',
    syntheticInput: 'fc1->fc2',
    unlock: 'fc2->fc3',
    stopGradient: 'fc3->classifier',
  };

  it('styles each kind distinctly, locked solid and dark, decoupled in colour', () => {
    const looks = KINDS.map((kind) => look(edgeOf[kind]));
    expect(new Set(looks).size).toBe(KINDS.length);
    expect(look(edgeOf.backprop)).toBe(`${EDGE_STYLES.backprop.stroke}|solid`);
    for (const kind of ['dni', 'cdni', 'syntheticInput', 'unlock'] as const) {
      expect(attribute(line(edgeOf[kind]), 'stroke')).toBe(EDGE_STYLES[kind].stroke);
      expect(attribute(line(edgeOf[kind]), 'stroke')).not.toBe(EDGE_STYLES.backprop.stroke);
    }
  });

  it('puts the synthetic-gradient and synthetic-input models on their edges', () => {
    const models = (name: string) =>
      ['model-dni', 'model-cdni', 'model-input'].filter(
        (c) => elementsWithClass(groupMarkup(svg, 'edge', name)!, c).length,
      );
    expect(models(edgeOf.backprop)).toEqual([]);
    expect(models(edgeOf.dni)).toEqual(['model-dni']);
    expect(models(edgeOf.cdni)).toEqual(['model-cdni']);
    expect(models(edgeOf.syntheticInput)).toEqual(['model-input']);
    expect(models(edgeOf.unlock)).toEqual(['model-dni', 'model-input']);
    expect(elementsWithClass(groupMarkup(svg, 'edge', edgeOf.stopGradient)!, 'stop-bar')).toHaveLength(1);
  });

  it('draws delayed edges and self-loops dash-dotted, labelled with their delay', () => {
    for (const name of ['fc3->fc3@1', 'fc3->fc2@2']) {
      const group = groupMarkup(svg, 'edge', name)!;
      expect(group).toContain('edge-delayed');
      expect(attribute(line(name), 'stroke-dasharray')).toBe('9 3 2 3');
    }
    expect(groupMarkup(svg, 'edge', 'fc3->fc3@1')).toContain('Δt=1');
    expect(groupMarkup(svg, 'edge', 'fc3->fc2@2')).toContain('Δt=2');
    expect(groupMarkup(svg, 'edge', 'fc3->fc2@2')).toContain('model-dni');
  });

  it('shows conv shapes on edges and layer lists in nodes', () => {
    expect(groupMarkup(svg, 'edge', 'conv1->conv2')).toContain('[16×14×14]');
    expect(groupMarkup(svg, 'node', 'conv1')).toContain('conv 5×5, 16 same');
  });

  it('has a legend entry for every interface kind and for delays', () => {
    const keys = elementsWithClass(svg, 'legend-item').map((tag) => attribute(tag, 'data-legend'));
    expect(keys).toEqual(LEGEND_ITEMS.map((item) => item.key));
    for (const kind of [...KINDS, 'delayed']) expect(keys).toContain(kind);
  });

  it('describes interface parameters for hover', () => {
    const model = vizModel(network, plan);
    const cdni = model.edges.find((e) => e.name === 'conv2->fc1')!;
    expect(Object.fromEntries(cdni.details)).toMatchObject({
      'SG model': 'MLP 1024-1024 + BN',
      'SG context': 'one-hot label (cDNI)',
      carries: '[1568]',
    });
  });
});

describe('multi-network clusters', () => {
  const network = twoClusterNetwork();
  const plan = validateNetwork(network);
  const model = vizModel(network, plan);
  const layout = layoutNetwork(model);

  it('draws one box per cluster with its clock, holding only its own nodes', () => {
    const svg = renderNetworkSvg(network, plan);
    expect(elementsWithClass(svg, 'cluster')).toHaveLength(2);
    expect(svg).toContain('network A  ·  clock: every 1 tick');
    expect(svg).toContain('network B  ·  clock: every 4 ticks');
    const [a, b] = layout.clusters;
    expect(boxesOverlap(a, b)).toBe(false);
    for (const node of layout.nodes.values()) {
      const home = layout.clusters.find((c) => c.name === node.node.cluster)!;
      expect(node.x).toBeGreaterThanOrEqual(home.x);
      expect(node.y).toBeGreaterThanOrEqual(home.y);
      expect(node.x + node.width).toBeLessThanOrEqual(home.x + home.width);
      expect(node.y + node.height).toBeLessThanOrEqual(home.y + home.height);
    }
  });

  it('stacks a branching column: both heads in one column, one above the other', () => {
    const branching = branchingNetwork();
    const nodes = layoutNetwork(vizModel(branching, validateNetwork(branching))).nodes;
    const [a, b] = [nodes.get('headA')!, nodes.get('headB')!];
    expect(a.column).toBe(b.column);
    expect(a.x).toBe(b.x);
    expect(Math.abs(a.y - b.y)).toBeGreaterThan(a.height);
  });

  it('draws no cluster box for a plain network', () => {
    const plain = allKindsNetwork();
    expect(layoutNetwork(vizModel(plain, validateNetwork(plain))).clusters).toEqual([]);
  });
});
