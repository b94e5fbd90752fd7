import type { Observable } from 'rxjs';
import type { LabelArray } from '../data/dataset.ts';
import type { Tensor } from '../tensor/tensor.ts';
import type { TrafficSummary } from './edge-traffic.ts';

/** One module's part of a training step, for metrics and for naming the culprit of a NaN. */
export interface ModuleReport {
  name: string;
  updates: number;
  /** Asynchronous scheduler only: virtual time computing, locked awaiting a gradient, and activations queued. */
  busy?: number;
  locked?: number;
  queued?: number;
}

/** Per-step numbers an engine reports: the loss, and per-interface synthetic-model metrics. */
export interface StepReport {
  /** Mean loss of the steps that completed during this call. */
  loss: number;
  /** How many steps' losses `loss` averages (asynchronous schedules may complete 0 or several); default 1. */
  completed?: number;
  /** The first module (or 'loss') that produced NaN or ±Infinity this step; nothing was updated from it. */
  nonFinite?: string;
  /** One entry per synthetic-model regression this step; `kind` is 'dni', 'cdni', 'stale' or 'syntheticInput'. */
  interfaces?: { edge: string; kind: string; loss: number; cosine?: number }[];
}

/**
 * How a network takes a training step and predicts. The trainer drives epochs, evaluation, metrics
 * and checkpoints; an engine owns parameters and the order of computation within a step.
 */
export interface StepEngine {
  /**
   * `examples` are the batch's training-set indices, row by row (Batch.examples): interfaces with
   * per-example state need them; engines without such state may ignore them.
   */
  trainStep(
    step: number,
    inputs: Tensor,
    labels: LabelArray,
    examples?: Uint32Array,
  ): StepReport | Promise<StepReport>;
  /** Completes every step still in flight (asynchronous schedules); called before evaluation. */
  flush?(): StepReport | Promise<StepReport>;
  /** Logits for a batch in evaluation mode; `path` picks the real or the fully synthetic forward path. */
  predict(inputs: Tensor, path?: 'real' | 'synthetic'): Tensor;
  /** Multiplies every optimiser's base learning rate by `factor` relative to its initial value. */
  scaleLearningRate(factor: number): void;
  /** Module names in order, with their update counts. */
  modules(): ModuleReport[];
  /** A copy of all state (parameters, buffers, optimiser slots), keyed by stable names. */
  state(): Record<string, Tensor>;
  loadState(state: Record<string, Tensor>): void;
  /** What crosses every edge (for dashboards), where the engine can tell. */
  readonly traffic?: Observable<TrafficSummary>;
}
