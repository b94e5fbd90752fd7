import type { RegressionModel } from '../../dni/regression-model.ts';
import type { Tensor } from '../../tensor/tensor.ts';
import type { Checkpoint } from '../checkpoint.ts';
import { captureModelState, captureState, restoreModelState, restoreState } from '../state.ts';
import type { RecurrentRun } from './build.ts';
import type { RecurrentProgress } from './recurrent-trainer.ts';

/**
 * `split`/`merge` for a recurrent run at an epoch boundary: everything the next window depends on.
 * Tensors: the core's and the readout's parameters and optimiser moments, the state (h, c) carried
 * per lane, the boundary's SG model and aux head with their own optimisers and the predictions
 * still awaiting their target (δ̂ predicted at the last window's end, learned from in the next
 * window), the Copy stream's per-lane episodes and PRNG positions, and a text run's best
 * parameters (`best/`, what the test figure and `dniflow sample` use). Counters go into the meta as
 * JSON numbers, which keep a float64 exactly (the curriculum's error sum, the best validation bpc).
 */
export interface RecurrentCounters {
  windows: number;
  readoutUpdates: number;
  /** The Copy stream's counters and its curriculum's sums. */
  copy?: { stream: Record<string, number>; curriculum: { bits: number; ticks: number; settling: number } };
  /** A text run's lanes (CharBatcher) and passes over the split. */
  text?: { offset: number; windowIndex: number; seen: number; passes: number };
  /** The trainer's: epochs done, seconds so far, a text run's characters and best validation point. */
  progress: { epoch: number; seconds: number; chars?: number; bestValid?: number | null; bestEpoch?: number };
}

/** The boundary's regression models by checkpoint role. */
function boundaryModels(run: RecurrentRun): [string, RegressionModel][] {
  const boundary = run.engine.core.boundary;
  if (boundary === null) return [];
  const models: [string, RegressionModel][] = [['sg', boundary.model]];
  if (boundary.auxHead !== null) models.push(['aux', boundary.auxHead]);
  return models;
}

/** The checkpoint of `run` after the epoch `progress` ends; `identity` names the run (RunIdentity). */
export function captureRecurrentCheckpoint(
  run: RecurrentRun,
  progress: RecurrentProgress,
  identity: Record<string, unknown>,
): Checkpoint {
  const { core, readout } = run.engine;
  const state: Record<string, Tensor> = {};
  captureState('core/', core.lstm, core.optimizer, state);
  const carried = core.carried;
  if (carried !== null) {
    state['core/carried.h'] = carried.h.clone();
    state['core/carried.c'] = carried.c.clone();
  }
  const pending: Record<string, number[]> = {};
  for (const [role, model] of boundaryModels(run)) {
    captureModelState(`core/${role}/`, model, state);
    const inputs = model.pendingInputs();
    pending[role] = [...inputs.keys()];
    for (const [step, input] of inputs) state[`core/${role}/pending.${step}`] = input;
  }
  captureState('readout/', readout.layers, readout.optimizer, state);
  const counters: RecurrentCounters = {
    windows: core.windows,
    readoutUpdates: readout.updates,
    progress: { epoch: progress.epoch, seconds: progress.seconds },
  };
  if (run.kind === 'copy') {
    const stream = run.stream.state();
    for (const [name, tensor] of Object.entries(stream.tensors)) state[`stream/${name}`] = tensor;
    counters.copy = { stream: stream.counters, curriculum: run.curriculum.state() };
  } else {
    counters.text = { ...run.train.batcher.state(), passes: run.train.passes };
  }
  const text = progress.text;
  if (text) {
    // JSON has no Infinity: a run whose validation figure was never finite records null.
    counters.progress = {
      ...counters.progress,
      chars: text.chars,
      bestValid: Number.isFinite(text.bestValid) ? text.bestValid : null,
      bestEpoch: text.bestEpoch,
    };
    for (const [name, tensor] of Object.entries(text.best)) state[`best/${name}`] = tensor.clone();
  }
  const meta = {
    ...identity,
    epoch: progress.epoch,
    history: progress.history,
    recurrent: counters,
    pending,
  };
  return { meta, state };
}

/**
 * Restores what captureRecurrentCheckpoint saved into a freshly built run of the same graph and
 * settings, and returns the trainer's progress to start from. A checkpoint of another shape is
 * refused, naming the tensor; the run may then be half restored, so the caller drops it (nothing
 * has been trained or written yet).
 */
export function restoreRecurrentCheckpoint(run: RecurrentRun, checkpoint: Checkpoint): RecurrentProgress {
  const { meta, state } = checkpoint;
  const counters = meta.recurrent as RecurrentCounters | undefined;
  const pending = meta.pending as Record<string, number[]> | undefined;
  if (counters === undefined || pending === undefined || !Array.isArray(meta.history))
    throw new Error('dniflow/runtime: checkpoint does not hold a recurrent run (no recurrent counters)');
  const need = (name: string): Tensor => {
    const saved = state[name];
    if (!saved) throw new Error(`dniflow/runtime: checkpoint has no tensor '${name}'`);
    return saved;
  };
  const { core, readout } = run.engine;
  restoreState('core/', core.lstm, core.optimizer, state);
  if (state['core/carried.h'] !== undefined) core.carry(need('core/carried.h'), need('core/carried.c'));
  for (const [role, model] of boundaryModels(run)) {
    restoreModelState(`core/${role}/`, model, state);
    const steps = pending[role] ?? [];
    model.loadPendingInputs(new Map(steps.map((step) => [step, need(`core/${role}/pending.${step}`)])));
  }
  restoreState('readout/', readout.layers, readout.optimizer, state);
  core.windows = counters.windows;
  readout.updates = counters.readoutUpdates;
  if (run.kind === 'copy') {
    if (counters.copy === undefined) throw new Error('dniflow/runtime: checkpoint has no Copy stream');
    const tensors: Record<string, Tensor> = {};
    for (const name of Object.keys(run.stream.state().tensors)) tensors[name] = need(`stream/${name}`);
    run.stream.loadState({
      counters: counters.copy.stream as ReturnType<typeof run.stream.state>['counters'],
      tensors,
    });
    run.curriculum.loadState(counters.copy.curriculum);
  } else {
    if (counters.text === undefined) throw new Error('dniflow/runtime: checkpoint has no text position');
    const { passes, ...position } = counters.text;
    run.train.batcher.seek(position);
    run.train.passes = passes;
  }
  const { epoch, seconds, chars, bestValid, bestEpoch } = counters.progress;
  const progress: RecurrentProgress = { epoch, seconds, history: meta.history };
  if (run.kind === 'text') {
    const best: Record<string, Tensor> = {};
    for (const name of Object.keys(state))
      if (name.startsWith('best/')) best[name.slice('best/'.length)] = state[name];
    progress.text = {
      chars: chars ?? 0,
      bestValid: bestValid ?? Number.POSITIVE_INFINITY,
      bestEpoch: bestEpoch ?? 0,
      best,
    };
  }
  return progress;
}
