import { Subject } from 'rxjs';
import type { LabelArray } from '../../data/dataset.ts';
import type { InterfaceSpec } from '../../graph/interfaces.ts';
import type { Network } from '../../graph/network.ts';
import { networkToJSON } from '../../graph/serialize.ts';
import type { NetworkPlan } from '../../graph/validate.ts';
import type { OptimizerSpec } from '../../nn/optim/create.ts';
import type { BatchContext } from '../../operators/messages.ts';
import { setBackendThreads } from '../../tensor/backend-registry.ts';
import type { Prng } from '../../tensor/prng.ts';
import { Tensor } from '../../tensor/tensor.ts';
import type { InterfaceStepMetric, TrafficSummary } from '../edge-traffic.ts';
import type { ModuleReport, StepEngine, StepReport } from '../engine.ts';
import { GraphEngine } from '../graph-engine.ts';
import { stepWork } from '../graph-processes.ts';
import type { LossRecord } from '../partition.ts';
import { reportResults } from '../step-report.ts';
import { StepWindow } from '../step-window.ts';
import { toEnvelope } from './envelope.ts';
import type { Answer, PartitionPool, WorkerFailedError } from './partition-pool.ts';
import {
  defaultPlacement,
  type Placement,
  parsePlacement,
  placeNetwork,
  stateOwner,
  workerOf,
} from './placement.ts';
import type { FromWorker, PartitionInit, PlainTensor } from './protocol.ts';
import { WorkerPool } from './worker-pool.ts';

export { WorkerFailedError } from './partition-pool.ts';

/** Starts the partitions (worker threads by default; NATS processes for the nats scheduler). */
export type PoolFactory = (
  inits: PartitionInit[],
  transfer: ArrayBuffer[][],
  onMessage: (message: Exclude<FromWorker, Answer>) => void,
  onFailure: (error: WorkerFailedError) => void,
  lastStep: () => number | undefined,
) => PartitionPool;

export interface WorkerOptions {
  /** Worker groups as `--placement` writes them ("a,b|c,d"); default: `workers` balanced groups. */
  placement?: string;
  /** Workers for the default placement (default 2: this machine's cores). */
  workers?: number;
  /** Steps in flight before the data source waits (default: workers + 1). */
  maxInFlight?: number;
  /**
   * Extra milliseconds a module spends on every message it handles, to make it slower on purpose
   * (tests and benchmarks of back-pressure; the asynchronous scheduler's `costs` play this part).
   */
  delays?: Record<string, number>;
  /** State to start from (a resumed run's checkpoint): workers load state only as they start. */
  initialState?: Record<string, Tensor>;
  /** What runs the partitions (default: worker threads); the nats scheduler passes its processes. */
  pool?: PoolFactory;
}

/**
 * The workers scheduler (DESIGN.md, "The runtime"): module processes in `worker_threads`, one
 * Partition per worker, joined by MessageChannels; tensors cross as envelopes whose buffers are moved
 * with `transferList`. This thread is the data source and the coordinator: it sends each step's
 * input, targets and contexts, keeps at most `maxInFlight` steps open (StepWindow: a step closes when
 * every module has taken it, every loss computed it and every gradient sent between workers been
 * taken, so memory and the staleness of synthetic-gradient targets stay bounded however slow a module
 * is), gathers losses and metrics, and after each epoch pulls every worker's state into a local copy
 * of the network (the runtime's split/merge), which evaluates and checkpoints.
 */
export class WorkerEngine implements StepEngine {
  private readonly replica: GraphEngine;
  private readonly pool: PartitionPool;
  private readonly placement: Placement;
  private readonly edgeList: { label: string; source: string; spec: InterfaceSpec }[];
  private losses: LossRecord[] = [];
  private metrics: InterfaceStepMetric[] = [];
  private readonly window: StepWindow;
  private sent = 0;
  private lastStep: number | undefined;
  private nonFinite: string | undefined;
  private wake: (() => void) | null = null;
  private readonly network: Network;
  private readonly classes: number | undefined;
  private tapping = false;
  /** What crosses every edge, as the workers report it (tensors stay in the workers). */
  readonly traffic = new Subject<TrafficSummary>();

  private constructor(
    network: Network,
    plan: NetworkPlan,
    prng: Prng,
    optimizer: OptimizerSpec,
    options: WorkerOptions,
  ) {
    this.network = network;
    this.replica = new GraphEngine(network, plan, prng, optimizer);
    if (options.initialState) this.replica.loadState(options.initialState);
    const source = plan.order[0];
    const sourceSpec = network.getNodeAttributes(source);
    this.classes = sourceSpec.kind === 'source' ? sourceSpec.classes : undefined;
    const modules = plan.order.filter((n) => network.getNodeAttributes(n).kind === 'module');
    // Split once: it sizes the default placement and is what the workers start from.
    const state = this.replica.state();
    const groups =
      options.placement !== undefined
        ? parsePlacement(options.placement, modules)
        : defaultPlacement(modules, (m) => costOf(m, state), options.workers ?? 2);
    this.placement = placeNetwork(network, source, groups);
    const losses = network.filterNodes((_n, spec) => spec.kind === 'loss').length;
    // A step closes once every module, every loss and every split edge's receiver half has taken it,
    // and every gradient it sent between workers has been taken (StepWindow.gradientSent).
    this.window = new StepWindow(
      options.maxInFlight ?? groups.length + 1,
      modules.length + losses + this.placement.split.size,
    );
    this.edgeList = [];
    network.forEachEdge((_key, attrs, from, to) => {
      this.edgeList.push({ label: `${from}->${to}`, source: from, spec: attrs.interface });
    });
    // One OpenBLAS thread in every worker: the setting is process-wide, so it is made here, before any starts.
    setBackendThreads(1);
    this.pool = this.spawn(state, prng, optimizer, options);
  }

  /** Starts the workers, each with its part of the network's state; resolves once all are ready. */
  static async start(
    network: Network,
    plan: NetworkPlan,
    prng: Prng,
    optimizer: OptimizerSpec,
    options: WorkerOptions = {},
  ): Promise<WorkerEngine> {
    const engine = new WorkerEngine(network, plan, prng, optimizer, options);
    try {
      await engine.pool.ready();
    } catch (error) {
      // Threads or processes left running would keep this process alive after the error.
      await engine.dispose();
      throw error;
    }
    return engine;
  }

  /** Module groups, one per worker (losses with their sender). */
  get groups(): string[][] {
    return this.placement.groups;
  }

  /** Starts one worker per group, each with its modules' and hosted edges' part of the state. */
  private spawn(
    state: Record<string, Tensor>,
    prng: Prng,
    optimizer: OptimizerSpec,
    options: WorkerOptions,
  ): PartitionPool {
    const network = networkToJSON(this.network);
    const inits: PartitionInit[] = [];
    const transfers: ArrayBuffer[][] = [];
    this.placement.groups.forEach((nodes, index) => {
      const plain: Record<string, PlainTensor> = {};
      for (const [name, tensor] of Object.entries(state))
        if (stateOwner(name, this.placement) === index)
          plain[name] = { shape: [...tensor.shape], data: tensor.data };
      inits.push({
        index,
        network,
        prng: { seed: prng.seed, name: prng.name },
        optimizer,
        nodes,
        nodeWorker: [...this.placement.nodeWorker],
        edgeWorker: [...this.placement.edgeWorker],
        split: [...this.placement.split],
        state: plain,
        delays: options.delays ?? {},
      });
      transfers.push(Object.values(plain).map((t) => t.data.buffer as ArrayBuffer));
    });
    const pool: PoolFactory = options.pool ?? ((...args) => new WorkerPool(...args));
    return pool(
      inits,
      transfers,
      (message) => this.onMessage(message),
      () => this.wake?.(),
      () => this.lastStep,
    );
  }

  private onMessage(message: Exclude<FromWorker, { type: 'ready' | 'synced' | 'state' }>): void {
    switch (message.type) {
      case 'results':
        this.losses.push(...message.losses);
        this.metrics.push(...message.metrics);
        // Sendings first: a step's last forward may arrive with a gradient it caused.
        for (const step of message.gradientsSent) if (this.window.gradientSent(step)) this.wake?.();
        for (const step of message.gradientsTaken) if (this.window.gradientTaken(step)) this.wake?.();
        for (const step of message.done) if (this.window.done(step)) this.wake?.();
        for (const traffic of message.traffic) this.traffic.next(traffic);
        return;
      case 'nonFinite':
        this.nonFinite ??= message.module;
        this.wake?.();
        return;
      case 'failed':
        this.pool.fail(this.pool.failed(message.index, message.message, message.node, message.step));
        return;
    }
  }

  private async until(condition: () => boolean): Promise<void> {
    while (!condition()) {
      if (this.pool.failure) throw this.pool.failure;
      if (this.nonFinite !== undefined) return;
      await new Promise<void>((resolve) => {
        this.wake = resolve;
      });
      this.wake = null;
    }
    if (this.pool.failure) throw this.pool.failure;
  }

  async trainStep(
    step: number,
    inputs: Tensor,
    labels: LabelArray,
    examples?: Uint32Array,
  ): Promise<StepReport> {
    if (this.traffic.observed && !this.tapping) {
      this.tapping = true;
      // Every worker taps before this step's work: none of its messages goes unreported.
      await this.pool.request<'synced'>((id) => ({ type: 'tap', id }));
    }
    await this.until(() => !this.window.full);
    if (this.nonFinite !== undefined) return { loss: Number.NaN, nonFinite: this.nonFinite };
    // Copied into envelopes below: the batcher may reuse its buffers at once.
    const context: BatchContext = { labels: labels as Uint8Array | Int32Array, classes: this.classes };
    if (examples !== undefined) context.examples = examples;
    const work = stepWork(this.network, this.edgeList, step, inputs, context);
    this.window.openStep(step);
    this.lastStep = step;
    for (const item of work) {
      const { envelope, transfer } = toEnvelope(item);
      this.pool.post(workerOf(item, this.placement), { type: 'work', envelope }, transfer);
      this.sent++;
    }
    return this.report();
  }

  private report(): StepReport {
    if (this.nonFinite !== undefined) return { loss: Number.NaN, nonFinite: this.nonFinite };
    const report = reportResults({ losses: this.losses, metrics: this.metrics });
    this.losses = [];
    this.metrics = [];
    return report;
  }

  /**
   * Waits until every step has retired and no message is left between workers (two identical rounds
   * of everyone's sent/received counts), then pulls every worker's state into the local copy.
   */
  async flush(): Promise<StepReport> {
    await this.until(() => this.window.size === 0);
    if (this.nonFinite === undefined) {
      let previous = '';
      for (;;) {
        const answers = await this.pool.request<'synced'>((id) => ({ type: 'sync', id }));
        const sent = this.sent + answers.reduce((a, b) => a + b.sent, 0);
        const received = answers.reduce((a, b) => a + b.received, 0);
        const round = `${sent}/${received}`;
        if (sent === received && round === previous) {
          const waiting = answers.flatMap((a) => a.waiting);
          if (waiting.length > 0)
            throw new Error(
              `dniflow/runtime: the end of the workers run found module '${waiting[0]}' still waiting for a gradient`,
            );
          break;
        }
        previous = round;
      }
      await this.pullState();
    }
    return this.report();
  }

  private async pullState(): Promise<void> {
    const answers = await this.pool.request<'state'>((id) => ({ type: 'state', id }));
    const state: Record<string, Tensor> = {};
    for (const answer of answers)
      for (const [name, { shape, data }] of Object.entries(answer.state))
        state[name] = new Tensor(data, shape);
    this.replica.loadState(state);
  }

  predict(inputs: Tensor, path: 'real' | 'synthetic' = 'real'): Tensor {
    return this.replica.predict(inputs, path);
  }

  scaleLearningRate(factor: number): void {
    this.replica.scaleLearningRate(factor);
    this.pool.broadcast({ type: 'scale', factor });
  }

  /**
   * Over every message that crossed to a partition so far, the most steps its step trailed the newest
   * step that partition had already received (for tests of the credits). A message is taken before
   * its step closes, and a step opens only while fewer than maxInFlight are open, so while steps
   * close in order (a pipeline) this stays below maxInFlight however many steps run. Each partition
   * measures it alone, in the order it takes its messages: exact, unlike a count of messages in
   * flight pieced together from answers the partitions give at different moments.
   */
  async lateness(): Promise<number> {
    const answers = await this.pool.request<'synced'>((id) => ({ type: 'sync', id }));
    return Math.max(0, ...answers.map((a) => a.lateness));
  }

  /** Update counts as of the last flush (the workers' state is pulled then). */
  modules(): ModuleReport[] {
    return this.replica.modules();
  }

  /** The state as of the last flush. */
  state(): Record<string, Tensor> {
    return this.replica.state();
  }

  loadState(): void {
    throw new Error('dniflow/runtime: the workers scheduler loads state when it starts, not while running');
  }

  /** Fault injection for tests: the worker running `module` throws, or ends its thread. */
  injectFault(module: string, mode: 'throw' | 'exit'): void {
    const index = this.placement.nodeWorker.get(module);
    if (index === undefined) throw new Error(`dniflow/runtime: no module named '${module}'`);
    this.pool.post(index, { type: 'fault', mode });
  }

  /** The OS process running `module`, under the nats scheduler (worker threads have none). */
  processOf(module: string): number | undefined {
    const index = this.placement.nodeWorker.get(module);
    return index === undefined ? undefined : this.pool.pid(index);
  }

  async dispose(): Promise<void> {
    this.traffic.complete();
    this.replica.dispose();
    await this.pool.terminate();
  }
}

/** A module's compute, as parameters: its own and those of the synthetic-gradient models beside it. */
function costOf(module: string, state: Record<string, Tensor>): number {
  let cost = 0;
  for (const [name, tensor] of Object.entries(state)) {
    if (name.startsWith(`${module}/param.`)) cost += tensor.size;
    if (name.startsWith(`${module}->`) && name.includes('/gradient/') && !name.includes('/optim.'))
      cost += tensor.size;
  }
  return cost;
}
