import { totalmem } from 'node:os';
import { type GraphDefinition, resolveParams, trainingDefaults } from '../../graph/define.ts';
import { checkMemory } from '../../graph/memory.ts';
import { networkToJSON } from '../../graph/serialize.ts';
import { validateNetwork } from '../../graph/validate.ts';
import { backend } from '../../tensor/backend-registry.ts';
import { Prng } from '../../tensor/prng.ts';
import { writeCheckpoint } from '../checkpoint.ts';
import { codeVersion } from '../resume.ts';
import type { RunOptions } from '../run.ts';
import { checkRunDirectory } from '../run-directory.ts';
import { openRunOutput } from '../run-output.ts';
import { InterruptedError } from '../trainer.ts';
import { buildRecurrentRun, isRecurrentNetwork } from './build.ts';
import { type RecurrentEpochMetrics, type TextOutcome, trainRecurrent } from './recurrent-trainer.ts';
import { modelParameters } from './sample.ts';

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
 * Trains a recurrent graph (Copy / Repeat Copy) on the lockstep schedule, window by window, with the
 * run directory written as for feed-forward runs (run.json with its status, metrics.jsonl). What
 * this runtime cannot do yet is refused before any work: other schedulers, resume, data limits.
 */
export async function runRecurrentGraph(
  definition: GraphDefinition,
  options: RunOptions & { ticksPerEpoch?: number; patience?: number; clipNorm?: number },
): Promise<RecurrentRunResult> {
  const name = definition.name;
  if ((options.scheduler ?? 'lockstep') !== 'lockstep')
    refuse(`graph '${name}' is recurrent; only --scheduler lockstep runs recurrent modules so far`);
  if (options.resume) refuse(`graph '${name}' is recurrent; resuming recurrent runs is not supported yet`);
  if (options.trainLimit !== undefined || options.testLimit !== undefined)
    refuse(`graph '${name}' trains on an endless stream; --train-limit and --test-limit do not apply`);
  if (options.lrSchedule !== undefined || options.steps !== undefined)
    refuse(`graph '${name}' is recurrent; schedules and budgets on steps apply to feed-forward graphs only`);
  const mode = options.overwrite ? 'overwrite' : 'new';
  if (options.outDir !== undefined) checkRunDirectory(options.outDir, mode);
  const set = options.set ?? {};
  const params = resolveParams(definition, set);
  const defaults = trainingDefaults(definition, params);
  if (defaults.lrScheduleSteps !== undefined)
    refuse(
      `graph '${name}' is recurrent; its training.lrScheduleSteps is for feed-forward graphs (use lrSchedule)`,
    );
  const network = definition.build(params);
  const plan = validateNetwork(network);
  const seed = options.seed ?? 1;
  const epochs = options.epochs ?? defaults.epochs;
  const batch = options.batch ?? defaults.batch;
  checkMemory(network, plan, batch, totalmem());
  const lr = options.lr ?? defaults.lr;
  const ticksPerEpoch = options.ticksPerEpoch ?? defaults.ticksPerEpoch ?? DEFAULT_TICKS_PER_EPOCH;
  const prng = new Prng(seed);
  const optimizer = { kind: defaults.optimizer, lr, momentum: defaults.momentum };
  const clipNorm = options.clipNorm ?? defaults.clipNorm;
  const run = buildRecurrentRun(network, plan, prng.stream('init'), { batch, optimizer, clipNorm });
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
  const output =
    options.outDir === undefined
      ? undefined
      : openRunOutput<RecurrentEpochMetrics>(
          options.outDir,
          mode,
          {
            ...summary,
            set,
            version: codeVersion(),
            scheduler: 'lockstep',
            backend: backend().name,
            network: networkToJSON(network),
            // A text run's vocabulary, in id order: what sampling from the run decodes with.
            ...(run.kind === 'text' ? { vocabulary: run.corpus.vocabulary.chars.join('') } : {}),
          },
          [],
          // Text runs keep their best parameters (what `dniflow sample` reads); Copy runs none yet.
          { checkpoints: run.kind === 'text' },
        );
  try {
    const { history, text } = await trainRecurrent(run, {
      epochs,
      ticksPerEpoch,
      clock: options.clock,
      signal: options.signal,
      maxLoss: options.maxLoss,
      patience: options.patience,
      lrSchedule: defaults.lrSchedule,
      onBest: (epoch) => {
        if (output === undefined) return;
        const meta = { graph: name, epoch, kind: 'best-validation' };
        writeCheckpoint(output.checkpointPath, { meta, state: modelParameters(run.engine) });
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
