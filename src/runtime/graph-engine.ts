import { Subject, type Subscription } from 'rxjs';
import type { Actor } from 'xstate';
import type { LabelArray } from '../data/dataset.ts';
import type { Network } from '../graph/network.ts';
import type { NetworkPlan } from '../graph/validate.ts';
import { SoftmaxCrossEntropy } from '../nn/losses/softmax-cross-entropy.ts';
import type { Sequential } from '../nn/sequential.ts';
import type {
  BackwardMessage,
  BatchContext,
  EdgeEvent,
  ForwardMessage,
  GradientKind,
  RoutedMessage,
} from '../operators/messages.ts';
import type { Prng } from '../tensor/prng.ts';
import type { Tensor } from '../tensor/tensor.ts';
import { AsyncDriver } from './async-driver.ts';
import type { AsyncScheduleOptions } from './async-schedule.ts';
import { deliveredTraffic, type EdgeTraffic, type InterfaceStepMetric, sentTraffic } from './edge-traffic.ts';
import type { ModuleReport, StepEngine, StepReport } from './engine.ts';
import { buildEdges, type Edge, metricKind, syntheticInputEdgesNearestLossFirst } from './graph-edges.ts';
import { buildModuleComputes } from './graph-modules.ts';
import { captureGraphState, predictThroughGraph } from './graph-predict.ts';
import { messageTensor } from './message-tensor.ts';
import { startModuleActor } from './module-actor.ts';
import type { ModuleCompute } from './module-compute.ts';
import type { ModuleEvent, moduleMachine } from './module-machine.ts';
import type { OptimizerChoice } from './optimizers.ts';
import { restoreState } from './state.ts';
import { StepOutcome } from './step-outcome.ts';

export type { EdgeTraffic, InterfaceStepMetric } from './edge-traffic.ts';

/**
 * Runs a network as module actors joined by RxJS edge streams. Lockstep (the default): one step's
 * whole cascade of messages completes (synchronously, in a fixed order) before the next step starts,
 * so one seed reproduces a run bit for bit. Asynchronous (`options.schedule`): modules on their own
 * virtual clocks (see AsyncDriver). Every interface kind works: backprop, stop-gradient, DNI, cDNI,
 * synthetic inputs and complete unlock.
 */
export class GraphEngine implements StepEngine {
  private readonly network: Network;
  private readonly plan: NetworkPlan;
  private readonly computes: Map<string, ModuleCompute>;
  private readonly actors = new Map<string, Actor<typeof moduleMachine>>();
  private readonly edges: Edge[];
  /** Edges with a synthetic-input model, the one nearest the loss first (see emitStep). */
  private readonly syntheticInputEdges: Edge[];
  private readonly subscriptions: Subscription[] = [];
  /** One per loss node, so that a loss gradient's buffer is rewritten only by its own next step. */
  private readonly losses = new Map<string, SoftmaxCrossEntropy>();
  private readonly source: string;
  private readonly classes: number | undefined;
  private readonly async: AsyncDriver | undefined;
  private readonly outcome = new StepOutcome();
  private tick = 0;
  /**
   * Every message on every edge, for pictures, dashboards and tests. Subscribers must not mutate
   * tensors, and must copy what they keep past the step: in lockstep they are the modules' buffers.
   */
  readonly traffic = new Subject<EdgeTraffic>();

  constructor(
    network: Network,
    plan: NetworkPlan,
    prng: Prng,
    optimizer: OptimizerChoice,
    options: { schedule?: AsyncScheduleOptions } = {},
  ) {
    this.network = network;
    this.plan = plan;
    this.source = plan.order[0];
    const sourceSpec = network.getNodeAttributes(this.source);
    this.classes = sourceSpec.kind === 'source' ? sourceSpec.classes : undefined;
    this.computes = buildModuleComputes(network, plan, prng, optimizer);
    this.edges = buildEdges(network, plan, prng, this.source, this.classes);
    for (const edge of this.edges) {
      this.subscriptions.push(
        edge.subject.pipe(edge.wired.operator).subscribe({
          next: (routed) => {
            try {
              this.deliver(edge, routed);
            } catch (error) {
              this.outcome.fail(error);
            }
          },
          error: (error) => this.outcome.fail(error),
        }),
      );
    }
    for (const node of network.filterNodes((_n, spec) => spec.kind === 'loss'))
      this.losses.set(node, new SoftmaxCrossEntropy(node));
    this.syntheticInputEdges = syntheticInputEdgesNearestLossFirst(this.edges, plan.order);
    for (const [node, compute] of this.computes) {
      const gradientEdges = this.outEdges(node).filter((e) => e.wired.returnsGradient).length;
      const actor = startModuleActor(compute, gradientEdges, {
        forward: (message) => this.runForward(node, compute, message),
        backward: (step, kind) => this.runBackward(node, compute, step, kind),
        fail: (error) => this.outcome.fail(error),
      });
      this.actors.set(node, actor);
    }
    this.async = options.schedule ? new AsyncDriver(this.actors, options.schedule) : undefined;
  }

  trainStep(step: number, inputs: Tensor, labels: LabelArray, examples?: Uint32Array): StepReport {
    if (!this.async) return this.trainStepLockstep(step, this.batchContext(inputs, labels, examples));
    // The batcher reuses its buffers for the next batch; in flight, this step needs its own copy.
    const context = this.batchContext(inputs.clone(), labels.slice() as LabelArray, examples?.slice());
    this.outcome.begin(false);
    this.async.launch(
      () => this.emitStep(step, context),
      () => this.outcome.failed,
    );
    return this.outcome.failureReport() ?? this.outcome.summary();
  }

  private trainStepLockstep(step: number, context: BatchContext): StepReport {
    this.outcome.begin(true);
    this.emitStep(step, context);
    const failed = this.outcome.failureReport();
    if (failed) return failed;
    this.checkAllReady(`lockstep step ${step}`);
    return this.outcome.summary();
  }

  flush(): StepReport {
    if (!this.async) return { loss: 0, completed: 0 };
    this.outcome.begin(false);
    this.async.drain(() => this.outcome.failed);
    const report = this.outcome.failureReport() ?? this.outcome.summary();
    if (report.nonFinite === undefined) this.checkAllReady('the end of the asynchronous run');
    return report;
  }

  private checkAllReady(when: string): void {
    for (const [node, actor] of this.actors) {
      if (!actor.getSnapshot().matches('ready')) {
        throw new Error(`dniflow/runtime: ${when} ended with module '${node}' still waiting for a gradient`);
      }
    }
  }

  /** What every message of a step carries: labels (cDNI), x (synthetic inputs), example indices (stale). */
  private batchContext(inputs: Tensor, labels: LabelArray, examples: Uint32Array | undefined): BatchContext {
    const context: BatchContext = {
      labels: labels as Uint8Array | Int32Array,
      classes: this.classes,
      input: inputs,
    };
    if (examples !== undefined) context.examples = examples;
    return context;
  }

  private emitStep(step: number, context: BatchContext): void {
    const inputs = context.input!;
    const tick = this.tick++;
    // Synthetic inputs first: their receivers start at once, before any real activation (forward unlock).
    // Downstream edges first: a receiver's forward cascades synchronously into the edges after it, and
    // each of those must already hold its own synthetic input for the step (complete unlock, §3.1).
    for (const edge of this.syntheticInputEdges) {
      edge.subject.next({ type: 'input', message: { step, tick, input: inputs, context } });
    }
    for (const edge of this.outEdges(this.source)) {
      this.send(edge, { type: 'forward', message: { step, tick, activation: inputs, context } });
    }
  }

  /** Interface metrics of the last step, with kinds (for the metrics stream). */
  lastInterfaceMetrics(): InterfaceStepMetric[] {
    return this.outcome.metrics;
  }

  predict(inputs: Tensor, path: 'real' | 'synthetic' = 'real'): Tensor {
    return predictThroughGraph(this.network, this.plan.order, this.edges, this.computes, inputs, path);
  }

  scaleLearningRate(factor: number): void {
    for (const compute of this.computes.values()) compute.scaleLearningRate(factor);
  }

  modules(): ModuleReport[] {
    return [...this.computes.values()].map((c) => ({
      name: c.name,
      updates: c.updates,
      ...(this.async ? this.async.times(c.name) : {}),
    }));
  }

  state(): Record<string, Tensor> {
    return captureGraphState(this.computes, this.edges);
  }

  loadState(state: Record<string, Tensor>): void {
    for (const [node, compute] of this.computes)
      restoreState(`${node}/`, compute.layers, compute.optimizer, state);
  }

  /** A module's layers (live: for inspection and tests, not for mutation during a step). */
  moduleLayers(name: string): Sequential {
    const compute = this.computes.get(name);
    if (!compute) throw new Error(`dniflow/runtime: no module named '${name}'`);
    return compute.layers;
  }

  dispose(): void {
    this.traffic.complete();
    for (const subscription of this.subscriptions) subscription.unsubscribe();
    for (const actor of this.actors.values()) actor.stop();
  }

  private runForward(node: string, compute: ModuleCompute, message: ForwardMessage): void {
    const output = compute.forward(message.activation, true);
    const outs = this.outEdges(node);
    outs.forEach((edge, i) => {
      // A second receiver gets its own copy all the same (fan-out is rare and off the hot path).
      const activation = i === 0 ? messageTensor(output, this.async !== undefined) : output.clone();
      this.send(edge, { type: 'forward', message: { ...message, activation } });
    });
  }

  private runBackward(node: string, compute: ModuleCompute, step: number, kind: GradientKind): void {
    const returnsGradient = this.inEdges(node).some((edge) => edge.source !== this.source);
    if (!returnsGradient) {
      // Nobody reads a gradient with respect to the data: don't compute or copy it.
      compute.updateWithoutInputGradient();
      return;
    }
    const inputGradient = messageTensor(compute.backwardAndUpdate(), this.async !== undefined);
    for (const edge of this.inEdges(node)) {
      if (edge.source === this.source) continue;
      const message: BackwardMessage = { step, tick: this.tick, gradient: inputGradient, kind };
      this.send(edge, { type: 'backward', message });
    }
  }

  private deliver(edge: Edge, routed: RoutedMessage): void {
    if (this.traffic.observed) {
      const traffic = deliveredTraffic(edge.label, routed);
      if (traffic) this.traffic.next(traffic);
    }
    switch (routed.to) {
      case 'receiver': {
        const target = this.network.getNodeAttributes(edge.target);
        if (target.kind === 'loss') this.runLoss(edge, routed.message);
        else this.post(edge.target, { type: 'FORWARD', message: routed.message });
        return;
      }
      case 'sender':
        if (this.actors.has(edge.source))
          this.post(edge.source, { type: 'GRADIENT', message: routed.message });
        return;
      case 'metrics': {
        const spec = this.network.getEdgeAttribute(edge.key, 'interface');
        this.outcome.metrics.push({
          edge: edge.label,
          kind: metricKind(spec, routed.metric.targetKind),
          ...routed.metric,
        });
        return;
      }
    }
  }

  private runLoss(edge: Edge, message: ForwardMessage): void {
    const labels = message.context?.labels;
    if (!labels)
      throw new Error(`dniflow/runtime: loss '${edge.target}' got no labels at step ${message.step}`);
    const loss = this.losses.get(edge.target)!;
    this.outcome.losses.push(loss.forward(message.activation, labels));
    this.async?.landed();
    const gradient = messageTensor(loss.backward(), this.async !== undefined);
    edge.subject.next({
      type: 'backward',
      message: { step: message.step, tick: message.tick, gradient, kind: 'true' },
    });
  }

  private send(edge: Edge, event: EdgeEvent): void {
    if (this.traffic.observed) {
      const traffic = sentTraffic(edge.label, event);
      if (traffic) this.traffic.next(traffic);
    }
    edge.subject.next(event);
  }

  /** Lockstep: at once. Asynchronous: into the module's mailbox after the edge latency. */
  private post(node: string, event: ModuleEvent): void {
    if (this.async) this.async.post(node, event);
    else this.actors.get(node)!.send(event);
  }

  private outEdges(node: string): Edge[] {
    return this.edges.filter((e) => e.source === node);
  }

  private inEdges(node: string): Edge[] {
    return this.edges.filter((e) => e.target === node);
  }
}
