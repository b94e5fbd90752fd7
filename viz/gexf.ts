/**
 * A small GEXF 1.3 writer (gexf.net/1.3): nodes and edges with their specs as attributes, plus the
 * layered layout's positions and the interface colours, so Gephi opens the picture as drawn.
 * Written here rather than taken from npm: it is a few dozen lines and needs no XML library.
 */
import { EDGE_STYLES, NODE_COLORS } from './edge-styles.ts';
import type { NetworkLayout } from './layout.ts';
import { formatShape, interfaceTitle, type VizModel } from './model.ts';
import { escapeXml, num } from './svg.ts';

function rgb(hex: string): string {
  const value = Number.parseInt(hex.slice(1), 16);
  return `r="${(value >> 16) & 255}" g="${(value >> 8) & 255}" b="${value & 255}"`;
}

function attvalues(values: Record<string, string | number>): string {
  const items = Object.entries(values).map(
    ([key, value]) => `<attvalue for="${key}" value="${escapeXml(String(value))}"/>`,
  );
  return `<attvalues>${items.join('')}</attvalues>`;
}

const NODE_ATTRIBUTES: [string, string][] = [
  ['kind', 'string'],
  ['cluster', 'string'],
  ['layers', 'string'],
  ['shape', 'string'],
  // A recurrent module's truncation window T in ticks; 0 for every other node.
  ['window', 'integer'],
];
const EDGE_ATTRIBUTES: [string, string][] = [
  ['interface', 'string'],
  ['delay', 'integer'],
  ['shape', 'string'],
  ['spec', 'string'],
];

function declare(kind: 'node' | 'edge', attributes: [string, string][]): string {
  const items = attributes.map(([id, type]) => `<attribute id="${id}" title="${id}" type="${type}"/>`);
  return `<attributes class="${kind}">${items.join('')}</attributes>`;
}

/** `specs` maps an edge key to its interface spec (kept verbatim, as JSON, in the `spec` attribute). */
export function networkToGexf(model: VizModel, layout: NetworkLayout, specs: Map<string, unknown>): string {
  const nodes = model.nodes.map((node) => {
    const box = layout.nodes.get(node.id)!;
    return (
      `<node id="${escapeXml(node.id)}" label="${escapeXml(node.id)}">` +
      attvalues({
        kind: node.kind,
        cluster: node.cluster,
        layers: node.kind === 'module' ? node.lines.join('; ') : '',
        shape: formatShape(node.shape),
        window: node.window ?? 0,
      }) +
      `<viz:color ${rgb(NODE_COLORS[node.kind].stroke)}/>` +
      `<viz:position x="${num(box.x + box.width / 2)}" y="${num(-(box.y + box.height / 2))}" z="0"/>` +
      `<viz:size value="${num(box.height / 2)}"/></node>`
    );
  });
  const edges = model.edges.map(
    (edge) =>
      `<edge id="${escapeXml(edge.key)}" source="${escapeXml(edge.source)}" target="${escapeXml(edge.target)}" label="${escapeXml(interfaceTitle(edge.style))}">` +
      attvalues({
        interface: edge.style,
        delay: edge.delay,
        shape: formatShape(edge.shape),
        spec: JSON.stringify(specs.get(edge.key) ?? null),
      }) +
      `<viz:color ${rgb(EDGE_STYLES[edge.style].stroke)}/>` +
      `<viz:thickness value="${EDGE_STYLES[edge.style].width}"/></edge>`,
  );
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    '<gexf xmlns="http://gexf.net/1.3" xmlns:viz="http://gexf.net/1.3/viz" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:schemaLocation="http://gexf.net/1.3 http://gexf.net/1.3/gexf.xsd" version="1.3">',
    `<meta><creator>dniflow</creator><description>${escapeXml(model.name)}</description></meta>`,
    '<graph defaultedgetype="directed" mode="static">',
    declare('node', NODE_ATTRIBUTES),
    declare('edge', EDGE_ATTRIBUTES),
    `<nodes>${nodes.join('\n')}</nodes>`,
    `<edges>${edges.join('\n')}</edges>`,
    '</graph>',
    '</gexf>',
    '',
  ].join('\n');
}
