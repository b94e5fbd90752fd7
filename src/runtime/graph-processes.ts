import { instantiateModule } from '../graph/instantiate.ts';
import type { Network } from '../graph/network.ts';
import type { NetworkPlan } from '../graph/validate.ts';
import { createOptimizer, MODULE_MOMENTUM, type OptimizerSpec } from '../nn/optim/create.ts';
import type { BatchContext } from '../operators/messages.ts';
import type { Prng } from '../tensor/prng.ts';
import type { Tensor } from '../tensor/tensor.ts';
import type { Edge } from './graph-edges.ts';
import { LossProcess } from './loss-process.ts';
import { ModuleCompute } from './module-compute.ts';
import { ModuleProcess } from './module-process.ts';
import type { Work } from './partition.ts';

const edgeLabel = (network: Network, edge: string) => `${network.source(edge)}->${network.target(edge)}`;

/**
 * Refuses, before anything is built, what this runtime cannot run yet, rather than ignoring it:
 * several sources, a loss without labels to compare with, time-delayed edges, clocks.
 */
export function checkRuntimeSupport(network: Network, plan: NetworkPlan): void {
  const name = network.getAttribute('name');
  const sources = network.filterNodes((_n, spec) => spec.kind === 'source');
  if (sources.length !== 1 || sources[0] !== plan.order[0])
    throw new Error(`dniflow/runtime: network '${name}' needs exactly one source, first in order`);
  const source = network.getNodeAttributes(sources[0]);
  network.forEachNode((node, spec) => {
    if (spec.kind === 'loss' && (source.kind !== 'source' || source.classes === undefined))
      throw new Error(
        `dniflow/runtime: loss '${node}' needs labels, and source '${sources[0]}' declares no classes`,
      );
  });
  network.forEachEdge((_key, attrs, source, target) => {
    if (attrs.delay !== 0) {
      throw new Error(
        `dniflow/runtime: edge ${source} -> ${target} has a time delay; recurrent edges need the recurrent runtime`,
      );
    }
  });
  for (const [cluster, period] of Object.entries(network.getAttribute('clocks') ?? {})) {
    if (period !== 1)
      throw new Error(
        `dniflow/runtime: cluster '${cluster}' has a clock of period ${period}; clocks other than 1 are not supported yet`,
      );
  }
}

/**
 * Every module's process (its layers from `prng.stream(<module>)`, the streams the plain backprop
 * engine uses, so both start from identical parameters) and every loss's process, in plan order.
 * `hosted` picks the nodes to build (a worker builds only its own).
 */
export function buildProcesses(
  network: Network,
  plan: NetworkPlan,
  prng: Prng,
  optimizer: OptimizerSpec,
  options: { copyMessages: boolean; hosted?: (node: string) => boolean },
): { modules: Map<string, ModuleProcess>; losses: Map<string, LossProcess> } {
  const modules = new Map<string, ModuleProcess>();
  const losses = new Map<string, LossProcess>();
  const dataSource = plan.order[0];
  for (const node of plan.order) {
    if (options.hosted && !options.hosted(node)) continue;
    const spec = network.getNodeAttributes(node);
    const [inEdge] = network.inEdges(node);
    if (spec.kind === 'loss') {
      losses.set(node, new LossProcess(node, spec.loss, edgeLabel(network, inEdge), options.copyMessages));
      continue;
    }
    if (spec.kind !== 'module') continue;
    const inputShape = plan.outputShapes.get(network.source(inEdge))!;
    const layers = instantiateModule(node, spec.layers, inputShape, prng.stream(node));
    const compute = new ModuleCompute(
      node,
      layers,
      createOptimizer(layers.parameters(), optimizer, MODULE_MOMENTUM, node),
      spec.pUpdate ?? 1,
      prng.stream(`${node}/pUpdate`),
    );
    const outs = network.outEdges(node);
    modules.set(
      node,
      new ModuleProcess(compute, {
        outEdges: outs.map((e) => edgeLabel(network, e)),
        gradientEdges: outs.filter((e) => network.getEdgeAttributes(e).interface.kind !== 'stopGradient')
          .length,
        gradientInEdges: network
          .inEdges(node)
          .filter((e) => network.source(e) !== dataSource)
          .map((e) => edgeLabel(network, e)),
        copyMessages: options.copyMessages,
      }),
    );
  }
  return { modules, losses };
}

/** Whether an interface declared it needs the step's context: cDNI's labels, the stale table's examples. */
export function needsContext(spec: Edge['spec']): boolean {
  if (spec.kind === 'staleGradient') return true;
  const dni = spec.kind === 'dni' ? spec : spec.kind === 'unlock' ? spec.gradient : undefined;
  return dni?.context === 'label';
}

/**
 * A training step's first work, everything on its own message: the labels to every loss (its target)
 * and the context to every interface that declared it needs one; the network input x to every edge
 * with a synthetic-input model (their receivers start at once, before any real activation: forward
 * unlock, paper §3.1); then x on the data source's edges.
 */
export function stepWork(
  network: Network,
  edges: readonly { label: string; source: string; spec: Edge['spec'] }[],
  step: number,
  input: Tensor,
  context: BatchContext,
): Work[] {
  const source = edges.find((edge) => network.getNodeAttributes(edge.source).kind === 'source')!.source;
  const work: Work[] = [];
  network.forEachNode((node, spec) => {
    if (spec.kind === 'loss')
      work.push({
        to: 'node',
        node,
        edge: `${source}->${node}`,
        direction: 'target',
        message: { step, tick: 0, labels: context.labels! },
      });
  });
  for (const edge of edges) {
    if (needsContext(edge.spec))
      work.push({
        to: 'edge',
        edge: edge.label,
        event: { type: 'context', message: { step, tick: 0, context } },
      });
  }
  for (const edge of edges) {
    if (edge.spec.kind === 'syntheticInput' || edge.spec.kind === 'unlock')
      work.push({
        to: 'edge',
        edge: edge.label,
        event: { type: 'input', message: { step, tick: 0, input } },
      });
  }
  for (const edge of edges) {
    if (edge.source === source)
      work.push({
        to: 'edge',
        edge: edge.label,
        event: { type: 'forward', message: { step, tick: 0, activation: input } },
      });
  }
  return work;
}
