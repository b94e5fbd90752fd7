import { networkFromJSON } from '../../graph/serialize.ts';
import { validateNetwork } from '../../graph/validate.ts';
import { setBackendThreads } from '../../tensor/backend-registry.ts';
import { Prng } from '../../tensor/prng.ts';
import { Tensor } from '../../tensor/tensor.ts';
import type { TrafficSummary } from '../edge-traffic.ts';
import { buildEdges } from '../graph-edges.ts';
import { buildProcesses } from '../graph-processes.ts';
import { captureGraphState, restoreGraphState } from '../graph-state.ts';
import { NonFiniteOutput } from '../module-compute.ts';
import type { ModuleProcess } from '../module-process.ts';
import { Partition, type Work } from '../partition.ts';
import { type Envelope, fromEnvelope, toEnvelope } from './envelope.ts';
import { workerOf } from './placement.ts';
import type { FromWorker, PartitionInit, PlainTensor, ToWorker } from './protocol.ts';

/** How a host reaches the others: worker threads over MessagePorts, processes over NATS. */
export interface HostLinks {
  /** Work for the partition at `index`; `transfer` may be moved (the host never touches it again). */
  send(index: number, envelope: Envelope, transfer: ArrayBuffer[]): void;
  /** To the coordinator. */
  post(message: FromWorker, transfer: ArrayBuffer[]): void;
  /** Fault injection for tests: end this partition as a crash would. */
  exit(): void;
}

/**
 * One partition of a parallel scheduler (workers, nats): its modules, their losses and the interface
 * operators it hosts, fed by envelopes from the coordinator and from the other partitions. Each
 * message is handled to quiet at once: local work runs here in FIFO order, work owned by another
 * partition leaves as an envelope for it. The transport is the caller's (HostLinks).
 */
export class PartitionHost {
  private readonly partition: Partition;
  private readonly modules: Map<string, ModuleProcess>;
  private readonly edges: ReturnType<typeof buildEdges>;
  private readonly placement: {
    nodeWorker: Map<string, number>;
    edgeWorker: Map<string, number>;
    split: Set<string>;
  };
  private sent = 0;
  private received = 0;
  /** The newest step of any message from another thread so far, and how far an older one trailed it. */
  private newestStep = Number.NEGATIVE_INFINITY;
  private lateness = 0;
  private lastStep: number | undefined;
  private lastNode: string | undefined;
  private traffic: TrafficSummary[] = [];
  private readonly sleeper = new Int32Array(new SharedArrayBuffer(4));

  constructor(
    private readonly init: PartitionInit,
    private readonly links: HostLinks,
  ) {
    // One BLAS thread per partition: the partitions are the parallelism (DESIGN.md, "Performance").
    setBackendThreads(1);
    const network = networkFromJSON(init.network);
    const plan = validateNetwork(network);
    const source = plan.order[0];
    const sourceSpec = network.getNodeAttributes(source);
    const classes = sourceSpec.kind === 'source' ? sourceSpec.classes : undefined;
    this.placement = {
      nodeWorker: new Map(init.nodeWorker),
      edgeWorker: new Map(init.edgeWorker),
      split: new Set(init.split),
    };
    const prng = new Prng(init.prng.seed, init.prng.name);
    const ownNodes = new Set(init.nodes);
    this.edges = buildEdges(
      network,
      plan,
      prng,
      source,
      classes,
      (route) => this.placement.edgeWorker.get(route) === init.index,
      this.placement.split,
    );
    const { modules, losses } = buildProcesses(network, plan, prng, init.optimizer, {
      copyMessages: true,
      hosted: (node) => ownNodes.has(node),
    });
    this.modules = modules;
    restoreGraphState(modules, this.edges, fromPlain(init.state));
    this.partition = new Partition(source, modules, losses, this.edges, this.placement.split);
  }

  /** The module or loss handling work at the moment, and the step, for naming a failure. */
  get where(): { node: string | undefined; step: number | undefined } {
    return { node: this.lastNode, step: this.lastStep };
  }

  private run(first: Work): void {
    const queue = [first];
    // Steps of the module forwards, losses and split edges' real activations handled here, and of
    // the gradients taken from and sent to other threads: the coordinator's credits (StepWindow).
    const done: number[] = [];
    const gradientsTaken = isGradient(first) ? [stepOf(first)] : [];
    const gradientsSent: number[] = [];
    for (let next = 0; next < queue.length; next++) {
      const work = queue[next];
      this.lastStep = stepOf(work);
      this.lastNode = work.to === 'node' ? work.node : undefined;
      const takesActivation =
        work.to === 'node'
          ? work.direction === 'forward'
          : work.half === 'receiver' && work.event.type === 'forward';
      if (takesActivation) done.push(this.lastStep);
      const results = this.partition.handle(work);
      if (work.to === 'node') this.delay(this.init.delays[work.node]);
      for (const produced of results) {
        if (this.partition.owns(produced)) {
          queue.push(produced);
          continue;
        }
        const { envelope, transfer } = toEnvelope(produced);
        this.links.send(workerOf(produced, this.placement), envelope, transfer);
        this.sent++;
        if (isGradient(produced)) gradientsSent.push(stepOf(produced));
      }
    }
    const { losses: computed, metrics } = this.partition.takeResults();
    const credits = done.length + gradientsTaken.length + gradientsSent.length;
    if (computed.length > 0 || metrics.length > 0 || credits > 0 || this.traffic.length > 0) {
      this.links.post(
        {
          type: 'results',
          losses: computed,
          metrics,
          done,
          gradientsSent,
          gradientsTaken,
          traffic: this.traffic,
        },
        [],
      );
      this.traffic = [];
    }
  }

  /** A message from another thread arrives: how far its step trails the newest one seen here. */
  private arrived(work: Work): void {
    const step = stepOf(work);
    this.newestStep = Math.max(this.newestStep, step);
    this.lateness = Math.max(this.lateness, this.newestStep - step);
  }

  /** Blocks this thread, as a slower module would. */
  private delay(milliseconds: number | undefined): void {
    if (milliseconds !== undefined && milliseconds > 0) Atomics.wait(this.sleeper, 0, 0, milliseconds);
  }

  private synced(id: number): FromWorker {
    return {
      type: 'synced',
      id,
      sent: this.sent,
      received: this.received,
      waiting: this.partition.waiting(),
      lateness: this.lateness,
    };
  }

  /** One message from the coordinator or another partition; failures are reported, not thrown. */
  handle(message: ToWorker): void {
    try {
      switch (message.type) {
        case 'work': {
          this.received++;
          const work = fromEnvelope(message.envelope);
          this.arrived(work);
          this.run(work);
          return;
        }
        case 'scale':
          for (const process of this.modules.values()) process.compute.scaleLearningRate(message.factor);
          return;
        case 'tap':
          this.partition.onTraffic = ({ tensor: _tensor, update: _update, ...summary }) =>
            this.traffic.push(summary);
          this.links.post(this.synced(message.id), []);
          return;
        case 'sync':
          this.links.post(this.synced(message.id), []);
          return;
        case 'state': {
          const state = toPlain(captureGraphState(this.modules, this.edges));
          this.links.post(
            { type: 'state', id: message.id, state },
            Object.values(state).map((t) => t.data.buffer as ArrayBuffer),
          );
          return;
        }
        case 'fault':
          if (message.mode === 'exit') this.links.exit();
          setImmediate(() => {
            throw new Error('dniflow/runtime: injected fault');
          });
          return;
      }
    } catch (error) {
      if (error instanceof NonFiniteOutput) {
        this.links.post({ type: 'nonFinite', module: error.module, step: this.lastStep ?? -1 }, []);
        return;
      }
      this.links.post(
        {
          type: 'failed',
          index: this.init.index,
          message: (error as Error).message ?? String(error),
          node: this.lastNode,
          step: this.lastStep,
        },
        [],
      );
    }
  }
}

function stepOf(work: Work): number {
  return work.to === 'edge' ? work.event.message.step : work.message.step;
}

/** A gradient on its way to a sender: on an edge's operator, or delivered to the sender. */
function isGradient(work: Work): boolean {
  return work.to === 'edge' ? work.event.type === 'backward' : work.direction === 'backward';
}

function fromPlain(state: Record<string, PlainTensor>): Record<string, Tensor> {
  const out: Record<string, Tensor> = {};
  for (const [name, { shape, data }] of Object.entries(state)) out[name] = new Tensor(data, shape);
  return out;
}

function toPlain(state: Record<string, Tensor>): Record<string, PlainTensor> {
  const out: Record<string, PlainTensor> = {};
  for (const [name, tensor] of Object.entries(state))
    out[name] = { shape: [...tensor.shape], data: tensor.data };
  return out;
}
