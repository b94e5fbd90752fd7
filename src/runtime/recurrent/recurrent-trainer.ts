import type { Tensor } from '../../tensor/tensor.ts';
import type { Clock } from '../clock.ts';
import { NonFiniteOutput } from '../module-compute.ts';
import { DEFAULT_MAX_LOSS, DivergenceError, InterruptedError } from '../trainer.ts';
import type { CopyRun, RecurrentRun, TextRun } from './build.ts';
import type { WindowReport } from './recurrent-engine.ts';
import { evaluateText, ParameterSnapshot } from './text-evaluation.ts';
import type { WindowInputs } from './window-loss.ts';

/** What every recurrent epoch reports of the state loop's synthetic gradient (null: bptt). */
interface SyntheticMetrics {
  /** Mean regression loss and cosine to the bootstrapped target. */
  sg_loss: number | null;
  sg_cosine: number | null;
  /** DNI+Aux: the aux head's mean regression loss (null without it). */
  aux_loss: number | null;
  seconds: number;
}

/** One epoch (a fixed number of ticks per lane) of a Copy / Repeat Copy run. */
export interface CopyEpochMetrics extends SyntheticMetrics {
  task: 'copy';
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
}

/** One epoch of a character-level language model, evaluated on the validation split. */
export interface TextEpochMetrics extends SyntheticMetrics {
  task: 'text';
  epoch: number;
  /** Characters predicted in training so far (ticks × lanes). */
  chars: number;
  train_bpc: number;
  valid_bpc: number;
  best_valid_bpc: number;
}

export type RecurrentEpochMetrics = CopyEpochMetrics | TextEpochMetrics;

export interface RecurrentTrainOptions {
  epochs: number;
  ticksPerEpoch: number;
  clock: Clock;
  /** Called after each epoch. */
  onEpoch?: (metrics: RecurrentEpochMetrics) => void;
  /** Called after each window with its loss (1-based epoch; windows trained so far in the run). */
  onWindow?: (epoch: number, windows: number, loss: number) => void;
  /** Aborting it stops at the next window (InterruptedError). */
  signal?: AbortSignal;
  /** A window's loss above this stops training as diverged (default DEFAULT_MAX_LOSS). */
  maxLoss?: number;
  /** Text: stop after this many epochs without a better validation figure (default: never). */
  patience?: number;
  /**
   * Called at each epoch's end, before `onEpoch`, with what the trainer holds beyond the run's own
   * state: a checkpoint of both continues the run exactly (recurrent-state.ts).
   */
  onCheckpoint?: (progress: RecurrentProgress) => void;
  /** A resumed run's progress, from its checkpoint; the run's own state is restored already. */
  start?: RecurrentProgress;
  /** Multiplies the core's and the readout's learning rates at an epoch (0-based). */
  lrSchedule?: (epoch: number) => number;
}

/**
 * The trainer's part of a run at an epoch boundary: the epochs done and their metrics, the seconds
 * they took, and for text runs the characters seen and the best validation point with its
 * parameters (live in `best`: copy them to keep them).
 */
export interface RecurrentProgress {
  epoch: number;
  history: RecurrentEpochMetrics[];
  seconds: number;
  text?: { chars: number; bestValid: number; bestEpoch: number; best: Record<string, Tensor> };
}

/** A text run's result beyond its epochs: the test figure of the best validation parameters. */
export interface TextOutcome {
  best_epoch: number;
  test_bpc: number;
}

/**
 * Trains a recurrent run window by window (no state resets within a pass, paper §3.2). An epoch is
 * `ticksPerEpoch` ticks per lane, rounded up to whole windows. Copy runs feed the curriculum after
 * every window; text runs are evaluated on the validation split after every epoch, stop early after
 * `patience` epochs without improvement, and end with the best parameters restored and scored on
 * the test split.
 */
export async function trainRecurrent(
  run: RecurrentRun,
  options: RecurrentTrainOptions,
): Promise<{ history: RecurrentEpochMetrics[]; text?: TextOutcome }> {
  return run.kind === 'copy' ? { history: await trainCopy(run, options) } : trainText(run, options);
}

/**
 * Windows between two returns to the event loop: the math is synchronous, and a signal handler
 * (SIGINT, SIGTERM → the AbortSignal) only runs when the loop is given a turn.
 */
const WINDOWS_PER_TURN = 16;
const turn = () => new Promise<void>((resolve) => setImmediate(resolve));

/** The graph's learning-rate schedule at an epoch, for the core and the readout. */
function scheduleEpoch(run: RecurrentRun, options: RecurrentTrainOptions, epoch: number): void {
  const factor = options.lrSchedule?.(epoch) ?? 1;
  run.engine.core.scaleLearningRate(factor);
  run.engine.readout.scaleLearningRate(factor);
}

/** Sums of one epoch's windows. */
class EpochSums {
  bits = 0;
  ticks = 0;
  private sgLoss = 0;
  private sgCosine = 0;
  private sgCount = 0;
  private auxLoss = 0;
  private auxCount = 0;

  add(report: WindowReport): void {
    this.bits += report.bits;
    this.ticks += report.ticks;
    if (report.sg) {
      this.sgLoss += report.sg.loss;
      this.sgCosine += report.sg.cosine;
      this.sgCount++;
    }
    if (report.aux) {
      this.auxLoss += report.aux.loss;
      this.auxCount++;
    }
  }

  synthetic(seconds: number): SyntheticMetrics {
    const mean = (sum: number, count: number) => (count > 0 ? sum / count : null);
    return {
      sg_loss: mean(this.sgLoss, this.sgCount),
      sg_cosine: mean(this.sgCosine, this.sgCount),
      aux_loss: mean(this.auxLoss, this.auxCount),
      seconds,
    };
  }
}

async function trainCopy(run: CopyRun, options: RecurrentTrainOptions): Promise<CopyEpochMetrics[]> {
  const { stream, curriculum, window } = run;
  const history = [...(options.start?.history ?? [])] as CopyEpochMetrics[];
  // The wall clock counts on from the seconds the run had taken before a resume.
  const start = options.clock.now() - (options.start?.seconds ?? 0);
  for (let epoch = options.start?.epoch ?? 0; epoch < options.epochs; epoch++) {
    scheduleEpoch(run, options, epoch);
    const sums = new EpochSums();
    for (let ticks = 0; ticks < options.ticksPerEpoch; ticks += window) {
      if (run.engine.core.windows % WINDOWS_PER_TURN === 0) await turn();
      const report = step(run, () => stream.next(window), options);
      options.onWindow?.(epoch + 1, run.engine.core.windows, report.loss);
      sums.add(report);
      curriculum.observe(window, report.bits, report.ticks);
    }
    const metrics: CopyEpochMetrics = {
      task: 'copy',
      epoch: epoch + 1,
      ticks: stream.ticks,
      n: stream.n,
      r: stream.r,
      task_length: stream.taskLength,
      solved_length: stream.solvedLength,
      bits_per_tick: sums.ticks > 0 ? sums.bits / sums.ticks : Number.NaN,
      ...sums.synthetic(options.clock.now() - start),
    };
    history.push(metrics);
    options.onCheckpoint?.({ epoch: epoch + 1, history, seconds: metrics.seconds });
    options.onEpoch?.(metrics);
  }
  return history;
}

async function trainText(
  run: TextRun,
  options: RecurrentTrainOptions,
): Promise<{ history: TextEpochMetrics[]; text: TextOutcome }> {
  const { engine, corpus, train, window } = run;
  const resumed = options.start;
  const history = [...(resumed?.history ?? [])] as TextEpochMetrics[];
  const start = options.clock.now() - (resumed?.seconds ?? 0);
  const best = new ParameterSnapshot(engine);
  if (resumed?.text) best.load(resumed.text.best);
  let bestValid = resumed?.text?.bestValid ?? Number.POSITIVE_INFINITY;
  let bestEpoch = resumed?.text?.bestEpoch ?? 0;
  let chars = resumed?.text?.chars ?? 0;
  for (let epoch = resumed?.epoch ?? 0; epoch < options.epochs; epoch++) {
    // Checked before the epoch, so that a resumed run that had stopped early stays stopped.
    if (options.patience !== undefined && epoch - bestEpoch >= options.patience) break;
    scheduleEpoch(run, options, epoch);
    const sums = new EpochSums();
    for (let ticks = 0; ticks < options.ticksPerEpoch; ticks += window) {
      if (run.engine.core.windows % WINDOWS_PER_TURN === 0) await turn();
      const report = step(run, () => train.next(), options);
      options.onWindow?.(epoch + 1, run.engine.core.windows, report.loss);
      sums.add(report);
    }
    chars += sums.ticks;
    const valid = evaluateText(run, corpus.valid);
    if (valid < bestValid) {
      bestValid = valid;
      bestEpoch = epoch + 1;
      best.take();
    }
    const metrics: TextEpochMetrics = {
      task: 'text',
      epoch: epoch + 1,
      chars,
      train_bpc: sums.bits / sums.ticks,
      valid_bpc: valid,
      best_valid_bpc: bestValid,
      ...sums.synthetic(options.clock.now() - start),
    };
    history.push(metrics);
    options.onCheckpoint?.({
      epoch: epoch + 1,
      history,
      seconds: metrics.seconds,
      text: { chars, bestValid, bestEpoch, best: best.saved },
    });
    options.onEpoch?.(metrics);
  }
  best.restore();
  return { history, text: { best_epoch: bestEpoch, test_bpc: evaluateText(run, corpus.test) } };
}

/** One window, with NaN, infinite or exploding values stopping the run, naming where and when. */
function step<D extends WindowInputs>(
  run: { engine: { core: { windows: number }; lossName: string; step(data: D): WindowReport } },
  next: () => D,
  options: RecurrentTrainOptions,
): WindowReport {
  const { engine } = run;
  const at = engine.core.windows;
  const signal = options.signal;
  if (signal?.aborted) throw new InterruptedError(String(signal.reason), at, undefined);
  let report: WindowReport;
  try {
    report = engine.step(next());
  } catch (error) {
    if (error instanceof NonFiniteOutput) throw new DivergenceError(error.module, at, undefined);
    throw error;
  }
  const maxLoss = options.maxLoss ?? DEFAULT_MAX_LOSS;
  if (report.loss > maxLoss)
    throw new DivergenceError(engine.lossName, at, undefined, { value: report.loss, limit: maxLoss });
  return report;
}
