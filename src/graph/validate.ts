import type { Shape } from '../tensor/tensor.ts';
import { checkClocks } from './clocks.ts';
import { INTERFACE_KINDS, type InterfaceSpec, type SyntheticModelSpec } from './interfaces.ts';
import { layerOutputShape } from './layers.ts';
import type { Network, NodeSpec } from './network.ts';
import { checkRecurrent, recurrentUnits } from './recurrent.ts';
import { checkStaleGradients } from './stale-gradient.ts';

/** What validation learns about a well-formed network: an execution order and every tensor shape. */
export interface NetworkPlan {
  /** Nodes in an order where every zero-delay edge points forward. */
  order: string[];
  /** Per-sample output shape of each source and module (a loss outputs a scalar: []). */
  outputShapes: Map<string, Shape>;
  /** The source whose labels the losses (and label contexts) use, if any. */
  labelSource?: string;
}

function fail(network: Network, why: string): never {
  throw new Error(`dniflow/graph: network '${network.getAttribute('name')}': ${why}`);
}

function checkSyntheticModel(network: Network, edge: string, model: SyntheticModelSpec): void {
  if (model === 'linear' || model === 'conv') return;
  if (typeof model === 'object' && model !== null) {
    if (
      'hidden' in model &&
      Array.isArray(model.hidden) &&
      model.hidden.every((h) => Number.isInteger(h) && h > 0)
    )
      return;
    if ('convLayers' in model && Number.isInteger(model.convLayers) && model.convLayers > 0) {
      const { channels, kernel } = model;
      if (channels !== undefined && !(Number.isInteger(channels) && channels > 0))
        fail(
          network,
          `edge ${edge} has a conv synthetic model with ${channels} channels; use a positive integer`,
        );
      // "Same" padding (k − 1)/2 keeps the activation's height and width only for an odd kernel.
      if (kernel !== undefined && !(Number.isInteger(kernel) && kernel > 0 && kernel % 2 === 1))
        fail(network, `edge ${edge} has a conv synthetic model with kernel ${kernel}; it must be odd`);
      return;
    }
  }
  fail(network, `edge ${edge} has an unknown synthetic model ${JSON.stringify(model)}`);
}

const isConvModel = (model: SyntheticModelSpec): boolean =>
  model === 'conv' || (typeof model === 'object' && 'convLayers' in model);

/**
 * A conv synthetic model ("same"-shaped, paper §3.1) maps [C, H, W] to [C', H, W]: a synthetic
 * gradient model needs a conv activation, a synthetic-input model also a network input of the same H × W.
 */
function checkConvModels(network: Network, shapes: Map<string, Shape>, input: Shape): void {
  network.forEachEdge((edge, attrs, source) => {
    const iface = attrs.interface;
    const activation = shapes.get(source)!;
    const gradient = iface.kind === 'dni' ? iface : iface.kind === 'unlock' ? iface.gradient : undefined;
    const synthetic =
      iface.kind === 'syntheticInput' ? iface : iface.kind === 'unlock' ? iface.input : undefined;
    if (gradient && isConvModel(gradient.model) && activation.length !== 3) {
      fail(
        network,
        `edge ${edgeLabel(network, edge)} has a conv synthetic-gradient model on a flat activation [${activation.join(', ')}]; use 'linear' or an MLP`,
      );
    }
    if (
      synthetic &&
      isConvModel(synthetic.model) &&
      (activation.length !== 3 || input.length !== 3 || activation.slice(1).join() !== input.slice(1).join())
    ) {
      fail(
        network,
        `edge ${edgeLabel(network, edge)} has a conv synthetic-input model, which needs the input [${input.join(', ')}] and the activation [${activation.join(', ')}] to be [C, H, W] of the same height and width`,
      );
    }
  });
}

/**
 * Sparse updates (paper §3.1): a module that skips a step neither updates nor backpropagates. If its
 * input edge passes the receiver's own gradient back (backprop; a synthetic input, which leaves the
 * backward pass locked; or stale gradients with the true target, which wait for the true gradient),
 * the sending module waits for a gradient that never comes.
 */
function checkSparseUpdates(network: Network): void {
  network.forEachNode((node, spec) => {
    if (spec.kind !== 'module' || spec.pUpdate === undefined || spec.pUpdate >= 1) return;
    network.forEachInEdge(node, (edge, attrs, source) => {
      const iface = attrs.interface;
      const kind = iface.kind === 'staleGradient' ? `staleGradient, target '${iface.target}'` : iface.kind;
      if (network.getNodeAttribute(source, 'kind') !== 'module') return;
      const locked =
        iface.kind === 'backprop' ||
        iface.kind === 'syntheticInput' ||
        (iface.kind === 'staleGradient' && iface.target === 'true');
      if (!locked) return;
      fail(
        network,
        `module '${node}' has pUpdate ${spec.pUpdate}, but its input edge ${edgeLabel(network, edge)} is locked (${kind}): on a step '${node}' skips it sends no gradient back and '${source}' would wait forever; put dni() or stopGradient() on the edge, or drop pUpdate`,
      );
    });
  });
}

function checkInterface(network: Network, edge: string, iface: InterfaceSpec): void {
  const kind = (iface as { kind?: unknown })?.kind;
  if (!INTERFACE_KINDS.includes(kind as InterfaceSpec['kind'])) {
    fail(
      network,
      `edge ${edge} has an unknown interface kind '${String(kind)}' (known: ${INTERFACE_KINDS.join(', ')})`,
    );
  }
  if (iface.kind === 'dni' || iface.kind === 'syntheticInput')
    checkSyntheticModel(network, edge, iface.model);
  if (iface.kind === 'unlock') {
    if (iface.gradient?.kind !== 'dni' || iface.input?.kind !== 'syntheticInput')
      fail(network, `edge ${edge} has an unlock interface without a dni gradient and a syntheticInput input`);
    checkSyntheticModel(network, edge, iface.gradient.model);
    checkSyntheticModel(network, edge, iface.input.model);
  }
}

function edgeLabel(network: Network, edge: string): string {
  return `${network.source(edge)} -> ${network.target(edge)}`;
}

/** Kahn's algorithm over zero-delay edges; a leftover node lies on (or behind) an undelayed cycle. */
function topologicalOrder(network: Network): string[] {
  const indegree = new Map<string, number>();
  network.forEachNode((node) => indegree.set(node, 0));
  network.forEachEdge((_edge, attrs, _source, target) => {
    if (attrs.delay === 0) indegree.set(target, (indegree.get(target) ?? 0) + 1);
  });
  const ready = [...indegree].filter(([, d]) => d === 0).map(([node]) => node);
  const order: string[] = [];
  while (ready.length > 0) {
    const node = ready.shift()!;
    order.push(node);
    network.forEachOutEdge(node, (_edge, attrs, _source, target) => {
      if (attrs.delay !== 0) return;
      const left = indegree.get(target)! - 1;
      indegree.set(target, left);
      if (left === 0) ready.push(target);
    });
  }
  if (order.length < network.order) {
    const stuck = network.filterNodes((node) => !order.includes(node));
    fail(network, `cycle with no time delay through ${stuck.join(', ')} (give one of its edges delay >= 1)`);
  }
  return order;
}

function inputShapeOf(network: Network, node: string, shapes: Map<string, Shape>): Shape {
  const inputs = network.filterInEdges(node, (_e, attrs) => attrs.delay === 0);
  if (inputs.length !== 1) {
    fail(
      network,
      `node '${node}' has ${inputs.length} undelayed inputs; modules and losses take exactly one`,
    );
  }
  return shapes.get(network.source(inputs[0]))!;
}

/**
 * The classes a loss compares with: its named target stream's (which some source must provide), or
 * the label source's.
 */
function lossClasses(network: Network, node: string, labels?: number): number | undefined {
  const spec = network.getNodeAttributes(node);
  if (spec.kind !== 'loss') return labels;
  if (spec.every !== undefined && !(Number.isInteger(spec.every) && spec.every >= 1))
    fail(network, `loss '${node}' fires every ${spec.every} ticks; it must be an integer >= 1`);
  if (spec.target === undefined) return labels;
  for (const source of network.filterNodes((_n, s) => s.kind === 'source')) {
    const targets = network.getNodeAttributes(source);
    const classes = targets.kind === 'source' ? targets.targets?.[spec.target] : undefined;
    if (classes !== undefined) return classes;
  }
  return fail(
    network,
    `loss '${node}' compares with target stream '${spec.target}', which no source provides`,
  );
}

function outputShape(network: Network, node: string, spec: NodeSpec, input: Shape, classes?: number): Shape {
  if (spec.kind === 'module') {
    return spec.layers.reduce<Shape>(
      (shape, layer, i) => layerOutputShape(layer, shape, `module '${node}' layer ${i}`),
      input,
    );
  }
  // Losses: predictions must match the label width.
  if (spec.kind === 'loss' && spec.loss === 'softmaxCrossEntropy' && classes !== undefined) {
    if (input.length !== 1 || input[0] !== classes) {
      fail(
        network,
        `shape mismatch at loss '${node}': expects [${classes}] logits, got [${input.join(', ')}]`,
      );
    }
  }
  return [];
}

/** Checks a network before any training; every error names the node or edge at fault. */
export function validateNetwork(network: Network): NetworkPlan {
  const seenPairs = new Set<string>();
  network.forEachEdge((edge, attrs, source, target) => {
    const label = edgeLabel(network, edge);
    checkInterface(network, label, attrs.interface);
    // A synthetic input stands in for a module's input (paper §2): a loss has no forward to unlock.
    const synthesises = attrs.interface.kind === 'syntheticInput' || attrs.interface.kind === 'unlock';
    if (synthesises && network.getNodeAttributes(target).kind !== 'module')
      fail(
        network,
        `edge ${label} has a ${attrs.interface.kind} interface, but '${target}' is not a module: only a module's input can be synthesised`,
      );
    if (!Number.isInteger(attrs.delay) || attrs.delay < 0) {
      fail(network, `edge ${label} has a bad delay ${attrs.delay}`);
    }
    const key = `${source}\u0000${target}\u0000${attrs.delay}`;
    if (seenPairs.has(key)) fail(network, `duplicate edge ${label} (delay ${attrs.delay})`);
    seenPairs.add(key);
  });

  const sources = network.filterNodes((_n, spec) => spec.kind === 'source');
  const losses = network.filterNodes((_n, spec) => spec.kind === 'loss');
  if (sources.length === 0) fail(network, 'has no data source');
  if (losses.length === 0) fail(network, 'has no loss');
  network.forEachNode((node, spec) => {
    if (spec.kind !== 'source' && network.inDegree(node) === 0)
      fail(network, `node '${node}' is dangling: no input`);
    if (spec.kind !== 'loss' && network.outDegree(node) === 0)
      fail(network, `node '${node}' is dangling: no output`);
    if (spec.kind === 'module') {
      if (!Array.isArray(spec.layers)) fail(network, `module '${node}' has no layer list`);
      spec.layers.forEach((layer, i) => {
        if (typeof layer !== 'object' || layer === null)
          fail(network, `module '${node}' layer ${i} is ${String(layer)}, not a layer spec`);
      });
    }
    if (spec.kind === 'module' && spec.pUpdate !== undefined && !(spec.pUpdate > 0 && spec.pUpdate <= 1)) {
      fail(network, `module '${node}' has pUpdate ${spec.pUpdate}; it must lie in (0, 1]`);
    }
    if (
      spec.kind === 'source' &&
      !(Array.isArray(spec.shape) && spec.shape.every((d) => Number.isInteger(d) && d >= 1))
    ) {
      fail(network, `source '${node}' has shape [${spec.shape}]; every dimension must be a positive integer`);
    }
    if (
      spec.kind === 'source' &&
      spec.examples !== undefined &&
      !(Number.isInteger(spec.examples) && spec.examples > 0)
    ) {
      fail(network, `source '${node}' has examples ${spec.examples}; it must be a positive integer`);
    }
  });

  checkSparseUpdates(network);
  checkClocks(network, (why) => fail(network, why));

  const labelSource = sources.find((s) => {
    const spec = network.getNodeAttributes(s);
    return spec.kind === 'source' && spec.classes !== undefined;
  });
  const classesSpec = labelSource ? network.getNodeAttributes(labelSource) : undefined;
  const classes = classesSpec?.kind === 'source' ? classesSpec.classes : undefined;

  network.forEachEdge((edge, attrs) => {
    const iface = attrs.interface;
    const context =
      iface.kind === 'dni' ? iface.context : iface.kind === 'unlock' ? iface.gradient.context : undefined;
    if (context === 'label' && classes === undefined) {
      fail(network, `edge ${edgeLabel(network, edge)} asks for label context, but no data source has labels`);
    }
  });

  const order = topologicalOrder(network);
  const outputShapes = new Map<string, Shape>();
  for (const node of order) {
    const spec = network.getNodeAttributes(node);
    if (spec.kind === 'source') {
      outputShapes.set(node, spec.shape);
      continue;
    }
    const input = inputShapeOf(network, node, outputShapes);
    outputShapes.set(node, outputShape(network, node, spec, input, lossClasses(network, node, classes)));
  }
  // The network input x that synthetic inputs read is the first source's (as the runtime feeds it).
  const firstSource = order.find((node) => network.getNodeAttribute(node, 'kind') === 'source')!;
  checkConvModels(network, outputShapes, outputShapes.get(firstSource)!);
  checkStaleGradients(
    network,
    outputShapes,
    firstSource,
    (why) => fail(network, why),
    (edge) => edgeLabel(network, edge),
  );
  checkRecurrent(network, outputShapes, (why) => fail(network, why));
  // A delayed edge carries last tick's activation; its shape must still match the receiver (a
  // recurrent module's state loop carries its state instead: checked above).
  network.forEachEdge((edge, attrs, source, target) => {
    if (attrs.delay === 0) return;
    if (source === target && recurrentUnits(network, source) !== null) return;
    const targetSpec = network.getNodeAttributes(target);
    const undelayed = network.filterInEdges(target, (_e, a) => a.delay === 0);
    if (targetSpec.kind === 'module' && undelayed.length === 1) {
      const expected = outputShapes.get(network.source(undelayed[0]))!;
      const got = outputShapes.get(source)!;
      if (expected.join(',') !== got.join(',')) {
        fail(
          network,
          `shape mismatch on delayed edge ${edgeLabel(network, edge)}: [${got}] vs [${expected}]`,
        );
      }
    }
  });
  return { order, outputShapes, labelSource };
}
