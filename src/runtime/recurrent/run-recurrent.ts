import { totalmem } from 'node:os';
import { type GraphDefinition, resolveParams, trainingDefaults } from '../../graph/define.ts';
import { checkMemory } from '../../graph/memory.ts';
import { networkToJSON } from '../../graph/serialize.ts';
import { validateNetwork } from '../../graph/validate.ts';
import { backend } from '../../tensor/backend-registry.ts';
import { Prng } from '../../tensor/prng.ts';
import { writeCheckpoint } from '../checkpoint.ts';
import { codeVersion, keepRecorded, readRunCheckpoint, resumeTickedRun } from '../resume.ts';
import type { RunOptions } from '../run.ts';
import { checkRunDirectory, type RunDirectoryMode } from '../run-directory.ts';
import { openRunOutput } from '../run-output.ts';
import { InterruptedError } from '../trainer.ts';
import { buildRecurrentRun, isRecurrentNetwork } from './build.ts';
import { captureRecurrentCheckpoint, restoreRecurrentCheckpoint } from './recurrent-state.ts';
import { type RecurrentEpochMetrics, type TextOutcome, trainRecurrent } from './recurrent-trainer.ts';

/** Ticks per lane in an epoch when a stream graph's training block does not say. */
export const DEFAULT_TICKS_PER_EPOCH = 5000;

export interface RecurrentRunResult {
  graph: string;
  params: Record<string, unknown>;
  method: 'bptt' | 'dni' | 'dni-aux';
  window: number;
  epochs: number;
  ticks_per_epoch: number;
  batch: number;
  lr: number;
  seed: number;
  clip_norm: number | null;
  history: RecurrentEpochMetrics[];
  /** Text runs: the best validation epoch and its test bits per character. */
  text?: TextOutcome;
}

/** Whether a graph file, with these --set pairs, builds a recurrent network (paper §3.2). */
export function isRecurrentGraph(definition: GraphDefinition, set: Record<string, string>): boolean {
  return isRecurrentNetwork(definition.build(resolveParams(definition, set)));
}

function refuse(why: string): never {
  throw new Error(`dniflow/runtime: ${why}`);
}

/**
 * Trains a recurrent graph (Copy / Repeat Copy, a character LM) on the lockstep schedule, window by
 * window, with the run directory written as for feed-forward runs (run.json with its status,
 * metrics.jsonl, and a checkpoint after every epoch that `resume` continues bit for bit). What this
 * runtime cannot do yet is refused before any work: other schedulers, data limits, step schedules.
 */
export async function runRecurrentGraph(
  definition: GraphDefinition,
  options: RunOptions & { ticksPerEpoch?: number; patience?: number; clipNorm?: number },
): Promise<RecurrentRunResult> {
  const name = definition.name;
  if ((options.scheduler ?? 'lockstep') !== 'lockstep')
    refuse(`graph '${name}' is recurrent; only --scheduler lockstep runs recurrent modules so far`);
  if (options.trainLimit !== undefined || options.testLimit !== undefined)
    refuse(`graph '${name}' trains on an endless stream; --train-limit and --test-limit do not apply`);
  if (options.lrSchedule !== undefined || options.steps !== undefined)
    refuse(`graph '${name}' is recurrent; schedules and budgets on steps apply to feed-forward graphs only`);
  const mode: RunDirectoryMode = options.resume ? 'resume' : options.overwrite ? 'overwrite' : 'new';
  if (options.resume && options.outDir === undefined)
    refuse('resume needs the run directory (outDir) to continue');
  if (options.outDir !== undefined) checkRunDirectory(options.outDir, mode);
  const resumed = options.resume ? readRunCheckpoint(options.outDir!) : undefined;
  const settings = resumed ? resumeRecurrent(options.outDir!, resumed, definition, options) : options;
  const set = settings.set ?? {};
  const params = resolveParams(definition, set);
  const defaults = trainingDefaults(definition, params);
  if (defaults.lrScheduleSteps !== undefined)
    refuse(
      `graph '${name}' is recurrent; its training.lrScheduleSteps is for feed-forward graphs (use lrSchedule)`,
    );
  const network = definition.build(params);
  const plan = validateNetwork(network);
  const seed = settings.seed ?? 1;
  const epochs = settings.epochs ?? defaults.epochs;
  const batch = settings.batch ?? defaults.batch;
  checkMemory(network, plan, batch, totalmem());
  const lr = settings.lr ?? defaults.lr;
  const ticksPerEpoch = settings.ticksPerEpoch ?? defaults.ticksPerEpoch ?? DEFAULT_TICKS_PER_EPOCH;
  const prng = new Prng(seed);
  const optimizer = { kind: defaults.optimizer, lr, momentum: defaults.momentum };
  const clipNorm = resumed ? settings.clipNorm : (options.clipNorm ?? defaults.clipNorm);
  const run = buildRecurrentRun(network, plan, prng.stream('init'), { batch, optimizer, clipNorm });
  const start = resumed ? restoreRecurrentCheckpoint(run, resumed.checkpoint) : undefined;
  const summary = {
    graph: name,
    params,
    method: run.method,
    window: run.window,
    epochs,
    ticks_per_epoch: ticksPerEpoch,
    batch,
    lr,
    seed,
    clip_norm: clipNorm ?? null,
  };
  // What the run is (RunIdentity and the recurrent settings): recorded in run.json and every checkpoint.
  const identity = {
    ...summary,
    set,
    version: codeVersion(),
    scheduler: 'lockstep',
    train_limit: null,
    test_limit: null,
    lr_schedule: null,
    patience: settings.patience ?? null,
  };
  const output =
    options.outDir === undefined
      ? undefined
      : openRunOutput<RecurrentEpochMetrics>(
          options.outDir,
          mode,
          {
            ...identity,
            backend: backend().name,
            network: networkToJSON(network),
            // A text run's vocabulary, in id order: what sampling from the run decodes with.
            ...(run.kind === 'text' ? { vocabulary: run.corpus.vocabulary.chars.join('') } : {}),
          },
          start?.history,
        );
  try {
    const { history, text } = await trainRecurrent(run, {
      epochs,
      ticksPerEpoch,
      clock: options.clock,
      signal: options.signal,
      maxLoss: options.maxLoss,
      patience: settings.patience,
      lrSchedule: defaults.lrSchedule,
      start,
      // The checkpoint first, then the metrics: a crash leaves the other files at most an epoch behind.
      onCheckpoint: (progress) => {
        if (output !== undefined)
          writeCheckpoint(output.checkpointPath, captureRecurrentCheckpoint(run, progress, identity));
      },
      onEpoch: (metrics) => {
        output?.epoch(metrics);
        options.onRecurrentEpoch?.(metrics);
      },
      onWindow: options.onRecurrentWindow,
    });
    output?.finish('completed');
    return { ...summary, history, ...(text ? { text } : {}) };
  } catch (error) {
    output?.finish(error instanceof InterruptedError ? 'interrupted' : 'failed', error);
    throw error;
  }
}

type RecurrentRequest = RunOptions & { ticksPerEpoch?: number; patience?: number; clipNorm?: number };

/**
 * The settings a recurrent resume continues with: the run's, which the request may repeat but not
 * change (resumeSettings for those feed-forward runs share; here also the ticks per epoch, the
 * gradient clip and the patience), and `epochs`, the total to reach.
 */
function resumeRecurrent(
  dir: string,
  point: ReturnType<typeof readRunCheckpoint>,
  definition: GraphDefinition,
  request: RecurrentRequest,
): RecurrentRequest {
  const { meta, settings } = resumeTickedRun(dir, point, definition, request, 'recurrent');
  return {
    ...settings,
    ticksPerEpoch: keepRecorded(dir, 'ticks per epoch', request.ticksPerEpoch, meta.ticks_per_epoch),
    patience: keepRecorded(dir, 'patience', request.patience, meta.patience ?? undefined),
  };
}
