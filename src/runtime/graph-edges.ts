import type { InterfaceSpec } from '../graph/interfaces.ts';
import type { Network } from '../graph/network.ts';
import { sourceExampleCount } from '../graph/stale-gradient.ts';
import type { NetworkPlan } from '../graph/validate.ts';
import type { EdgeEvent } from '../operators/messages.ts';
import type { Prng } from '../tensor/prng.ts';
import { type EdgeHalf, type WiredInterface, wireInterface } from './interfaces.ts';

/** A runtime edge: its name, its ends, its interface's spec, and the operator and models wired for it. */
export interface Edge {
  key: string;
  label: string;
  source: string;
  target: string;
  spec: InterfaceSpec;
  wired: WiredInterface;
  /** The key its operator is routed by: the label, or `label#half` for half of a split edge. */
  route: string;
  half?: EdgeHalf;
}

/**
 * The route a unit of work on an edge takes: a split edge's sender half takes what its sender emits
 * (and the step's context), its receiver half what its receiver returns (and the step's x), unless
 * the work names its half (messages between the two halves).
 */
export function routeOf(
  work: { edge: string; half?: EdgeHalf; event: EdgeEvent },
  split: ReadonlySet<string>,
): string {
  if (!split.has(work.edge)) return work.edge;
  const type = work.event.type;
  const half = work.half ?? (type === 'forward' || type === 'context' ? 'sender' : 'receiver');
  return `${work.edge}#${half}`;
}

/**
 * Every edge of a feed-forward network with its interface wired (fresh synthetic models drawn from
 * `prng.stream('interface/<edge>')`), in graphology's edge order. Edges in `split` (complete unlock
 * across threads) become two halves. `hosted` picks the routes to wire (a worker wires only its own);
 * the others are skipped, and draw nothing.
 */
export function buildEdges(
  network: Network,
  plan: NetworkPlan,
  prng: Prng,
  dataSource: string,
  classes: number | undefined,
  hosted: (route: string) => boolean = () => true,
  split: ReadonlySet<string> = new Set(),
): Edge[] {
  const edges: Edge[] = [];
  const examples = sourceExampleCount(network.getNodeAttributes(dataSource));
  network.forEachEdge((key, attrs, source, target) => {
    if (attrs.delay !== 0) {
      throw new Error(
        `dniflow/runtime: edge ${source} -> ${target} has a time delay; recurrent edges need the recurrent runtime`,
      );
    }
    const label = `${source}->${target}`;
    const shapes = {
      activation: plan.outputShapes.get(source)!,
      input: plan.outputShapes.get(dataSource)!,
      classes,
      examples,
    };
    const halves: (EdgeHalf | undefined)[] = split.has(label) ? ['sender', 'receiver'] : [undefined];
    for (const half of halves) {
      const route = half === undefined ? label : `${label}#${half}`;
      if (!hosted(route)) continue;
      const wired = wireInterface(attrs.interface, shapes, prng.stream(`interface/${label}`), label, half);
      edges.push({
        key,
        label,
        source,
        target,
        spec: attrs.interface,
        wired,
        route,
        ...(half ? { half } : {}),
      });
    }
  });
  return edges;
}

/**
 * What a metric measures: a synthetic input, the stale-gradient table, or a synthetic gradient with
 * (cDNI) or without label context.
 */
export function metricKind(spec: InterfaceSpec, targetKind: string): string {
  if (targetKind === 'activation') return 'syntheticInput';
  if (spec.kind === 'staleGradient') return 'stale';
  const context =
    spec.kind === 'dni' ? spec.context : spec.kind === 'unlock' ? spec.gradient.context : undefined;
  return context === 'label' ? 'cdni' : 'dni';
}

/** Edges with a synthetic-input model, the one nearest the loss first (see GraphEngine.emitStep). */
export function syntheticInputEdgesNearestLossFirst(edges: Edge[], order: string[]): Edge[] {
  const rank = new Map(order.map((node, index) => [node, index]));
  return edges
    .filter((edge) => edge.wired.inputModel)
    .sort((a, b) => rank.get(b.target)! - rank.get(a.target)!);
}
