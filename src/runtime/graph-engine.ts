import { Subject, type Subscription } from 'rxjs';
import { type Actor, createActor } from 'xstate';
import type { LabelArray } from '../data/dataset.ts';
import { instantiateModule } from '../graph/instantiate.ts';
import type { Network } from '../graph/network.ts';
import type { NetworkPlan } from '../graph/validate.ts';
import { SoftmaxCrossEntropy } from '../nn/losses/softmax-cross-entropy.ts';
import type { Sequential } from '../nn/sequential.ts';
import type {
  BackwardMessage,
  EdgeEvent,
  ForwardMessage,
  GradientKind,
  RoutedMessage,
} from '../operators/messages.ts';
import type { Prng } from '../tensor/prng.ts';
import type { Tensor } from '../tensor/tensor.ts';
import { AsyncSchedule, type AsyncScheduleOptions } from './async-schedule.ts';
import type { ModuleReport, StepEngine, StepReport } from './engine.ts';
import { type WiredInterface, wireInterface } from './interfaces.ts';
import { ModuleCompute, NonFiniteOutput } from './module-compute.ts';
import { type ModuleEvent, moduleMachine } from './module-machine.ts';
import { createOptimizer, type OptimizerChoice } from './optimizers.ts';
import { captureState, restoreState } from './state.ts';

interface Edge {
  key: string;
  label: string;
  source: string;
  target: string;
  subject: Subject<EdgeEvent>;
  wired: WiredInterface;
}

/**
 * One message on an edge, as the sender put it in ('sent') or as the interface delivered it
 * ('delivered'): a DNI edge delivers a synthetic gradient the receiver never sent.
 */
export interface EdgeTraffic {
  edge: string;
  direction: 'forward' | 'backward';
  stage: 'sent' | 'delivered';
  step: number;
  kind: GradientKind | 'activation';
  tensor: Tensor;
}

export interface InterfaceStepMetric {
  edge: string;
  kind: string;
  loss: number;
  cosine?: number;
  targetKind: string;
}

/**
 * Runs a network as module actors joined by RxJS edge streams, in lockstep: one step's whole cascade
 * of messages completes (synchronously, in a fixed order) before the next step starts, so one seed
 * reproduces a run bit for bit. Every interface kind works: backprop, stop-gradient, DNI, cDNI,
 * synthetic inputs and complete unlock.
 */
export class GraphEngine implements StepEngine {
  private readonly network: Network;
  private readonly plan: NetworkPlan;
  private readonly computes = new Map<string, ModuleCompute>();
  private readonly actors = new Map<string, Actor<typeof moduleMachine>>();
  private readonly edges: Edge[] = [];
  /** Edges with a synthetic-input model, the one nearest the loss first (see trainStep). */
  private readonly syntheticInputEdges: Edge[];
  private readonly subscriptions: Subscription[] = [];
  private readonly loss = new SoftmaxCrossEntropy('loss');
  private readonly source: string;
  private readonly classes: number | undefined;
  private readonly receivedKinds = new Map<string, GradientKind[]>();
  private completedLosses: number[] = [];
  private readonly async: AsyncSchedule | undefined;
  private nextSourceTime = 0;
  private inFlight = 0;
  private stepMetrics: InterfaceStepMetric[] = [];
  private failure: unknown = null;
  private tick = 0;
  /** Every message on every edge, for pictures, dashboards and tests. Subscribers must not mutate tensors. */
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
    for (const node of plan.order) {
      const spec = network.getNodeAttributes(node);
      if (spec.kind === 'source' && node !== this.source) {
        throw new Error(
          `dniflow/runtime: network '${network.getAttribute('name')}' has more than one source`,
        );
      }
      if (spec.kind === 'loss' && spec.loss !== 'softmaxCrossEntropy') {
        throw new Error(
          `dniflow/runtime: loss '${node}' (${spec.loss}) is not supported by the graph engine yet`,
        );
      }
      if (spec.kind !== 'module') continue;
      const inputShape = this.inputShapeOf(node);
      // Same streams as the plain backprop engine, so both start from identical parameters.
      const layers = instantiateModule(node, spec.layers, inputShape, prng.stream(node));
      const compute = new ModuleCompute(
        node,
        layers,
        createOptimizer(layers.parameters(), optimizer),
        spec.pUpdate ?? 1,
        prng.stream(`${node}/pUpdate`),
      );
      this.computes.set(node, compute);
    }
    network.forEachEdge((key, attrs, source, target) => {
      if (attrs.delay !== 0) {
        throw new Error(
          `dniflow/runtime: edge ${source} -> ${target} has a time delay; recurrent edges need the recurrent runtime`,
        );
      }
      const label = `${source}->${target}`;
      const wired = wireInterface(
        attrs.interface,
        {
          activation: plan.outputShapes.get(source)!,
          input: plan.outputShapes.get(this.source)!,
          classes: this.classes,
        },
        prng.stream(`interface/${label}`),
        label,
      );
      const edge: Edge = { key, label, source, target, subject: new Subject<EdgeEvent>(), wired };
      this.edges.push(edge);
      this.subscriptions.push(
        edge.subject.pipe(wired.operator).subscribe({
          // Errors must not escape a subscriber (RxJS would rethrow them asynchronously): record them.
          next: (routed) => {
            try {
              this.deliver(edge, routed);
            } catch (error) {
              this.fail(error);
            }
          },
          error: (error) => this.fail(error),
        }),
      );
    });
    const rank = new Map(plan.order.map((node, index) => [node, index]));
    this.syntheticInputEdges = this.edges
      .filter((edge) => edge.wired.inputModel)
      .sort((a, b) => rank.get(b.target)! - rank.get(a.target)!);
    for (const [node, compute] of this.computes) this.actors.set(node, this.startActor(node, compute));
    this.async = options.schedule ? new AsyncSchedule(this.actors, options.schedule) : undefined;
  }

  trainStep(step: number, inputs: Tensor, labels: LabelArray): StepReport {
    return this.async
      ? this.trainStepAsync(step, inputs, labels)
      : this.trainStepLockstep(step, inputs, labels);
  }

  private trainStepLockstep(step: number, inputs: Tensor, labels: LabelArray): StepReport {
    this.completedLosses = [];
    this.stepMetrics = [];
    this.failure = null;
    this.emitStep(step, inputs, labels);
    if (this.failure !== null) {
      if (this.failure instanceof NonFiniteOutput)
        return { loss: Number.NaN, nonFinite: this.failure.module };
      throw this.failure;
    }
    this.checkAllReady(`lockstep step ${step}`);
    return this.report();
  }

  /**
   * Asynchronous: the step leaves the source at its own rate and the virtual clock runs until the
   * next one is due (or until few enough steps are in flight); modules work on their own clocks,
   * so this call may complete the losses of none, one or several steps.
   */
  private trainStepAsync(step: number, inputs: Tensor, labels: LabelArray): StepReport {
    const schedule = this.async!;
    this.completedLosses = [];
    this.stepMetrics = [];
    // The batcher reuses its buffers for the next batch; in flight, this step needs its own copy.
    const ownInputs = inputs.clone();
    const ownLabels = labels.slice() as LabelArray;
    const at = Math.max(schedule.queue.now, this.nextSourceTime);
    this.nextSourceTime = at + schedule.sourcePeriod;
    this.inFlight++;
    schedule.queue.schedule(at, () => this.emitStep(step, ownInputs, ownLabels));
    schedule.queue.runWhile(
      () =>
        this.failure === null &&
        (this.inFlight > schedule.maxInFlight || schedule.queue.peekTime() < this.nextSourceTime),
    );
    return this.asyncReport();
  }

  flush(): StepReport {
    if (!this.async) return { loss: 0, completed: 0 };
    this.completedLosses = [];
    this.stepMetrics = [];
    this.async.queue.runWhile(() => this.failure === null);
    const report = this.asyncReport();
    if (report.nonFinite === undefined) this.checkAllReady('the end of the asynchronous run');
    return report;
  }

  private asyncReport(): StepReport {
    if (this.failure !== null) {
      if (this.failure instanceof NonFiniteOutput)
        return { loss: Number.NaN, nonFinite: this.failure.module };
      throw this.failure;
    }
    return this.report();
  }

  private report(): StepReport {
    const losses = this.completedLosses;
    const loss = losses.reduce((a, b) => a + b, 0) / Math.max(losses.length, 1);
    if (losses.some((l) => !Number.isFinite(l))) return { loss: Number.NaN, nonFinite: 'loss' };
    return {
      loss,
      completed: losses.length,
      interfaces: this.stepMetrics.map(({ edge, kind, loss, cosine }) => ({ edge, kind, loss, cosine })),
    };
  }

  private checkAllReady(when: string): void {
    for (const [node, actor] of this.actors) {
      if (!actor.getSnapshot().matches('ready')) {
        throw new Error(`dniflow/runtime: ${when} ended with module '${node}' still waiting for a gradient`);
      }
    }
  }

  private emitStep(step: number, inputs: Tensor, labels: LabelArray): void {
    const context = { labels: labels as Uint8Array | Int32Array, classes: this.classes, input: inputs };
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
    return this.stepMetrics;
  }

  predict(inputs: Tensor, path: 'real' | 'synthetic' = 'real'): Tensor {
    const outputs = new Map<string, Tensor>([[this.source, inputs]]);
    let logits: Tensor | undefined;
    for (const node of this.plan.order) {
      const spec = this.network.getNodeAttributes(node);
      if (spec.kind === 'source') continue;
      const edge = this.edges.find((e) => e.target === node)!;
      let input = outputs.get(edge.source)!;
      if (path === 'synthetic' && edge.wired.inputModel) {
        // A reserved negative step: evaluation predictions never collide with training ones.
        input = edge.wired.inputModel.predict(-1, inputs).clone();
        edge.wired.inputModel.forget(-1);
      }
      if (spec.kind === 'loss') {
        logits = input;
        continue;
      }
      outputs.set(node, this.computes.get(node)!.layers.forward(input, false));
    }
    return logits!;
  }

  scaleLearningRate(factor: number): void {
    for (const compute of this.computes.values()) compute.scaleLearningRate(factor);
  }

  modules(): ModuleReport[] {
    return [...this.computes.values()].map((c) => ({
      name: c.name,
      updates: c.updates,
      ...(this.async ? this.async.times.get(c.name) : {}),
    }));
  }

  state(): Record<string, Tensor> {
    const state: Record<string, Tensor> = {};
    for (const [node, compute] of this.computes)
      captureState(`${node}/`, compute.layers, compute.optimizer, state);
    for (const edge of this.edges) {
      for (const [role, model] of [
        ['gradient', edge.wired.gradientModel],
        ['input', edge.wired.inputModel],
      ] as const) {
        if (!model) continue;
        const saved = model.state();
        for (const [name, tensor] of Object.entries(saved.tensors))
          state[`${edge.label}/${role}/${name}`] = tensor;
      }
    }
    return state;
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

  private startActor(node: string, compute: ModuleCompute): Actor<typeof moduleMachine> {
    const gradientEdges = this.outEdges(node).filter((e) => e.wired.returnsGradient).length;
    const logic = moduleMachine.provide({
      actions: {
        runForward: (_, { message }) => this.runForward(node, compute, message),
        accumulateGradient: (_, { message }) => {
          compute.accumulate(message.gradient);
          this.kindsOf(node).push(message.kind);
        },
        runBackward: (_, { step }) => this.runBackward(node, compute, step),
        skipUpdate: () => {
          compute.skip();
          this.receivedKinds.set(node, []);
        },
      },
      guards: { updatesThisStep: () => compute.updatesThisStep() },
    });
    const actor = createActor(logic, { input: { gradientEdges } });
    actor.subscribe({ error: (error) => this.fail(error) });
    return actor.start();
  }

  private runForward(node: string, compute: ModuleCompute, message: ForwardMessage): void {
    const output = compute.forward(message.activation, true);
    const outs = this.outEdges(node);
    outs.forEach((edge, i) => {
      const activation = i === 0 ? output : output.clone();
      this.send(edge, { type: 'forward', message: { ...message, activation } });
    });
  }

  private runBackward(node: string, compute: ModuleCompute, step: number): void {
    const returnsGradient = this.inEdges(node).some((edge) => edge.source !== this.source);
    if (!returnsGradient) {
      // Nobody reads a gradient with respect to the data: don't compute or copy it.
      compute.updateWithoutInputGradient();
      this.receivedKinds.set(node, []);
      return;
    }
    const inputGradient = compute.backwardAndUpdate();
    // What the module passes on is the true gradient only if all it received was true (paper §2).
    const kinds = this.kindsOf(node);
    const kind: GradientKind = kinds.every((k) => k === 'true') ? 'true' : 'bootstrapped';
    this.receivedKinds.set(node, []);
    for (const edge of this.inEdges(node)) {
      if (edge.source === this.source) continue;
      const message: BackwardMessage = { step, tick: this.tick, gradient: inputGradient, kind };
      this.send(edge, { type: 'backward', message });
    }
  }

  private deliver(edge: Edge, routed: RoutedMessage): void {
    if (this.traffic.observed && routed.to !== 'metrics') {
      this.traffic.next(
        routed.to === 'receiver'
          ? {
              edge: edge.label,
              direction: 'forward',
              stage: 'delivered',
              step: routed.message.step,
              kind: 'activation',
              tensor: routed.message.activation,
            }
          : {
              edge: edge.label,
              direction: 'backward',
              stage: 'delivered',
              step: routed.message.step,
              kind: routed.message.kind,
              tensor: routed.message.gradient,
            },
      );
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
      case 'metrics':
        this.stepMetrics.push({
          edge: edge.label,
          kind: this.metricKind(edge, routed.metric.targetKind),
          ...routed.metric,
        });
        return;
    }
  }

  private runLoss(edge: Edge, message: ForwardMessage): void {
    const labels = message.context?.labels;
    if (!labels)
      throw new Error(`dniflow/runtime: loss '${edge.target}' got no labels at step ${message.step}`);
    this.completedLosses.push(this.loss.forward(message.activation, labels));
    this.inFlight--;
    const gradient = this.loss.backward().clone();
    edge.subject.next({
      type: 'backward',
      message: { step: message.step, tick: message.tick, gradient, kind: 'true' },
    });
  }

  private send(edge: Edge, event: EdgeEvent): void {
    if (this.traffic.observed && event.type !== 'input') {
      const { message } = event;
      this.traffic.next(
        event.type === 'forward'
          ? {
              edge: edge.label,
              direction: 'forward',
              stage: 'sent',
              step: message.step,
              kind: 'activation',
              tensor: event.message.activation,
            }
          : {
              edge: edge.label,
              direction: 'backward',
              stage: 'sent',
              step: message.step,
              kind: event.message.kind,
              tensor: event.message.gradient,
            },
      );
    }
    edge.subject.next(event);
  }

  /** What a metric measures: a synthetic input, or a synthetic gradient with (cDNI) or without label context. */
  private metricKind(edge: Edge, targetKind: string): string {
    if (targetKind === 'activation') return 'syntheticInput';
    const spec = this.network.getEdgeAttribute(edge.key, 'interface');
    const context =
      spec.kind === 'dni' ? spec.context : spec.kind === 'unlock' ? spec.gradient.context : undefined;
    return context === 'label' ? 'cdni' : 'dni';
  }

  /** Lockstep: at once. Asynchronous: into the module's mailbox after the edge latency. */
  private post(node: string, event: ModuleEvent): void {
    if (this.async) this.async.post(node, event);
    else this.actors.get(node)!.send(event);
  }

  private fail(error: unknown): void {
    this.failure ??= error;
  }

  private kindsOf(node: string): GradientKind[] {
    let kinds = this.receivedKinds.get(node);
    if (!kinds) {
      kinds = [];
      this.receivedKinds.set(node, kinds);
    }
    return kinds;
  }

  private outEdges(node: string): Edge[] {
    return this.edges.filter((e) => e.source === node);
  }

  private inEdges(node: string): Edge[] {
    return this.edges.filter((e) => e.target === node);
  }

  private inputShapeOf(node: string): readonly number[] {
    const [edge] = this.network.inEdges(node);
    return this.plan.outputShapes.get(this.network.source(edge))!;
  }
}
