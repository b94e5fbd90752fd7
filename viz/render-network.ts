/** A network as a standalone SVG string: clusters, edges with their model nodes, nodes, a legend. */
import type { Network, NetworkPlan } from '../src/index.ts';
import { arrowMarkers, edgeLine, modelNode, stopBar } from './edge-marks.ts';
import { NODE_COLORS } from './edge-styles.ts';
import { cubicPath, pointAt, tAtX, tangentAt } from './geometry.ts';
import {
  type ClusterLayout,
  type EdgeLayout,
  layoutNetwork,
  MAX_LINES,
  type NetworkLayout,
  type NodeLayout,
} from './layout.ts';
import { legend, legendItems, legendSize } from './legend.ts';
import { formatShape, type VizModel, vizModel } from './model.ts';
import { auxTag, windowMarker } from './recurrent-marks.ts';
import { el, label, svgRoot, truncate } from './svg.ts';

export interface NetworkSvgOptions {
  /** Heading above the picture, e.g. the graph name with its parameters. */
  title?: string;
}

const TITLE_ROOM = 40;

function renderNode(layout: NodeLayout): string {
  const { node } = layout;
  const colors = NODE_COLORS[node.kind];
  const shown = node.lines.slice(0, MAX_LINES);
  if (node.lines.length > MAX_LINES) shown[MAX_LINES - 1] = `+ ${node.lines.length - MAX_LINES + 1} more`;
  return el(
    'g',
    {
      class: `node node-${node.kind}`,
      'data-node': node.id,
      transform: `translate(${layout.x},${layout.y})`,
    },
    el('rect', {
      width: layout.width,
      height: layout.height,
      rx: node.kind === 'module' ? 5 : 14,
      fill: colors.fill,
      stroke: colors.stroke,
      'stroke-width': 1.6,
    }),
    label(10, 17, truncate(node.id, layout.width - 20, 12.5), {
      class: 'node-title',
      'font-size': 12.5,
      'font-weight': 'bold',
      fill: '#1a1a1a',
    }),
    shown.map((line, i) =>
      label(10, 34 + i * 14, truncate(line, layout.width - 20, 10.5), { 'font-size': 10.5, fill: '#555' }),
    ),
    node.window !== undefined && windowMarker(10, 30 + shown.length * 14, node.window),
  );
}

/** The edge's label: its tensor shape and delay; a state loop says it carries (h, c) across a window. */
function edgeText(layout: EdgeLayout): string {
  const { edge } = layout;
  if (edge.stateLoop) return `(h, c) ${formatShape(edge.shape)}  Δt=1 window`;
  return formatShape(edge.shape) + (edge.delay > 0 ? `  Δt=${edge.delay}` : '');
}

function renderEdge(layout: EdgeLayout): string {
  const { edge, curve } = layout;
  const marks: string[] = [];
  if (edge.style === 'stopGradient') {
    // On a state loop the bar sits where a DNI loop's SG model would: at the boundary, off the label.
    const t = layout.route === 'forward' ? tAtX(curve, layout.gradientAnchor.x) : edge.stateLoop ? 0.3 : 0.5;
    marks.push(stopBar(pointAt(curve, t), tangentAt(curve, t)));
  }
  if (edge.gradientModel)
    marks.push(modelNode(layout.gradientAnchor, edge.gradientModel.context ? 'cdni' : 'dni'));
  if (edge.stateLoop?.aux) marks.push(auxTag(layout.gradientAnchor));
  if (edge.inputModel) marks.push(modelNode(layout.inputAnchor, 'input'));
  return el(
    'g',
    {
      class: `edge edge-${edge.style}${edge.delay > 0 ? ' edge-delayed' : ''}${edge.stateLoop ? ' state-loop' : ''}`,
      'data-edge': edge.name,
      'data-kind': edge.style,
      'data-delay': edge.delay,
      'data-window': edge.stateLoop?.window,
    },
    // A wide invisible stroke makes thin edges easy to hover in the HTML page.
    el('path', {
      class: 'edge-hit',
      d: cubicPath(curve),
      fill: 'none',
      stroke: 'transparent',
      'stroke-width': 14,
    }),
    edgeLine(curve, edge.style, edge.delay),
    marks,
    label(layout.labelAnchor.x, layout.labelAnchor.y, edgeText(layout), {
      class: 'edge-shape',
      'text-anchor': 'middle',
      'font-size': 10.5,
      fill: '#555',
    }),
  );
}

function renderCluster(cluster: ClusterLayout): string {
  const clock =
    cluster.clock === undefined
      ? ''
      : `  ·  clock: every ${cluster.clock} tick${cluster.clock === 1 ? '' : 's'}`;
  return el(
    'g',
    { class: 'cluster', 'data-cluster': cluster.name },
    el('rect', {
      x: cluster.x,
      y: cluster.y,
      width: cluster.width,
      height: cluster.height,
      rx: 10,
      fill: '#f7f7fb',
      stroke: '#8a8aa8',
      'stroke-dasharray': '4 3',
    }),
    label(cluster.x + 12, cluster.y + 18, `${cluster.name || '(default)'}${clock}`, {
      class: 'cluster-label',
      'font-size': 12,
      'font-weight': 'bold',
      fill: '#4a4a6a',
    }),
  );
}

/** Renders an already laid-out model; `renderNetworkSvg` is the usual entry point. */
export function renderLayoutSvg(
  model: VizModel,
  layout: NetworkLayout,
  options: NetworkSvgOptions = {},
): string {
  const width = Math.max(layout.width, 560);
  const items = legendItems(model);
  const legendBox = legendSize(width - 40, items);
  const height = TITLE_ROOM + layout.height + legendBox.height + 20;
  return svgRoot(
    width,
    height,
    { class: 'dniflow-network', 'data-network': model.name },
    el('defs', {}, arrowMarkers()),
    el('rect', { class: 'background', width, height, fill: '#ffffff' }),
    label(20, 26, options.title ?? model.name, {
      class: 'title',
      'font-size': 16,
      'font-weight': 'bold',
      fill: '#222',
    }),
    el(
      'g',
      { class: 'viewport' },
      el(
        'g',
        { class: 'drawing', transform: `translate(0,${TITLE_ROOM})` },
        el('g', { class: 'clusters' }, layout.clusters.map(renderCluster)),
        el('g', { class: 'edges' }, layout.edges.map(renderEdge)),
        el('g', { class: 'nodes' }, [...layout.nodes.values()].map(renderNode)),
      ),
    ),
    legend(20, TITLE_ROOM + layout.height, width - 40, items),
  );
}

export function renderNetworkSvg(
  network: Network,
  plan: NetworkPlan,
  options: NetworkSvgOptions = {},
): string {
  const model = vizModel(network, plan);
  return renderLayoutSvg(model, layoutNetwork(model), options);
}
