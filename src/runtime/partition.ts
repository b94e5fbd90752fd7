import type {
  BackwardMessage,
  EdgeEvent,
  ForwardMessage,
  RoutedMessage,
  TargetMessage,
} from '../operators/messages.ts';
import type { EdgeTraffic, InterfaceStepMetric } from './edge-traffic.ts';
import { deliveredTraffic, sentTraffic } from './edge-traffic.ts';
import { type Edge, metricKind, routeOf } from './graph-edges.ts';
import type { EdgeHalf } from './interfaces.ts';
import type { LossProcess } from './loss-process.ts';
import type { ModuleProcess, Outbound } from './module-process.ts';
import { Router } from './router.ts';

/**
 * A unit of work for a scheduler, as plain data: a message put on an edge (its interface operator
 * has not seen it yet), or a message the interface delivered to a node.
 */
export type Work =
  /** `half`: to that half of a split edge (messages between the halves; see routeOf). */
  | { to: 'edge'; edge: string; event: EdgeEvent; half?: EdgeHalf }
  | { to: 'node'; node: string; edge: string; direction: 'forward'; message: ForwardMessage }
  | { to: 'node'; node: string; edge: string; direction: 'backward'; message: BackwardMessage }
  /** A loss's target, from the data source on its own message. */
  | { to: 'node'; node: string; edge: string; direction: 'target'; message: TargetMessage };

/** A computed loss, by step (a step's loss is what retires it from flight). */
export interface LossRecord {
  node: string;
  step: number;
  loss: number;
}

/**
 * The nodes and edges one scheduler runs in one thread: module processes, loss processes, and the
 * interface operators of the edges hosted here. `handle` performs one unit of work and returns the
 * work it produced; whether that runs here, later, or in another thread is the scheduler's decision.
 * The lockstep and asynchronous schedulers run the whole network as one partition; the workers
 * scheduler runs one partition per worker.
 */
export class Partition {
  readonly losses: LossRecord[] = [];
  readonly metrics: InterfaceStepMetric[] = [];
  /** Every message on a hosted edge, for pictures, dashboards and tests (subscribers must not keep tensors). */
  onTraffic: ((traffic: EdgeTraffic) => void) | undefined;
  private readonly router: Router;
  private readonly edges = new Map<string, Edge>();

  constructor(
    readonly dataSource: string,
    readonly modules: ReadonlyMap<string, ModuleProcess>,
    readonly lossNodes: ReadonlyMap<string, LossProcess>,
    hostedEdges: readonly Edge[],
    /** Complete-unlock edges split into a sender and a receiver half (workers only). */
    readonly split: ReadonlySet<string> = new Set(),
  ) {
    for (const edge of hostedEdges) this.edges.set(edge.route, edge);
    this.router = new Router(hostedEdges);
  }

  /** Whether this partition performs `work` (else it belongs to another partition). */
  owns(work: Work): boolean {
    return work.to === 'edge'
      ? this.edges.has(routeOf(work, this.split))
      : this.modules.has(work.node) || this.lossNodes.has(work.node);
  }

  handle(work: Work): Work[] {
    return work.to === 'edge' ? this.route(work) : this.deliver(work);
  }

  private route(work: Extract<Work, { to: 'edge' }>): Work[] {
    const edge = this.edges.get(routeOf(work, this.split))!;
    const { label } = edge;
    // Traffic is what crosses the edge's ends: not what one half of a split edge hands the other.
    if (this.onTraffic && work.half === undefined) {
      const traffic = sentTraffic(label, work.event);
      if (traffic) this.onTraffic(traffic);
    }
    const out: Work[] = [];
    for (const routed of this.router.route(edge.route, work.event)) {
      const next = this.delivery(edge, routed);
      if (this.onTraffic && next?.to !== 'edge') {
        const traffic = deliveredTraffic(label, routed);
        if (traffic) this.onTraffic(traffic);
      }
      if (next) out.push(next);
    }
    return out;
  }

  private delivery(edge: Edge, routed: RoutedMessage): Work | undefined {
    // A split edge's sender half hands the activation to the receiver half; the receiver half hands
    // the receiver's gradient to the sender half.
    if (edge.half === 'sender' && routed.to === 'receiver')
      return {
        to: 'edge',
        edge: edge.label,
        half: 'receiver',
        event: { type: 'forward', message: routed.message },
      };
    if (edge.half === 'receiver' && routed.to === 'sender')
      return {
        to: 'edge',
        edge: edge.label,
        half: 'sender',
        event: { type: 'backward', message: routed.message },
      };
    switch (routed.to) {
      case 'receiver':
        return {
          to: 'node',
          node: edge.target,
          edge: edge.label,
          direction: 'forward',
          message: routed.message,
        };
      case 'sender':
        // The data source reads no gradient.
        if (edge.source === this.dataSource) return undefined;
        return {
          to: 'node',
          node: edge.source,
          edge: edge.label,
          direction: 'backward',
          message: routed.message,
        };
      case 'metrics':
        this.metrics.push({
          edge: edge.label,
          kind: metricKind(edge.spec, routed.metric.targetKind),
          ...routed.metric,
        });
        return undefined;
    }
  }

  private deliver(work: Extract<Work, { to: 'node' }>): Work[] {
    const loss = this.lossNodes.get(work.node);
    if (loss) {
      if (work.direction === 'backward')
        throw new Error(`dniflow/runtime: loss '${work.node}' got a gradient on ${work.edge}`);
      const done = work.direction === 'target' ? loss.target(work.message) : loss.prediction(work.message);
      if (!done) return [];
      this.losses.push({ node: work.node, step: done.step, loss: done.loss });
      return done.out.map(toEdgeWork);
    }
    const process = this.modules.get(work.node)!;
    if (work.direction === 'target')
      throw new Error(`dniflow/runtime: module '${work.node}' got a loss target`);
    const event =
      work.direction === 'forward'
        ? process.forwardEvent(work.message)
        : { type: 'GRADIENT' as const, message: work.message };
    return process.handle(event).map(toEdgeWork);
  }

  /** Takes the losses and metrics recorded since the last call. */
  takeResults(): { losses: LossRecord[]; metrics: InterfaceStepMetric[] } {
    const results = { losses: this.losses.splice(0), metrics: this.metrics.splice(0) };
    return results;
  }

  /** Modules still waiting for a gradient. */
  waiting(): string[] {
    return [...this.modules.values()].filter((p) => !p.ready).map((p) => p.name);
  }

  dispose(): void {
    this.router.dispose();
  }
}

const toEdgeWork = ({ edge, event }: Outbound): Work => ({ to: 'edge', edge, event });
