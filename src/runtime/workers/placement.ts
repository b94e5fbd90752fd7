import type { Network } from '../../graph/network.ts';
import type { Work } from '../partition.ts';

/** Which worker runs each node and hosts each edge's interface operator. */
export interface Placement {
  /** Module (and loss) names per worker. */
  groups: string[][];
  nodeWorker: Map<string, number>;
  edgeWorker: Map<string, number>;
}

export class PlacementError extends Error {}

/** The worker that performs a unit of work: the host of its edge, or of its node. */
export function workerOf(work: Work, placement: Pick<Placement, 'nodeWorker' | 'edgeWorker'>): number {
  return work.to === 'edge' ? placement.edgeWorker.get(work.edge)! : placement.nodeWorker.get(work.node)!;
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
 * modules keeps every core busy and activations cross threads as few times as possible. Modules
 * joined by complete unlock stay together (see placeNetwork).
 */
export function defaultPlacement(
  network: Network,
  modules: readonly string[],
  cost: (module: string) => number,
  workers: number,
): string[][] {
  const units = unlockUnits(network, modules);
  const count = Math.max(1, Math.min(workers, units.length));
  const costs = units.map((unit) => unit.reduce((sum, module) => sum + cost(module), 0));
  const total = costs.reduce((a, b) => a + b, 0);
  const groups: string[][] = [[]];
  let accumulated = 0;
  units.forEach((unit, i) => {
    const group = groups[groups.length - 1];
    // Start the next group once this one holds its share (measured at the unit's midpoint).
    const boundary = (total * groups.length) / count;
    if (group.length > 0 && groups.length < count && accumulated + costs[i] / 2 > boundary)
      groups.push([...unit]);
    else group.push(...unit);
    accumulated += costs[i];
  });
  return groups;
}

/** Modules in plan order, each run of modules joined by complete-unlock edges as one unit. */
function unlockUnits(network: Network, modules: readonly string[]): string[][] {
  const units: string[][] = [];
  for (const module of modules) {
    const joined = network
      .inEdges(module)
      .some(
        (edge) =>
          network.getEdgeAttributes(edge).interface.kind === 'unlock' &&
          units.at(-1)?.includes(network.source(edge)),
      );
    if (joined) units.at(-1)!.push(module);
    else units.push([module]);
  }
  return units;
}

/**
 * Where everything runs (DESIGN.md, "Where a synthetic-gradient model lives"): a synthetic-gradient
 * model beside its sender, so an edge's operator runs in the sender's worker; a synthetic input beside
 * its receiver; an edge from the data source in its receiver's worker; a loss with its sender. Complete
 * unlock holds both kinds of model in one operator, so its two ends must share a worker.
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
  network.forEachEdge((_key, attrs, source, target) => {
    const label = `${source}->${target}`;
    const kind = attrs.interface.kind;
    if (kind === 'unlock' && nodeWorker.get(source) !== nodeWorker.get(target))
      throw new PlacementError(
        `dniflow/runtime: complete unlock on ${label} needs ${source} and ${target} in the same worker (its synthetic gradient runs beside the sender, its synthetic input beside the receiver, in one operator)`,
      );
    const hostEnd = source === dataSource || kind === 'syntheticInput' ? target : source;
    edgeWorker.set(label, nodeWorker.get(hostEnd)!);
  });
  return { groups, nodeWorker, edgeWorker };
}
