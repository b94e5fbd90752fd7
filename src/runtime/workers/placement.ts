import type { Network } from '../../graph/network.ts';
import { routeOf } from '../graph-edges.ts';
import type { Work } from '../partition.ts';

/** Which worker runs each node and hosts each edge's interface operator. */
export interface Placement {
  /** Module (and loss) names per worker. */
  groups: string[][];
  nodeWorker: Map<string, number>;
  /** By route: an edge's label, or `label#sender` and `label#receiver` for a split edge. */
  edgeWorker: Map<string, number>;
  /** Complete-unlock edges whose ends run in different workers: split into two halves. */
  split: Set<string>;
}

export class PlacementError extends Error {}

/** The worker that performs a unit of work: the host of its edge, or of its node. */
export function workerOf(work: Work, placement: Omit<Placement, 'groups'>): number {
  return work.to === 'edge'
    ? placement.edgeWorker.get(routeOf(work, placement.split))!
    : placement.nodeWorker.get(work.node)!;
}

/**
 * The worker that keeps a state tensor (`node/…`, or `label/role/…` for an edge's models and tables):
 * a split edge's synthetic gradient with its sender half, its synthetic input with its receiver half.
 */
export function stateOwner(name: string, placement: Omit<Placement, 'groups'>): number {
  const [owner, role] = name.split('/');
  if (!owner.includes('->')) return placement.nodeWorker.get(owner)!;
  if (!placement.split.has(owner)) return placement.edgeWorker.get(owner)!;
  return placement.edgeWorker.get(`${owner}#${role === 'input' ? 'receiver' : 'sender'}`)!;
}

/**
 * Parses `--placement`: worker groups separated by '|', module names by ',' (e.g. "l1,l2|l3,out").
 * Every module must be placed exactly once.
 */
export function parsePlacement(text: string, modules: readonly string[]): string[][] {
  const groups = text.split('|').map((group) => group.split(',').map((name) => name.trim()));
  const seen = new Set<string>();
  for (const group of groups) {
    for (const name of group) {
      if (name === '')
        throw new PlacementError(`dniflow/runtime: placement '${text}' has an empty group or name`);
      if (!modules.includes(name))
        throw new PlacementError(
          `dniflow/runtime: placement names '${name}', which is not a module (modules: ${modules.join(', ')})`,
        );
      if (seen.has(name)) throw new PlacementError(`dniflow/runtime: placement places '${name}' twice`);
      seen.add(name);
    }
  }
  const missing = modules.filter((m) => !seen.has(m));
  if (missing.length > 0)
    throw new PlacementError(`dniflow/runtime: placement leaves out module(s) ${missing.join(', ')}`);
  return groups;
}

/**
 * The default: modules in plan order cut into `workers` contiguous groups of about equal cost (a
 * module's cost counts the synthetic models that run beside it), so that a pipeline of decoupled
 * modules keeps every core busy and activations cross threads as few times as possible.
 */
export function defaultPlacement(
  modules: readonly string[],
  cost: (module: string) => number,
  workers: number,
): string[][] {
  const count = Math.max(1, Math.min(workers, modules.length));
  const costs = modules.map(cost);
  const total = costs.reduce((a, b) => a + b, 0);
  const groups: string[][] = [[]];
  let accumulated = 0;
  modules.forEach((module, i) => {
    const group = groups[groups.length - 1];
    // Start the next group once this one holds its share (measured at the module's midpoint).
    const boundary = (total * groups.length) / count;
    if (group.length > 0 && groups.length < count && accumulated + costs[i] / 2 > boundary)
      groups.push([module]);
    else group.push(module);
    accumulated += costs[i];
  });
  return groups;
}

/**
 * Where everything runs (DESIGN.md, "Where a synthetic-gradient model lives"): a synthetic-gradient
 * model beside its sender, so an edge's operator runs in the sender's worker; a synthetic input beside
 * its receiver; an edge from the data source in its receiver's worker; a loss with its sender. Complete
 * unlock holds both kinds of model: across two workers its edge splits into a sender half (the
 * synthetic gradient) and a receiver half (the synthetic input).
 */
export function placeNetwork(network: Network, dataSource: string, groups: string[][]): Placement {
  const nodeWorker = new Map<string, number>();
  groups.forEach((group, worker) => {
    for (const node of group) nodeWorker.set(node, worker);
  });
  network.forEachNode((node, spec) => {
    if (spec.kind === 'loss') {
      const sender = network.source(network.inEdges(node)[0]);
      nodeWorker.set(node, nodeWorker.get(sender)!);
      groups[nodeWorker.get(sender)!].push(node);
    }
  });
  const edgeWorker = new Map<string, number>();
  const split = new Set<string>();
  network.forEachEdge((_key, attrs, source, target) => {
    const label = `${source}->${target}`;
    const kind = attrs.interface.kind;
    if (kind === 'unlock' && nodeWorker.get(source) !== nodeWorker.get(target)) {
      split.add(label);
      edgeWorker.set(`${label}#sender`, nodeWorker.get(source)!);
      edgeWorker.set(`${label}#receiver`, nodeWorker.get(target)!);
      return;
    }
    const hostEnd = source === dataSource || kind === 'syntheticInput' ? target : source;
    edgeWorker.set(label, nodeWorker.get(hostEnd)!);
  });
  return { groups, nodeWorker, edgeWorker, split };
}
