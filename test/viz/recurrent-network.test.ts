import { describe, expect, it } from 'vitest';
import { type GraphDefinition, resolveParams, validateNetwork } from '../../src/index.ts';
import { exportNetwork } from '../../viz/export-network.ts';
import { boxesOverlap } from '../../viz/geometry.ts';
import { hoverData } from '../../viz/html-page.ts';
import { layoutNetwork } from '../../viz/layout.ts';
import { LEGEND_ITEMS, RECURRENT_LEGEND_ITEMS } from '../../viz/legend.ts';
import { vizModel } from '../../viz/model.ts';
import { renderNetworkSvg } from '../../viz/render-network.ts';
import { allKindsNetwork } from './fixtures/networks.ts';
import { attribute, elementsWithClass, groupMarkup } from './svg-helpers.ts';

const LOOP = 'core->core@1';

async function repeatCopy(set: Record<string, string>) {
  const { default: definition } = (await import('../../graphs/repeat-copy.ts')) as {
    default: GraphDefinition;
  };
  const network = definition.build(resolveParams(definition, set));
  const plan = validateNetwork(network);
  return { network, plan, model: vizModel(network, plan), svg: renderNetworkSvg(network, plan) };
}

const marks = (svg: string) => {
  const loop = groupMarkup(svg, 'edge', LOOP)!;
  return ['stop-bar', 'model-dni', 'aux-tag'].filter((c) => elementsWithClass(loop, c).length > 0);
};

describe('a recurrent module and its state loop', () => {
  it('draws the module with its window T: the layer line and one slot per tick', async () => {
    const { svg, model } = await repeatCopy({ T: '3', units: '256' });
    const core = groupMarkup(svg, 'node', 'core')!;
    expect(core).toContain('LSTM 256 · T=3');
    const marker = elementsWithClass(core, 'window-marker');
    expect(marker).toHaveLength(1);
    expect(attribute(marker[0], 'data-window')).toBe('3');
    expect(elementsWithClass(core, 'window-tick').map((tag) => attribute(tag, 'data-tick'))).toEqual([
      '0',
      '1',
      '2',
    ]);
    // Feed-forward modules get no marker, and the readout's layer line has no T.
    expect(elementsWithClass(groupMarkup(svg, 'node', 'readout')!, 'window-marker')).toEqual([]);
    expect(model.nodes.find((n) => n.id === 'readout')!.window).toBeUndefined();
    expect(Object.fromEntries(model.nodes.find((n) => n.id === 'core')!.details).window).toBe(
      'T = 3 ticks (truncated BPTT window)',
    );
  });

  it('caps the slots of a long window and still spells T out', async () => {
    const { svg } = await repeatCopy({ T: '12' });
    const core = groupMarkup(svg, 'node', 'core')!;
    expect(elementsWithClass(core, 'window-tick')).toHaveLength(6);
    expect(core).toContain('… T=12');
  });

  it('styles the loop by method: a stop bar for BPTT, the SG model for DNI, SG and aux for DNI + Aux', async () => {
    expect(marks((await repeatCopy({ method: 'bptt' })).svg)).toEqual(['stop-bar']);
    expect(marks((await repeatCopy({ method: 'dni' })).svg)).toEqual(['model-dni']);
    expect(marks((await repeatCopy({ method: 'dni-aux' })).svg)).toEqual(['model-dni', 'aux-tag']);
    const { svg } = await repeatCopy({ method: 'dni', T: '4' });
    const open = elementsWithClass(svg, 'state-loop');
    expect(open).toHaveLength(1);
    expect(attribute(open[0], 'data-edge')).toBe('core-&gt;core@1');
    expect(attribute(open[0], 'data-window')).toBe('4');
    expect(groupMarkup(svg, 'edge', LOOP)).toContain('(h, c) [256]  Δt=1 window');
  });

  it('draws the loop above its node, clear of every other node', async () => {
    const { model } = await repeatCopy({ method: 'dni-aux' });
    const layout = layoutNetwork(model);
    const core = layout.nodes.get('core')!;
    const loop = layout.edges.find((e) => e.edge.name === LOOP)!;
    expect(loop.route).toBe('self');
    const { from, to, control1, control2 } = loop.curve;
    for (const p of [from, to]) {
      expect(p.y).toBe(core.y);
      expect(p.x).toBeGreaterThan(core.x);
      expect(p.x).toBeLessThan(core.x + core.width);
    }
    expect(Math.max(control1.y, control2.y)).toBeLessThan(core.y);
    expect(loop.gradientAnchor.y).toBeLessThan(core.y);
    expect(loop.gradientAnchor.y).toBeGreaterThanOrEqual(0);
    // The aux tag sits right of the SG model (auxTag: 16 px off its centre, 28 wide).
    const aux = { x: loop.gradientAnchor.x + 16, y: loop.gradientAnchor.y - 8, width: 28, height: 16 };
    for (const box of layout.nodes.values()) expect(boxesOverlap(aux, box), box.node.id).toBe(false);
  });

  it('puts the method, state, window, scale and γ in the hover data', async () => {
    const { model } = await repeatCopy({
      method: 'dni-aux',
      T: '3',
      units: '64',
      scale: '0.2',
      gamma: '0.5',
    });
    const details = Object.fromEntries(hoverData(model).edges[LOOP]);
    expect(details).toMatchObject({
      edge: 'core → core (state loop)',
      method: 'DNI + Aux (synthetic gradient at the boundary, aux head)',
      carries: '(h, c), [64] each',
      delay: '1 window (T = 3 ticks)',
      interface: 'DNI (synthetic gradient)',
      'SG model': 'linear',
      'SG scale': '0.2',
      'SG bootstrap γ': '0.5',
      'SG aux head': 'yes (DNI + Aux)',
    });
    const bptt = Object.fromEntries(
      (await repeatCopy({ method: 'bptt' })).model.edges.find((e) => e.name === LOOP)!.details,
    );
    expect(bptt.method).toMatch(/^truncated BPTT/);
    expect(bptt['SG scale']).toBeUndefined();
  });

  it('adds the window and aux legend items to recurrent pictures only', async () => {
    const keys = (svg: string) =>
      elementsWithClass(svg, 'legend-item').map((tag) => attribute(tag, 'data-legend'));
    expect(keys((await repeatCopy({})).svg)).toEqual(
      [...LEGEND_ITEMS, ...RECURRENT_LEGEND_ITEMS].map((i) => i.key),
    );
    const plain = allKindsNetwork();
    expect(keys(renderNetworkSvg(plain, validateNetwork(plain)))).toEqual(LEGEND_ITEMS.map((i) => i.key));
  });

  it('keeps the window in GEXF, HTML hover data and graphology JSON', async () => {
    const { network, plan } = await repeatCopy({ method: 'dni-aux', T: '5' });
    const gexf = exportNetwork(network, plan, 'gexf');
    expect(gexf).toContain('<attribute id="window" title="window" type="integer"/>');
    const node = (id: string) => new RegExp(`<node id="${id}".*?</node>`, 's').exec(gexf)?.[0];
    expect(node('core')).toContain('<attvalue for="window" value="5"/>');
    expect(node('readout')).toContain('<attvalue for="window" value="0"/>');
    expect(gexf).toContain('&quot;aux&quot;:true');
    const html = exportNetwork(network, plan, 'html');
    expect(html).toContain('SG aux head');
    expect(html).toContain('window-marker');
    const json = JSON.parse(exportNetwork(network, plan, 'json'));
    const core = json.nodes.find((n: { key: string }) => n.key === 'core');
    expect(core.attributes.window).toBe(5);
  });
});
