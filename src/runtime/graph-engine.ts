import { Subject } from 'rxjs';
import type { LabelArray } from '../data/dataset.ts';
import type { Network } from '../graph/network.ts';
import type { NetworkPlan } from '../graph/validate.ts';
import type { OptimizerSpec } from '../nn/optim/create.ts';
import type { Sequential } from '../nn/sequential.ts';
import type { BatchContext } from '../operators/messages.ts';
import type { Prng } from '../tensor/prng.ts';
import type { Tensor } from '../tensor/tensor.ts';
import { type AsyncScheduleOptions, AsyncScheduler } from './async-schedule.ts';
import type { EdgeTraffic } from './edge-traffic.ts';
import type { ModuleReport, StepEngine, StepReport } from './engine.ts';
import { buildEdges, type Edge } from './graph-edges.ts';
import { predictThroughGraph } from './graph-predict.ts';
import { buildProcesses, checkRuntimeSupport, stepWork } from './graph-processes.ts';
import { captureGraphState, restoreGraphState } from './graph-state.ts';
import { drainLockstep } from './lockstep.ts';
import { Partition } from './partition.ts';
import { reportResults, stepFailure } from './step-report.ts';

export type { EdgeTraffic, InterfaceStepMetric } from './edge-traffic.ts';

/**
 * Runs a network in this thread as module processes, loss processes and interface operators (one
 * Partition holding everything), on one of two schedulers:
 * - lockstep (the default): a FIFO of work drained until quiet after each step, so one seed
 *   reproduces a run bit for bit; nothing re-enters (a process returns messages, it never sends them);
 * - asynchronous (`options.schedule`): modules on their own virtual clocks (AsyncScheduler).
 * Every interface kind works: backprop, stop-gradient, DNI, cDNI, synthetic inputs, complete unlock
 * and stale gradients.
 */
export class GraphEngine implements StepEngine {
  private readonly network: Network;
  private readonly plan: NetworkPlan;
  private readonly partition: Partition;
  private readonly edges: Edge[];
  private readonly classes: number | undefined;
  private readonly async: AsyncScheduler | undefined;
  /** A failure inside an asynchronous run: steps span calls, so it is kept until reported. */
  private asyncFailure: unknown = null;
  /**
   * Every message on every edge, for pictures, dashboards and tests. Subscribers must not mutate
   * tensors, and must copy what they keep past the step: in lockstep they are the modules' buffers.
   */
  readonly traffic = new Subject<EdgeTraffic>();

  constructor(
    network: Network,
    plan: NetworkPlan,
    prng: Prng,
    optimizer: OptimizerSpec,
    options: { schedule?: AsyncScheduleOptions } = {},
  ) {
    checkRuntimeSupport(network, plan);
    this.network = network;
    this.plan = plan;
    const source = plan.order[0];
    const sourceSpec = network.getNodeAttributes(source);
    this.classes = sourceSpec.kind === 'source' ? sourceSpec.classes : undefined;
    this.edges = buildEdges(network, plan, prng, source, this.classes);
    const copyMessages = options.schedule !== undefined;
    const { modules, losses } = buildProcesses(network, plan, prng, optimizer, { copyMessages });
    this.partition = new Partition(source, modules, losses, this.edges);
    this.partition.onTraffic = (traffic) => {
      if (this.traffic.observed) this.traffic.next(traffic);
    };
    this.async = options.schedule ? new AsyncScheduler(this.partition, options.schedule) : undefined;
  }

  trainStep(step: number, inputs: Tensor, labels: LabelArray, examples?: Uint32Array): StepReport {
    if (!this.async) {
      const context = this.batchContext(labels, examples);
      try {
        drainLockstep(this.partition, stepWork(this.network, this.edges, step, inputs, context));
      } catch (error) {
        return stepFailure(error);
      }
      this.checkAllReady(`lockstep step ${step}`);
      return reportResults(this.partition.takeResults());
    }
    // The batcher reuses its buffers for the next batch; in flight, this step needs its own copy.
    const context = this.batchContext(labels.slice() as LabelArray, examples?.slice());
    const work = stepWork(this.network, this.edges, step, inputs.clone(), context);
    return this.runAsync(() => this.async!.launch(step, work, () => this.asyncFailure !== null));
  }

  flush(): StepReport {
    if (!this.async) return { loss: 0, completed: 0 };
    const report = this.runAsync(() => this.async!.drain(() => this.asyncFailure !== null));
    if (report.nonFinite === undefined) this.checkAllReady('the end of the asynchronous run');
    return report;
  }

  /** The asynchronous scheduler's steps in flight and longest mailbox (for tests of bounded memory). */
  asyncLoad(): { steps: number; longestInbox: number } | undefined {
    return this.async?.load();
  }

  private runAsync(run: () => void): StepReport {
    if (this.asyncFailure === null) {
      try {
        run();
      } catch (error) {
        this.asyncFailure = error;
      }
    }
    return this.asyncFailure !== null
      ? stepFailure(this.asyncFailure)
      : reportResults(this.partition.takeResults());
  }

  private checkAllReady(when: string): void {
    const [waiting] = this.partition.waiting();
    if (waiting !== undefined) {
      throw new Error(`dniflow/runtime: ${when} ended with module '${waiting}' still waiting for a gradient`);
    }
  }

  /** The step's labels (losses, cDNI) and example indices (stale gradients). */
  private batchContext(labels: LabelArray, examples: Uint32Array | undefined): BatchContext {
    const context: BatchContext = { labels: labels as Uint8Array | Int32Array, classes: this.classes };
    if (examples !== undefined) context.examples = examples;
    return context;
  }

  predict(inputs: Tensor, path: 'real' | 'synthetic' = 'real'): Tensor {
    return predictThroughGraph(
      this.network,
      this.plan.order,
      this.edges,
      this.partition.modules,
      inputs,
      path,
    );
  }

  scaleLearningRate(factor: number): void {
    for (const process of this.partition.modules.values()) process.compute.scaleLearningRate(factor);
  }

  modules(): ModuleReport[] {
    return [...this.partition.modules.values()].map(({ compute }) => ({
      name: compute.name,
      updates: compute.updates,
      ...(this.async ? this.async.times.get(compute.name) : {}),
    }));
  }

  state(): Record<string, Tensor> {
    return captureGraphState(this.partition.modules, this.edges);
  }

  loadState(state: Record<string, Tensor>): void {
    restoreGraphState(this.partition.modules, this.edges, state);
  }

  /** A module's layers (live: for inspection and tests, not for mutation during a step). */
  moduleLayers(name: string): Sequential {
    const process = this.partition.modules.get(name);
    if (!process) throw new Error(`dniflow/runtime: no module named '${name}'`);
    return process.compute.layers;
  }

  dispose(): void {
    this.traffic.complete();
    this.partition.dispose();
  }
}
