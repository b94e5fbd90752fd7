/**
 * The drawing model: what a picture of a network shows, read from the graph and its validation plan
 * through the public API only. Layout and rendering work on this, never on graphology directly.
 */
import type {
  DniSpec,
  InterfaceSpec,
  LayerSpec,
  Network,
  NetworkPlan,
  NodeSpec,
  OptimizerSpec,
  Shape,
  SyntheticModelSpec,
} from '../src/index.ts';
import {
  loopGradientDetails,
  type StateLoop,
  stateLoopDetails,
  stateLoopOf,
  stateUnits,
  windowOf,
} from './recurrent-model.ts';

/** How an interface is drawn; cDNI (a DNI with label context) is told apart from plain DNI. */
export type EdgeStyleKind =
  | 'backprop'
  | 'stopGradient'
  | 'dni'
  | 'cdni'
  | 'syntheticInput'
  | 'unlock'
  | 'staleGradient';

export interface VizNode {
  id: string;
  kind: NodeSpec['kind'];
  cluster: string;
  /** One short line per layer (modules), or the dataset / loss kind. */
  lines: string[];
  /** Per-sample output shape ([] for a loss). */
  shape: Shape;
  /** Hover details, in display order. */
  details: [string, string][];
  /** A recurrent module's truncation window T, in ticks (drawn as T slots under its layers). */
  window?: number;
}

export interface VizEdge {
  /** The graphology edge key. */
  key: string;
  /** `source->target`, with `@delay` appended for a delayed edge (what metrics and messages name). */
  name: string;
  source: string;
  target: string;
  style: EdgeStyleKind;
  delay: number;
  /** Shape of the activation the edge carries (the source's output shape). */
  shape: Shape;
  /** Which model nodes sit on the edge: a synthetic-gradient model M (cDNI when `context`), an input model I. */
  gradientModel?: { context: boolean };
  inputModel?: boolean;
  /** A recurrent module's state loop: (h, c) crossing one window, drawn with its method's marks. */
  stateLoop?: StateLoop;
  details: [string, string][];
}

export interface VizCluster {
  name: string;
  /** Ticks between steps of this cluster's clock, when the graph says so. */
  clock?: number;
}

export interface VizModel {
  name: string;
  nodes: VizNode[];
  edges: VizEdge[];
  /** Clusters in order of first appearance; a single unnamed cluster for a plain network. */
  clusters: VizCluster[];
  /** Node order from validation: every zero-delay edge points forward in it. */
  order: string[];
}

export const DEFAULT_CLUSTER = '';

export function edgeName(source: string, target: string, delay: number): string {
  return delay > 0 ? `${source}->${target}@${delay}` : `${source}->${target}`;
}

export function formatShape(shape: Shape): string {
  return shape.length === 0 ? 'scalar' : `[${shape.join('×')}]`;
}

export function describeLayer(layer: LayerSpec): string {
  switch (layer.kind) {
    case 'linear':
      return `linear ${layer.units}${layer.bias === false ? ' (no bias)' : ''}`;
    case 'batchNorm':
      return 'batch norm';
    case 'conv2d': {
      const pad =
        layer.padding === undefined ? '' : layer.padding === 'same' ? ' same' : ` p${layer.padding}`;
      return `conv ${layer.kernel}×${layer.kernel}, ${layer.filters}${layer.stride ? ` s${layer.stride}` : ''}${pad}`;
    }
    case 'lstm':
      return `LSTM ${layer.units}`;
    case 'maxPool2d':
    case 'avgPool2d':
      return `${layer.kind === 'maxPool2d' ? 'max' : 'avg'} pool ${layer.kernel}${layer.stride ? ` s${layer.stride}` : ''}`;
    default:
      return layer.kind;
  }
}

export function describeSyntheticModel(model: SyntheticModelSpec): string {
  if (model === 'linear') return 'linear';
  if (model === 'conv') return 'conv (same shape)';
  if ('hidden' in model) return `MLP ${model.hidden.join('-')}${model.batchNorm ? ' + BN' : ''}`;
  return `conv stack ×${model.convLayers}${model.channels ? `, ${model.channels} ch` : ''}${model.kernel ? `, ${model.kernel}×${model.kernel}` : ''}`;
}

function describeOptimizer(optimizer: OptimizerSpec | undefined): string {
  if (!optimizer) return 'shared with the module';
  return `${optimizer.kind} lr ${optimizer.lr}${optimizer.momentum ? ` momentum ${optimizer.momentum}` : ''}`;
}

export function styleOf(iface: InterfaceSpec): EdgeStyleKind {
  if (iface.kind === 'dni') return iface.context === 'label' ? 'cdni' : 'dni';
  return iface.kind;
}

function gradientDetails(spec: DniSpec, prefix: string): [string, string][] {
  return [
    [`${prefix}model`, describeSyntheticModel(spec.model)],
    [`${prefix}context`, spec.context === 'label' ? 'one-hot label (cDNI)' : 'none'],
    [`${prefix}scale`, String(spec.scale)],
    [`${prefix}optimizer`, describeOptimizer(spec.optimizer)],
  ];
}

const INTERFACE_TITLES: Record<EdgeStyleKind, string> = {
  backprop: 'backprop (locked)',
  stopGradient: 'stop gradient',
  dni: 'DNI (synthetic gradient)',
  cdni: 'cDNI (synthetic gradient, label context)',
  syntheticInput: 'synthetic input',
  unlock: 'complete unlock (synthetic gradient + input)',
  staleGradient: 'stale gradients (per-example table)',
};

export function interfaceTitle(style: EdgeStyleKind): string {
  return INTERFACE_TITLES[style];
}

function interfaceDetails(iface: InterfaceSpec): [string, string][] {
  switch (iface.kind) {
    case 'dni':
      return gradientDetails(iface, 'SG ');
    case 'syntheticInput':
      return [
        ['input model', describeSyntheticModel(iface.model)],
        ['input optimizer', describeOptimizer(iface.optimizer)],
      ];
    case 'unlock':
      return [
        ...gradientDetails(iface.gradient, 'SG '),
        ['input model', describeSyntheticModel(iface.input.model)],
        ['input optimizer', describeOptimizer(iface.input.optimizer)],
      ];
    case 'staleGradient':
      return [
        ['decay', String(iface.decay)],
        ['target', iface.target === 'true' ? 'true gradient (locked baseline)' : 'bootstrapped (unlocked)'],
      ];
    default:
      return [];
  }
}

function nodeLines(spec: NodeSpec): string[] {
  const window = windowOf(spec);
  if (spec.kind === 'module')
    return spec.layers.map((layer) =>
      window !== undefined && layer.kind === 'lstm'
        ? `${describeLayer(layer)} · T=${window}`
        : describeLayer(layer),
    );
  if (spec.kind === 'source') return [`${spec.dataset}${spec.classes ? `, ${spec.classes} classes` : ''}`];
  return [spec.loss];
}

function nodeDetails(spec: NodeSpec, shape: Shape): [string, string][] {
  const details: [string, string][] = [['kind', spec.kind]];
  if (spec.kind === 'source') {
    details.push(['dataset', spec.dataset], ['shape', formatShape(spec.shape)]);
    if (spec.classes !== undefined) details.push(['classes', String(spec.classes)]);
  } else if (spec.kind === 'module') {
    spec.layers.forEach((layer, i) => {
      details.push([`layer ${i + 1}`, describeLayer(layer)]);
    });
    const window = windowOf(spec);
    if (window !== undefined)
      details.push(['window', `T = ${window} tick${window === 1 ? '' : 's'} (truncated BPTT window)`]);
    details.push(['output', formatShape(shape)]);
    if (spec.pUpdate !== undefined) details.push(['p(update)', String(spec.pUpdate)]);
  } else {
    details.push(['loss', spec.loss]);
  }
  if (spec.cluster) details.push(['cluster', spec.cluster]);
  return details;
}

/** Reads what to draw from a validated network (`plan` is `validateNetwork(network)`). */
export function vizModel(network: Network, plan: NetworkPlan): VizModel {
  const clocks = network.getAttribute('clocks') ?? {};
  const clusterNames: string[] = [];
  const nodes: VizNode[] = plan.order.map((id) => {
    const spec = network.getNodeAttributes(id);
    const cluster = spec.cluster ?? DEFAULT_CLUSTER;
    if (!clusterNames.includes(cluster)) clusterNames.push(cluster);
    const shape = plan.outputShapes.get(id) ?? [];
    const window = windowOf(spec);
    return {
      id,
      kind: spec.kind,
      cluster,
      lines: nodeLines(spec),
      shape,
      details: nodeDetails(spec, shape),
      ...(window === undefined ? {} : { window }),
    };
  });
  const edges: VizEdge[] = network.mapEdges((key, attrs, source, target) => {
    const style = styleOf(attrs.interface);
    const iface = attrs.interface;
    const gradient = iface.kind === 'dni' ? iface : iface.kind === 'unlock' ? iface.gradient : undefined;
    const shape = plan.outputShapes.get(source) ?? [];
    const sourceSpec = network.getNodeAttributes(source);
    const loop = stateLoopOf(source, target, attrs.delay, iface, sourceSpec);
    const generic: [string, string][] = [
      ['edge', `${source} → ${target}`],
      ['interface', interfaceTitle(style)],
      ['carries', formatShape(shape)],
      ['delay', attrs.delay > 0 ? `${attrs.delay} tick${attrs.delay > 1 ? 's' : ''}` : 'none'],
    ];
    return {
      key,
      name: edgeName(source, target, attrs.delay),
      source,
      target,
      style,
      delay: attrs.delay,
      shape,
      gradientModel: gradient ? { context: gradient.context === 'label' } : undefined,
      inputModel: iface.kind === 'syntheticInput' || iface.kind === 'unlock',
      ...(loop ? { stateLoop: loop } : {}),
      details: loop
        ? [
            ...stateLoopDetails(source, iface, loop, stateUnits(sourceSpec)),
            ['interface', interfaceTitle(style)],
            ...interfaceDetails(iface),
            ...loopGradientDetails(iface, loop),
          ]
        : [...generic, ...interfaceDetails(iface)],
    };
  });
  return {
    name: network.getAttribute('name'),
    nodes,
    edges,
    clusters: clusterNames.map((name) =>
      clocks[name] === undefined ? { name } : { name, clock: clocks[name] },
    ),
    order: plan.order,
  };
}
