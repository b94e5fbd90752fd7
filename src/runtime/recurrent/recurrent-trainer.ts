import type { Clock } from '../clock.ts';
import { NonFiniteOutput } from '../module-compute.ts';
import { DEFAULT_MAX_LOSS, DivergenceError, InterruptedError } from '../trainer.ts';
import type { RecurrentRun } from './build.ts';

/** One epoch (a fixed number of ticks per lane) of a Copy / Repeat Copy run. */
export interface RecurrentEpochMetrics {
  epoch: number;
  /** Ticks per lane seen so far. */
  ticks: number;
  /** The difficulty at the epoch's end, its task length, and the largest length solved so far. */
  n: number;
  r: number;
  task_length: number;
  solved_length: number;
  /** Training error in bits per target tick over the epoch. */
  bits_per_tick: number;
  /** The state loop's synthetic gradient: mean regression loss and cosine to its target (null: bptt). */
  sg_loss: number | null;
  sg_cosine: number | null;
  /** DNI+Aux: the aux head's mean regression loss (null without it). */
  aux_loss: number | null;
  seconds: number;
}

export interface RecurrentTrainOptions {
  epochs: number;
  ticksPerEpoch: number;
  clock: Clock;
  /** Called after each epoch; return false to stop early. */
  onEpoch?: (metrics: RecurrentEpochMetrics) => boolean | undefined;
  /** Aborting it stops at the next window (InterruptedError). */
  signal?: AbortSignal;
  /** A window's loss above this stops training as diverged (default DEFAULT_MAX_LOSS). */
  maxLoss?: number;
}

const mean = (sum: number, count: number) => (count > 0 ? sum / count : null);

/**
 * Trains a recurrent run window by window on its endless stream (no state resets, paper §3.2),
 * feeding the curriculum after every window. An epoch is `ticksPerEpoch` ticks per lane, rounded
 * up to whole windows. Stops early at the task's ceiling.
 */
export function trainRecurrent(run: RecurrentRun, options: RecurrentTrainOptions): RecurrentEpochMetrics[] {
  const { engine, stream, curriculum, window } = run;
  const history: RecurrentEpochMetrics[] = [];
  const start = options.clock.now();
  const maxLoss = options.maxLoss ?? DEFAULT_MAX_LOSS;
  for (let epoch = 0; epoch < options.epochs; epoch++) {
    let bits = 0;
    let targetTicks = 0;
    let sgLoss = 0;
    let sgCosine = 0;
    let sgCount = 0;
    let auxLoss = 0;
    let auxCount = 0;
    for (let ticks = 0; ticks < options.ticksPerEpoch; ticks += window) {
      const signal = options.signal;
      if (signal?.aborted) throw new InterruptedError(String(signal.reason), engine.core.windows, undefined);
      const report = step(run, maxLoss);
      bits += report.bits;
      targetTicks += report.ticks;
      if (report.sg) {
        sgLoss += report.sg.loss;
        sgCosine += report.sg.cosine;
        sgCount++;
      }
      if (report.aux) {
        auxLoss += report.aux.loss;
        auxCount++;
      }
      curriculum.observe(window, report.bits, report.ticks);
    }
    const metrics: RecurrentEpochMetrics = {
      epoch: epoch + 1,
      ticks: stream.ticks,
      n: stream.n,
      r: stream.r,
      task_length: stream.taskLength,
      solved_length: stream.solvedLength,
      bits_per_tick: targetTicks > 0 ? bits / targetTicks : Number.NaN,
      sg_loss: mean(sgLoss, sgCount),
      sg_cosine: mean(sgCosine, sgCount),
      aux_loss: mean(auxLoss, auxCount),
      seconds: options.clock.now() - start,
    };
    history.push(metrics);
    if (options.onEpoch?.(metrics) === false) break;
  }
  return history;
}

/** One window, with NaN, infinite or exploding values stopping the run, naming where and when. */
function step(run: RecurrentRun, maxLoss: number) {
  const { engine, stream, window } = run;
  const at = engine.core.windows;
  let report: ReturnType<typeof engine.step>;
  try {
    report = engine.step(stream.next(window));
  } catch (error) {
    if (error instanceof NonFiniteOutput) throw new DivergenceError(error.module, at, undefined);
    throw error;
  }
  if (report.loss > maxLoss)
    throw new DivergenceError(engine.lossName, at, undefined, { value: report.loss, limit: maxLoss });
  return report;
}
