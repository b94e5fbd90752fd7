import { orderedBatches, shuffledBatches } from '../data/batches.ts';
import type { Dataset } from '../data/dataset.ts';
import type { Prng } from '../tensor/prng.ts';
import { argmaxRows } from '../tensor/reduce.ts';
import type { Shape } from '../tensor/tensor.ts';
import { writeCheckpoint } from './checkpoint.ts';
import type { Clock } from './clock.ts';
import type { StepEngine, StepReport } from './engine.ts';

export interface TrainerOptions {
  epochs: number;
  batch: number;
  /** Shape each example is fed as (the source's declared shape; the data are reshaped, not copied). */
  inputShape: Shape;
  prng: Prng;
  clock: Clock;
  /** Learning-rate multiplier per 0-based epoch. */
  lrSchedule?: (epoch: number) => number;
  evalBatch?: number;
  /** Where the last good state is saved after every epoch (and kept if training diverges). */
  checkpointPath?: string;
  onEvent?: (event: TrainEvent) => void;
}

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

/** Training stopped because a loss or a parameter became NaN or infinite. */
export class DivergenceError extends Error {
  constructor(
    readonly module: string,
    readonly step: number,
    readonly checkpoint: string | undefined,
  ) {
    super(
      `dniflow/runtime: training diverged at step ${step}: non-finite values in '${module}'` +
        (checkpoint ? `; the last good checkpoint is kept at ${checkpoint}` : ''),
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
 * Runs epochs of shuffled minibatches, evaluates after each, and reports through `onEvent`. The event
 * loop gets a turn after every batch (a live dashboard serves its page and streams events meanwhile;
 * the workers scheduler's messages arrive).
 */
export async function train(
  engine: StepEngine,
  data: { train: Dataset; test: Dataset },
  options: TrainerOptions,
  hasSyntheticPath = false,
): Promise<EpochMetrics[]> {
  const history: EpochMetrics[] = [];
  const batches = Math.ceil(data.train.count / options.batch);
  const shuffle = options.prng.stream('shuffle');
  let step = 0;
  for (let epoch = 1; epoch <= options.epochs; epoch++) {
    engine.scaleLearningRate(options.lrSchedule?.(epoch - 1) ?? 1);
    const started = options.clock.now();
    let lossSum = 0;
    let lossCount = 0;
    const interfaces = new InterfaceAverages();
    for (const batch of shuffledBatches(data.train, options.batch, shuffle)) {
      const report = await engine.trainStep(
        step,
        batch.inputs.reshape([batch.size, ...options.inputShape]),
        batch.labels,
        batch.examples,
      );
      if (report.nonFinite !== undefined)
        throw new DivergenceError(report.nonFinite, step, options.checkpointPath);
      const completed = report.completed ?? 1;
      if (completed > 0) lossSum += report.loss * completed;
      lossCount += completed;
      interfaces.add(report.interfaces);
      step++;
      options.onEvent?.({ type: 'batch', epoch, batch: batch.index + 1, batches, loss: report.loss });
      await new Promise((resolve) => setImmediate(resolve));
    }
    const rest = await engine.flush?.();
    if (rest) {
      if (rest.nonFinite !== undefined)
        throw new DivergenceError(rest.nonFinite, step, options.checkpointPath);
      if ((rest.completed ?? 0) > 0) lossSum += rest.loss * rest.completed!;
      lossCount += rest.completed ?? 0;
      interfaces.add(rest.interfaces);
    }
    const trained = options.clock.now();
    const evalOptions = { inputShape: options.inputShape, batch: options.evalBatch ?? 1000 };
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
    if (options.checkpointPath)
      writeCheckpoint(options.checkpointPath, { meta: { epoch, step }, state: engine.state() });
    history.push(metrics);
    options.onEvent?.({ type: 'epoch', ...metrics });
  }
  return history;
}
