import { readFileSync } from 'node:fs';
import { totalmem } from 'node:os';
import { join } from 'node:path';
import { loadMnist } from '../../data/mnist.ts';
import { type GraphDefinition, resolveParams, trainingDefaults } from '../../graph/define.ts';
import { checkMemory } from '../../graph/memory.ts';
import { networkToJSON } from '../../graph/serialize.ts';
import { validateNetwork } from '../../graph/validate.ts';
import { backend } from '../../tensor/backend-registry.ts';
import { Prng } from '../../tensor/prng.ts';
import { writeCheckpoint } from '../checkpoint.ts';
import {
  codeVersion,
  keepRecorded,
  ResumeMismatchError,
  type RunIdentity,
  readRunCheckpoint,
  resumeTickedRun,
} from '../resume.ts';
import type { RunOptions } from '../run.ts';
import { checkRunDirectory, type RunDirectoryMode } from '../run-directory.ts';
import { openRunOutput } from '../run-output.ts';
import { InterruptedError } from '../trainer.ts';
import { buildSystem } from './build-system.ts';
import { NatsSystemSchedule } from './nats-system.ts';
import { LockstepSchedule, type NetworkCounts, type SystemSchedule } from './schedule.ts';
import { isMultiNetwork, type Join } from './system-spec.ts';
import { captureSystemCheckpoint, restoreSystemCheckpoint } from './system-state.ts';
import { VirtualTimeSchedule } from './virtual-time.ts';
import { startWorkerSchedule } from './workers.ts';

/** Held-out evaluation after every epoch: lanes × blocks of B's windows on MNIST's test digits. */
export const EVALUATION = { lanes: 100, blocks: 10 };

/** One epoch of a two-clock system: both networks' losses, accuracies, updates, and A's locking. */
export interface SystemEpochMetrics {
  task: 'multi';
  epoch: number;
  /** Ticks of the fast clock (digits per lane) seen so far. */
  ticks: number;
  join: Join;
  a_loss: number;
  a_train_accuracy: number;
  /** Count accuracy on held-out (test) digits. */
  a_accuracy: number;
  /** Optimiser steps so far. */
  a_updates: number;
  b_loss: number;
  b_train_accuracy: number;
  b_accuracy: number;
  b_updates: number;
  /** dni / cdni: the synthetic-gradient model's regression loss and cosine to B's true gradient. */
  sg_loss: number | null;
  sg_cosine: number | null;
  /** Seconds A was locked waiting for B's gradient, and busy, since the run began (null on lockstep: no clock there). */
  a_locked_seconds: number | null;
  a_busy_seconds: number | null;
  /** 'virtual' (async) or 'wall' (workers, nats). */
  time: 'virtual' | 'wall' | null;
  seconds: number;
}

export interface SystemRunResult {
  graph: string;
  params: Record<string, unknown>;
  join: Join;
  T: number;
  scheduler: string;
  epochs: number;
  ticks_per_epoch: number;
  batch: number;
  lr: number;
  seed: number;
  history: SystemEpochMetrics[];
}

/** Whether a graph file, with these --set pairs, builds a multi-network system (paper §3.3). */
export function isMultiNetworkGraph(definition: GraphDefinition, set: Record<string, string>): boolean {
  return isMultiNetwork(definition.build(resolveParams(definition, set)));
}

function refuse(why: string): never {
  throw new Error(`dniflow/runtime: ${why}`);
}

const mean = (sum: number, n: number) => (n === 0 ? 0 : sum / n);
const accuracy = (counts: NetworkCounts) => mean(counts.correct, counts.predictions);

type SystemRequest = RunOptions & { ticksPerEpoch?: number; clipNorm?: number };

/**
 * The schedulers whose runs resume: lockstep and async (virtual time), deterministic and in this
 * thread, so the state at an epoch boundary is all here and the run after it is the same bits.
 * workers and nats hold A and B in other threads or processes, whose state is not here to save;
 * and under dni their interleaving follows wall-clock timing, so no run of theirs repeats anyway.
 */
const RESUMABLE = new Set(['lockstep', 'async']);

/**
 * Trains a two-clock system (the odd/3s pair) on the lockstep, async (virtual time) or workers
 * (A and B in two threads) schedule, evaluating both networks on held-out digits after each epoch.
 * The run directory is written as for other runs (run.json with its status, metrics.jsonl), and on
 * lockstep and async a checkpoint after every epoch that `resume` continues bit for bit.
 */
export async function runSystemGraph(
  definition: GraphDefinition,
  options: SystemRequest,
): Promise<SystemRunResult> {
  const name = definition.name;
  if (options.nats?.remote?.length || options.nats?.run !== undefined || options.nats?.creds !== undefined)
    refuse(
      `graph '${name}' is a multi-network system: its two processes are started by the run (no --nats-remote, --run-id or --nats-creds yet)`,
    );
  if (options.resume) {
    if (options.outDir === undefined) refuse('resume needs the run directory (outDir) to continue');
    checkResumable(name, options.scheduler ?? recordedScheduler(options.outDir));
  }
  if (options.trainLimit !== undefined || options.testLimit !== undefined)
    refuse(`graph '${name}' trains on an endless digit stream; --train-limit and --test-limit do not apply`);
  const mode: RunDirectoryMode = options.resume ? 'resume' : options.overwrite ? 'overwrite' : 'new';
  if (options.outDir !== undefined) checkRunDirectory(options.outDir, mode);
  const resumed = options.resume ? readRunCheckpoint(options.outDir!) : undefined;
  const settings = resumed ? resumeSystem(options.outDir!, resumed, definition, options) : options;
  const scheduler = settings.scheduler ?? 'lockstep';
  // The checkpoint's own word too (run.json, read above, may be missing or older).
  if (resumed) checkResumable(name, scheduler);
  if (options.onSystemMessage !== undefined && (scheduler === 'workers' || scheduler === 'nats'))
    refuse(
      `graph '${name}': the messages between its networks are followed on lockstep and async only (they cross threads or processes under ${scheduler})`,
    );
  const set = settings.set ?? {};
  const params = resolveParams(definition, set);
  const defaults = trainingDefaults(definition, params);
  const network = definition.build(params);
  const plan = validateNetwork(network);
  const seed = settings.seed ?? 1;
  const epochs = settings.epochs ?? defaults.epochs;
  const batch = settings.batch ?? defaults.batch;
  checkMemory(network, plan, batch, totalmem());
  const lr = settings.lr ?? defaults.lr;
  const prng = new Prng(seed);
  const optimizer = { kind: defaults.optimizer, lr, momentum: defaults.momentum };
  const clipNorm = resumed ? settings.clipNorm : (options.clipNorm ?? defaults.clipNorm);
  const systemOptions = { lanes: batch, optimizer, clipNorm, maxLoss: options.maxLoss };
  const system = buildSystem(network, prng.stream('init'), systemOptions);
  const T = system.spec.a.core.window;
  const block = T * system.spec.b.period;
  const blocksOf = (ticks: number) => Math.ceil(ticks / block);
  const ticksPerEpoch = settings.ticksPerEpoch ?? defaults.ticksPerEpoch ?? 4096;
  const blocks = blocksOf(ticksPerEpoch);
  if (resumed)
    // The run records its ticks rounded up to whole blocks: a request rounding to them is the same run.
    keepRecorded(
      options.outDir!,
      'ticks per epoch',
      options.ticksPerEpoch === undefined ? undefined : blocksOf(options.ticksPerEpoch) * block,
      blocks * block,
    );
  const start = resumed ? restoreSystemCheckpoint<SystemEpochMetrics>(system, resumed.checkpoint) : undefined;
  const summary = {
    graph: name,
    params,
    join: system.spec.join,
    T,
    scheduler,
    epochs,
    ticks_per_epoch: blocks * block,
    batch,
    lr,
    seed,
  };
  // What the run is (RunIdentity and the system's settings): recorded in run.json and every checkpoint.
  const identity = {
    ...summary,
    set,
    version: codeVersion(),
    clip_norm: clipNorm ?? null,
    train_limit: null,
    test_limit: null,
    lr_schedule: null,
  };
  const schedule: SystemSchedule =
    scheduler === 'async'
      ? new VirtualTimeSchedule(system, definition.schedule ?? {}, options.onSystemMessage)
      : scheduler === 'workers'
        ? await startWorkerSchedule({ network, seed, options: systemOptions })
        : scheduler === 'nats'
          ? await NatsSystemSchedule.start({ network, seed, options: systemOptions, url: options.nats?.url })
          : new LockstepSchedule(system, options.onSystemMessage);
  if (start !== undefined) {
    if ((start.schedule === undefined) !== (schedule.seek === undefined))
      throw new ResumeMismatchError(
        options.outDir!,
        `its checkpoint ${start.schedule === undefined ? 'lacks' : 'has'} a schedule position, which ${scheduler} ${schedule.seek === undefined ? 'does not keep' : 'needs'}`,
      );
    if (start.schedule !== undefined) schedule.seek?.(start.schedule);
  }
  const checkpoints = RESUMABLE.has(scheduler);
  const output =
    options.outDir === undefined
      ? undefined
      : openRunOutput<SystemEpochMetrics>(
          options.outDir,
          mode,
          { ...identity, backend: backend().name, network: networkToJSON(network) },
          start?.history,
          { checkpoints },
        );
  const test = loadMnist({ standardize: true }).test;
  const history: SystemEpochMetrics[] = [...(start?.history ?? [])];
  try {
    for (let epoch = start?.epoch ?? 0; epoch < epochs; epoch++) {
      if (options.signal?.aborted)
        throw new InterruptedError(String(options.signal.reason), epoch, undefined);
      const started = options.clock.now();
      const counts = await schedule.run(blocks);
      // The evaluation stream starts afresh every epoch (the same test digits each time): no state.
      const held = await schedule.evaluate(test, prng.stream('evaluation'), EVALUATION);
      const synthetic = counts.a.learns > 0;
      const metrics: SystemEpochMetrics = {
        task: 'multi',
        epoch,
        ticks: (epoch + 1) * blocks * block,
        join: system.spec.join,
        a_loss: mean(counts.a.loss, counts.a.windows),
        a_train_accuracy: accuracy(counts.a),
        a_accuracy: held.a,
        a_updates: counts.a.updates,
        b_loss: mean(counts.b.loss, counts.b.windows),
        b_train_accuracy: accuracy(counts.b),
        b_accuracy: held.b,
        b_updates: counts.b.updates,
        sg_loss: synthetic ? counts.a.sgLoss / counts.a.learns : null,
        sg_cosine: synthetic ? counts.a.sgCosine / counts.a.learns : null,
        a_locked_seconds: counts.timing?.aLocked ?? null,
        a_busy_seconds: counts.timing?.aBusy ?? null,
        time: scheduler === 'async' ? 'virtual' : scheduler === 'lockstep' ? null : 'wall',
        seconds: options.clock.now() - started,
      };
      history.push(metrics);
      // The checkpoint first, then the metrics: a crash leaves the other files at most an epoch behind.
      if (output !== undefined && checkpoints)
        writeCheckpoint(
          output.checkpointPath,
          captureSystemCheckpoint(system, { epoch: epoch + 1, history }, identity, schedule.position?.()),
        );
      output?.epoch(metrics);
      options.onSystemEpoch?.(metrics);
      // Let a pending SIGINT/SIGTERM reach its handler between epochs.
      await new Promise((resolve) => setImmediate(resolve));
    }
    output?.finish('completed');
    return { ...summary, history };
  } catch (error) {
    output?.finish(error instanceof InterruptedError ? 'interrupted' : 'failed', error);
    throw error;
  } finally {
    await schedule.dispose();
  }
}

/** Refuses --resume on a scheduler whose runs cannot continue (see RESUMABLE), naming it. */
function checkResumable(name: string, scheduler: string): void {
  if (!RESUMABLE.has(scheduler))
    refuse(
      `graph '${name}' is a multi-network system; it resumes on --scheduler lockstep or async only, not ${scheduler} (its networks run in other threads or processes, whose state is not checkpointed)`,
    );
}

/** The scheduler run.json in `dir` records, if any: a run on one that writes no checkpoint is named so. */
function recordedScheduler(dir: string): string {
  try {
    const run = JSON.parse(readFileSync(join(dir, 'run.json'), 'utf8')) as { scheduler?: unknown };
    return typeof run.scheduler === 'string' ? run.scheduler : 'lockstep';
  } catch {
    // No run there: checkRunDirectory says so.
    return 'lockstep';
  }
}

/**
 * The settings a system resume continues with: the run's, which the request may repeat but not
 * change (resumeSettings for those all runs share; here also the gradient clip and the scheduler,
 * whose order of work is part of the bits), and `epochs`, the total to reach. The ticks per epoch
 * are checked once the block size is known.
 */
function resumeSystem(
  dir: string,
  point: ReturnType<typeof readRunCheckpoint>,
  definition: GraphDefinition,
  request: SystemRequest,
): SystemRequest {
  // The scheduler is checked here, not by resumeSettings: it is part of a system run's bits.
  const asked: SystemRequest = { ...request, scheduler: undefined };
  const { meta, settings } = resumeTickedRun(dir, point, definition, asked, 'system');
  const recorded = point.identity.scheduler;
  return {
    ...settings,
    scheduler: keepRecorded<RunIdentity['scheduler']>(dir, 'scheduler', request.scheduler, recorded),
    ticksPerEpoch: meta.ticks_per_epoch,
  };
}
