import { orderedBatches, shuffledBatches } from '../data/batches.ts';
import type { Dataset } from '../data/dataset.ts';
import { type StepSchedule, scheduleFactor } from '../graph/lr-schedule.ts';
import type { Prng } from '../tensor/prng.ts';
import { argmaxRows } from '../tensor/reduce.ts';
import type { Shape } from '../tensor/tensor.ts';
import { writeCheckpoint } from './checkpoint.ts';
import type { Clock } from './clock.ts';
import type { StepEngine, StepReport } from './engine.ts';

export interface TrainerOptions {
  /** Epochs to reach; ignored when `steps` is given. */
  epochs: number;
  /**
   * A budget of iterations instead of epochs (the paper's budgets are iterations, §3.1): training
   * stops after this many global steps, mid-epoch if need be; the last, partial epoch is reported
   * and evaluated like any other.
   */
  steps?: number;
  batch: number;
  /**
   * Skip an epoch's last batch when it holds a single example: batch norm cannot train on one (the
   * run refuses a batch size of 1 before this).
   */
  dropSingleLast?: boolean;
  /** Shape each example is fed as (the source's declared shape; the data are reshaped, not copied). */
  inputShape: Shape;
  prng: Prng;
  clock: Clock;
  /** Learning-rate multiplier per 0-based epoch, applied before the epoch's first step. */
  lrSchedule?: (epoch: number) => number;
  /**
   * Learning-rate multiplier per 0-based global step of the run's total (`steps`, or epochs × batches
   * per epoch), applied before that step. Excludes `lrSchedule`.
   */
  lrScheduleSteps?: StepSchedule;
  /** Also evaluate the test error every this many global steps (learning curves), besides each epoch's end. */
  evalEvery?: number;
  /** Called after every evaluation of the test error: each epoch's end, and every `evalEvery` steps. */
  onEval?: (point: EvalPoint) => void;
  evalBatch?: number;
  /** Where the last good state is saved after every epoch (and kept if training diverges). */
  checkpointPath?: string;
  /** Recorded in every checkpoint beside the trainer's own position (what run it belongs to). */
  checkpointMeta?: Record<string, unknown>;
  /** Continue from a checkpoint's position instead of epoch 1 (the engine's state is restored by the caller). */
  start?: TrainerStart;
  /**
   * A step whose mean loss is above this is a divergence even while finite (exploding losses run
   * on for hours otherwise). Default DEFAULT_MAX_LOSS.
   */
  maxLoss?: number;
  /** The loss node's name, for naming it when the loss explodes. */
  lossName?: string;
  /** Aborting it stops training at the next batch boundary with an InterruptedError. */
  signal?: AbortSignal;
  onEvent?: (event: TrainEvent) => void;
}

/**
 * Minibatches in an epoch of `count` examples, and whether its last one is skipped: with
 * `dropSingleLast` (batch norm cannot train on one example), a last batch of a single example is.
 */
export function epochBatches(
  count: number,
  batch: number,
  dropSingleLast: boolean,
): { batches: number; dropLast: boolean } {
  const dropLast = dropSingleLast && count % batch === 1;
  return { batches: Math[dropLast ? 'floor' : 'ceil'](count / batch), dropLast };
}

/** Where a resumed run takes up: what its checkpoint recorded after epoch `epoch`. */
export interface TrainerStart {
  /** Epochs already done. */
  epoch: number;
  /** Global steps already taken. */
  step: number;
  /** The shuffle stream's position (Prng.position()), so the next epoch draws the order it would have. */
  shuffle: ArrayLike<number>;
  /** Metrics of the epochs already done. */
  history: EpochMetrics[];
}

/** One point of a learning curve: the test error (%) after `step` global steps. */
export interface EvalPoint {
  step: number;
  epoch: number;
  test_error: number;
}

/**
 * Cross-entropy losses of the graphs here start near ln(classes) (2.3 for MNIST) and copy-task bit
 * losses near 1 per bit; a mean loss of a million means the weights have blown up, whatever the task.
 */
export const DEFAULT_MAX_LOSS = 1e6;

export interface EpochMetrics {
  epoch: number;
  train_loss: number;
  test_error: number;
  /** Wall-clock seconds of the epoch, evaluation included. */
  seconds: number;
  /** Of which training: from the epoch's first batch until every step in flight has completed. */
  train_seconds: number;
  /** Test error of the fully synthetic forward path, for networks with synthetic inputs. */
  test_error_synthetic?: number;
  modules: { name: string; updates: number }[];
  /** Per interface with a synthetic model: mean regression loss and mean cosine(synthetic, target) this epoch. */
  interfaces: InterfaceEpochMetrics[];
}

export interface InterfaceEpochMetrics {
  edge: string;
  kind: string;
  sg_loss: number;
  cosine?: number;
  /** How many regressions the epoch's means are over. */
  count: number;
}

/** Running per-edge means of the interface metrics steps report. */
class InterfaceAverages {
  private readonly sums = new Map<
    string,
    { edge: string; kind: string; loss: number; cosine: number; cosines: number; count: number }
  >();

  add(metrics: StepReport['interfaces']): void {
    for (const { edge, kind, loss, cosine } of metrics ?? []) {
      const key = `${edge}\u0000${kind}`;
      let sum = this.sums.get(key);
      if (!sum) {
        sum = { edge, kind, loss: 0, cosine: 0, cosines: 0, count: 0 };
        this.sums.set(key, sum);
      }
      sum.loss += loss;
      sum.count++;
      if (cosine !== undefined) {
        sum.cosine += cosine;
        sum.cosines++;
      }
    }
  }

  means(): InterfaceEpochMetrics[] {
    return [...this.sums.values()].map((s) => ({
      edge: s.edge,
      kind: s.kind,
      sg_loss: s.loss / s.count,
      ...(s.cosines > 0 ? { cosine: s.cosine / s.cosines } : {}),
      count: s.count,
    }));
  }
}

export type TrainEvent =
  | { type: 'batch'; epoch: number; batch: number; batches: number; loss: number }
  | ({ type: 'epoch' } & EpochMetrics);

/**
 * Training stopped because a loss or a parameter became NaN or infinite, or a loss exploded past
 * `maxLoss` (then `loss` holds it). `checkpoint` is named only if this run wrote it (or resumed from it).
 */
export class DivergenceError extends Error {
  override readonly name = 'DivergenceError';
  constructor(
    readonly module: string,
    readonly step: number,
    readonly checkpoint: string | undefined,
    readonly loss?: { value: number; limit: number },
  ) {
    const what = loss
      ? `the loss of '${module}' is ${loss.value.toPrecision(3)}, above maxLoss ${loss.limit} (train --max-loss)`
      : `non-finite values in '${module}'`;
    super(
      `dniflow/runtime: training diverged at step ${step}: ${what}` +
        (checkpoint ? `; the last good checkpoint is kept at ${checkpoint}` : '; no checkpoint was saved'),
    );
  }
}

/** Training stopped at a batch boundary because its AbortSignal was aborted (SIGINT, SIGTERM). */
export class InterruptedError extends Error {
  override readonly name = 'InterruptedError';
  constructor(
    readonly reason: string,
    readonly step: number,
    readonly checkpoint: string | undefined,
  ) {
    super(
      `dniflow/runtime: training interrupted (${reason}) at step ${step}` +
        (checkpoint ? `; the last good checkpoint is kept at ${checkpoint}` : '; no checkpoint was saved'),
    );
  }
}

/** Percent of test examples whose argmax prediction differs from the label. */
export function testError(
  engine: StepEngine,
  test: Dataset,
  options: { inputShape: Shape; batch: number; path?: 'real' | 'synthetic' },
): number {
  let wrong = 0;
  let predicted: Int32Array | null = null;
  for (const batch of orderedBatches(test, options.batch)) {
    const logits = engine.predict(batch.inputs.reshape([batch.size, ...options.inputShape]), options.path);
    const classes = logits.shape[1];
    if (predicted === null || predicted.length < batch.size) predicted = new Int32Array(batch.size);
    argmaxRows(logits.data, batch.size, classes, predicted);
    for (let i = 0; i < batch.size; i++) if (predicted[i] !== batch.labels[i]) wrong++;
  }
  return (100 * wrong) / Math.max(test.count, 1);
}

/**
 * Runs epochs of shuffled minibatches (or a budget of steps), evaluates after each epoch (and every
 * `evalEvery` steps), and reports through `onEvent` and `onEval`. The event
 * loop gets a turn after every batch (a live dashboard serves its page and streams events meanwhile;
 * the workers scheduler's messages arrive).
 */
export async function train(
  engine: StepEngine,
  data: { train: Dataset; test: Dataset },
  options: TrainerOptions,
  hasSyntheticPath = false,
): Promise<EpochMetrics[]> {
  const history: EpochMetrics[] = [...(options.start?.history ?? [])];
  const { batches, dropLast } = epochBatches(
    data.train.count,
    options.batch,
    options.dropSingleLast === true,
  );
  const shuffle = options.prng.stream('shuffle');
  if (options.start) shuffle.seek(options.start.shuffle);
  let step = options.start?.step ?? 0;
  // Named in errors only once this run has written it, or resumed from it: a file another run left
  // at the same path is not this run's last good state.
  let lastGood = options.start ? options.checkpointPath : undefined;
  const maxLoss = options.maxLoss ?? DEFAULT_MAX_LOSS;
  const check = (report: StepReport): void => {
    if (report.nonFinite !== undefined) throw new DivergenceError(report.nonFinite, step, lastGood);
    if ((report.completed ?? 1) > 0 && report.loss > maxLoss)
      throw new DivergenceError(options.lossName ?? 'loss', step, lastGood, {
        value: report.loss,
        limit: maxLoss,
      });
  };
  const interrupted = (): InterruptedError =>
    new InterruptedError(String(options.signal?.reason ?? 'aborted'), step, lastGood);
  if (options.lrSchedule && options.lrScheduleSteps)
    throw new Error('dniflow/runtime: give the trainer one learning-rate schedule, on epochs or on steps');
  const budget = options.steps;
  const lastEpoch = budget === undefined ? options.epochs : Math.ceil(budget / batches);
  const totalSteps = budget ?? lastEpoch * batches;
  // Scaled only when the factor changes: the workers engine broadcasts every change to its threads.
  let appliedFactor: number | undefined;
  const applyFactor = (factor: number): void => {
    if (factor === appliedFactor) return;
    engine.scaleLearningRate(factor);
    appliedFactor = factor;
  };
  const evalOptions = { inputShape: options.inputShape, batch: options.evalBatch ?? 1000 };
  for (let epoch = (options.start?.epoch ?? 0) + 1; epoch <= lastEpoch; epoch++) {
    if (options.signal?.aborted) throw interrupted();
    if (!options.lrScheduleSteps) applyFactor(options.lrSchedule?.(epoch - 1) ?? 1);
    const started = options.clock.now();
    let lossSum = 0;
    let lossCount = 0;
    const interfaces = new InterfaceAverages();
    const absorb = (report: StepReport): void => {
      check(report);
      const completed = report.completed ?? 1;
      if (completed > 0) lossSum += report.loss * completed;
      lossCount += completed;
      interfaces.add(report.interfaces);
    };
    for (const batch of shuffledBatches(data.train, options.batch, shuffle, { dropLast })) {
      if (budget !== undefined && step >= budget) break;
      if (options.lrScheduleSteps)
        applyFactor(scheduleFactor(options.lrScheduleSteps, step, totalSteps, 'the learning-rate schedule'));
      const report = await engine.trainStep(
        step,
        batch.inputs.reshape([batch.size, ...options.inputShape]),
        batch.labels,
        batch.examples,
      );
      absorb(report);
      step++;
      options.onEvent?.({ type: 'batch', epoch, batch: batch.index + 1, batches, loss: report.loss });
      const endsEpoch = batch.index + 1 === batches || step === budget;
      // A learning-curve point inside the epoch; the epoch's own evaluation below covers its end.
      if (options.evalEvery !== undefined && step % options.evalEvery === 0 && !endsEpoch) {
        const rest = await engine.flush?.();
        if (rest) absorb(rest);
        options.onEval?.({ step, epoch, test_error: testError(engine, data.test, evalOptions) });
      }
      await new Promise((resolve) => setImmediate(resolve));
      if (options.signal?.aborted) throw interrupted();
    }
    const rest = await engine.flush?.();
    if (rest) absorb(rest);
    const trained = options.clock.now();
    const metrics: EpochMetrics = {
      epoch,
      train_loss: lossSum / Math.max(lossCount, 1),
      test_error: testError(engine, data.test, evalOptions),
      seconds: options.clock.now() - started,
      train_seconds: trained - started,
      modules: engine.modules(),
      interfaces: interfaces.means(),
    };
    if (hasSyntheticPath)
      metrics.test_error_synthetic = testError(engine, data.test, { ...evalOptions, path: 'synthetic' });
    history.push(metrics);
    options.onEval?.({ step, epoch, test_error: metrics.test_error });
    if (options.checkpointPath) {
      // Everything a resume needs to continue exactly: the position, the data order, the history.
      const meta = {
        ...options.checkpointMeta,
        epoch,
        step,
        shuffle: Array.from(shuffle.position(), (v) => (Number.isNaN(v) ? null : v)),
        history,
      };
      writeCheckpoint(options.checkpointPath, { meta, state: engine.state() });
      lastGood = options.checkpointPath;
    }
    options.onEvent?.({ type: 'epoch', ...metrics });
  }
  return history;
}
