import { totalmem } from 'node:os';
import { batchNormUser } from '../graph/batch-norm.ts';
import { type GraphDefinition, resolveParams, trainingDefaults } from '../graph/define.ts';
import { parseLrSchedule } from '../graph/lr-schedule.ts';
import { checkMemory } from '../graph/memory.ts';
import type { Network } from '../graph/network.ts';
import { networkToJSON } from '../graph/serialize.ts';
import type { NetworkPlan } from '../graph/validate.ts';
import { validateNetwork } from '../graph/validate.ts';
import { backend } from '../tensor/backend-registry.ts';
import { Prng } from '../tensor/prng.ts';
import type { Clock } from './clock.ts';
import { loadSourceData } from './datasets.ts';
import type { StepEngine } from './engine.ts';
import { GraphEngine } from './graph-engine.ts';
import type { SystemMessage } from './multi/messages.ts';
import type { SystemEpochMetrics } from './multi/run-system.ts';
import { type NatsOptions, startNatsEngine } from './nats/nats-engine.ts';
import type { RecurrentEpochMetrics } from './recurrent/recurrent-trainer.ts';
import {
  checkScheduleExtends,
  codeVersion,
  type ResumePoint,
  type RunIdentity,
  readResumePoint,
  resumeSettings,
} from './resume.ts';
import { checkRunDirectory, type RunDirectoryMode } from './run-directory.ts';
import { openRunOutput } from './run-output.ts';
import {
  type EpochMetrics,
  epochBatches,
  InterruptedError,
  type TrainEvent,
  type TrainerOptions,
  train,
} from './trainer.ts';
import { WorkerEngine, type WorkerOptions } from './workers/worker-engine.ts';

export interface RunOptions {
  set?: Record<string, string>;
  epochs?: number;
  /**
   * A budget of global steps (iterations) instead of epochs; not with `resume` (a checkpoint is
   * written at the end of an epoch, and the budget's last epoch is partial).
   */
  steps?: number;
  /** Also evaluate the test error every this many steps (learning curves; see `onEval`). */
  evalEvery?: number;
  /** Called after every evaluation of the test error (each epoch's end, and every `evalEvery` steps). */
  onEval?: TrainerOptions['onEval'];
  /**
   * A learning-rate schedule on steps in the CLI's grammar (lr-schedule.ts: constant,
   * step:EVERY:FACTOR, cosine[:FLOOR]), replacing the graph's own schedule; recorded in run.json and
   * kept by a resume.
   */
  lrSchedule?: string;
  batch?: number;
  lr?: number;
  seed?: number;
  trainLimit?: number;
  testLimit?: number;
  checkpointPath?: string;
  /**
   * Writes run.json, metrics.jsonl and checkpoint.ckpt there. A directory that holds another run is
   * refused unless `resume` (continue it) or `overwrite` (replace it whole) is set.
   */
  outDir?: string;
  /**
   * Continue the run in `outDir` from its checkpoint: the settings left out are the run's, the ones
   * given must equal them (ResumeMismatchError), and `epochs` is the total to reach.
   */
  resume?: boolean;
  overwrite?: boolean;
  /** A step's mean loss above this stops training as diverged (trainer's DEFAULT_MAX_LOSS if left out). */
  maxLoss?: number;
  /** Aborting it stops training at the next batch; the run directory is marked 'interrupted'. */
  signal?: AbortSignal;
  /**
   * 'lockstep' (default): deterministic, one step at a time. 'async': modules on their own virtual
   * clocks. 'workers': modules in worker threads, really in parallel. 'nats': modules in OS
   * processes joined by a NATS server, on this host or others.
   */
  scheduler?: 'lockstep' | 'async' | 'workers' | 'nats';
  /** The workers and nats schedulers' placement and flow control. */
  workers?: WorkerOptions;
  /** The nats scheduler's server, run id and partitions started by hand. */
  nats?: Omit<NatsOptions, keyof WorkerOptions>;
  /** Called once the network is built and validated, before training (dashboards, taps). */
  onReady?: (run: { network: Network; plan: NetworkPlan; engine: StepEngine }) => void;
  clock: Clock;
  onEvent?: (event: TrainEvent) => void;
  /** Recurrent graphs (runRecurrentGraph): called after each epoch of ticks. */
  onRecurrentEpoch?: (metrics: RecurrentEpochMetrics) => void;
  /** Recurrent graphs: called after each truncation window (1-based epoch, windows so far, its loss). */
  onRecurrentWindow?: (epoch: number, windows: number, loss: number) => void;
  /** Multi-network systems (runSystemGraph): called after each epoch of ticks. */
  onSystemEpoch?: (metrics: SystemEpochMetrics) => void;
  /** Multi-network systems on lockstep or async: every message between the networks (dashboards). */
  onSystemMessage?: (message: SystemMessage) => void;
}

export interface RunResult {
  graph: string;
  params: Record<string, unknown>;
  epochs: number;
  batch: number;
  lr: number;
  seed: number;
  history: EpochMetrics[];
}

/**
 * Builds a graph file's network with its parameters, validates it, and trains it on its data. A run
 * directory ends marked 'completed', 'failed' or 'interrupted'; the error is rethrown.
 */
export async function runGraph(definition: GraphDefinition, options: RunOptions): Promise<RunResult> {
  const run = await prepareRun(definition, options);
  try {
    const history = await train(run.engine, run.data, run.trainer, run.hasSyntheticPath);
    run.output?.finish('completed');
    return run.finish(history);
  } catch (error) {
    run.output?.finish(error instanceof InterruptedError ? 'interrupted' : 'failed', error);
    throw error;
  } finally {
    await run.dispose();
  }
}

/** Everything a run needs, built and validated before any training. */
export async function prepareRun(definition: GraphDefinition, options: RunOptions) {
  const mode: RunDirectoryMode = options.resume ? 'resume' : options.overwrite ? 'overwrite' : 'new';
  if (options.resume && options.outDir === undefined)
    throw new Error('dniflow/runtime: resume needs the run directory (outDir) to continue');
  if (options.resume && options.steps !== undefined)
    throw new Error('dniflow/runtime: a budget of steps cannot resume a run (its epochs are the unit)');
  // Before any work: a directory that holds another run is refused, whatever fails later.
  if (options.outDir !== undefined) checkRunDirectory(options.outDir, mode);
  const resumed: ResumePoint | undefined =
    options.outDir !== undefined && options.resume ? readResumePoint(options.outDir) : undefined;
  const settings = resumed
    ? resumeSettings(options.outDir!, resumed, definition, options)
    : { ...options, set: options.set ?? {} };
  const params = resolveParams(definition, settings.set);
  const defaults = trainingDefaults(definition, params);
  // Parsed before any work: a bad text is refused at once (the CLI checks it earlier still).
  const lrScheduleSteps =
    settings.lrSchedule === undefined ? defaults.lrScheduleSteps : parseLrSchedule(settings.lrSchedule);
  const network = definition.build(params);
  const plan = validateNetwork(network);
  const source = network.getNodeAttributes(plan.order[0]);
  if (source.kind !== 'source')
    throw new Error(`dniflow/runtime: network '${definition.name}' must start at a source`);
  const seed = settings.seed ?? 1;
  const epochs = settings.epochs ?? defaults.epochs;
  const batch = settings.batch ?? defaults.batch;
  // Before anything is allocated: a network that cannot fit is refused, naming its largest part.
  checkMemory(network, plan, batch, totalmem());
  const normaliser = batchNormUser(network);
  if (normaliser !== undefined && batch < 2)
    throw new Error(
      `dniflow/runtime: ${normaliser} uses batch norm, which cannot train on one example per batch; choose a batch of at least 2`,
    );
  const lr = settings.lr ?? defaults.lr;
  const scheduler = settings.scheduler ?? 'lockstep';
  const prng = new Prng(seed);
  // What the run is, as run.json records it and the result reports it.
  const summary = { graph: definition.name, params, epochs, batch, lr, seed };
  const identity: RunIdentity = {
    ...summary,
    set: settings.set,
    version: codeVersion(),
    train_limit: settings.trainLimit ?? null,
    test_limit: settings.testLimit ?? null,
    scheduler,
    lr_schedule: settings.lrSchedule ?? null,
  };
  const optimizer = { kind: defaults.optimizer, lr, momentum: defaults.momentum };
  const parallel = { ...options.workers, initialState: resumed?.checkpoint.state };
  const engine: StepEngine & { dispose(): void | Promise<void> } =
    scheduler === 'workers'
      ? await WorkerEngine.start(network, plan, prng.stream('init'), optimizer, parallel)
      : scheduler === 'nats'
        ? await startNatsEngine(network, plan, prng.stream('init'), optimizer, {
            ...parallel,
            ...options.nats,
          })
        : new GraphEngine(network, plan, prng.stream('init'), optimizer, {
            schedule: scheduler === 'async' ? (definition.schedule ?? {}) : undefined,
          });
  try {
    // The parallel schedulers load state as their partitions start (above).
    if (resumed && scheduler !== 'workers' && scheduler !== 'nats')
      engine.loadState(resumed.checkpoint.state);
    options.onReady?.({ network, plan, engine });
    const data = loadSourceData(source.dataset, { train: settings.trainLimit, test: settings.testLimit });
    if (normaliser !== undefined && data.train.count < 2)
      throw new Error(
        `dniflow/runtime: ${normaliser} uses batch norm, which cannot train on one example; train on at least 2`,
      );
    if (resumed) {
      const { batches } = epochBatches(data.train.count, batch, normaliser !== undefined);
      const { identity: run, start } = resumed;
      checkScheduleExtends(
        options.outDir!,
        lrScheduleSteps,
        start.step,
        run.epochs * batches,
        epochs * batches,
      );
    }
    // Last, once everything that can be refused has been: until here a directory's old run is intact.
    const output =
      options.outDir === undefined
        ? undefined
        : openRunOutput(
            options.outDir,
            mode,
            { ...identity, backend: backend().name, network: networkToJSON(network) },
            resumed?.start.history,
          );
    const hasSyntheticPath = network.someEdge((_e, attrs) =>
      ['syntheticInput', 'unlock'].includes(attrs.interface.kind),
    );
    const trainer: TrainerOptions = {
      epochs,
      batch,
      dropSingleLast: normaliser !== undefined,
      inputShape: source.shape,
      prng: prng.stream('data'),
      clock: options.clock,
      steps: options.steps,
      evalEvery: options.evalEvery,
      onEval: options.onEval,
      // A schedule given to the run replaces the graph's, whether that one is on epochs or steps.
      lrSchedule: settings.lrSchedule === undefined ? defaults.lrSchedule : undefined,
      lrScheduleSteps,
      checkpointPath: options.checkpointPath ?? output?.checkpointPath,
      checkpointMeta: { ...identity },
      start: resumed?.start,
      maxLoss: options.maxLoss,
      lossName: plan.order.find((node) => network.getNodeAttributes(node).kind === 'loss'),
      signal: options.signal,
      onEvent: (event) => {
        if (event.type === 'epoch') {
          const { type: _type, ...metrics } = event;
          output?.epoch(metrics);
        }
        options.onEvent?.(event);
      },
    };
    const finish = (history: EpochMetrics[]): RunResult => ({ ...summary, history });
    const dispose = async () => engine.dispose();
    return { network, plan, engine, data, output, trainer, hasSyntheticPath, finish, dispose };
  } catch (error) {
    // A worker pool left running would keep the process alive after the error is reported.
    await engine.dispose();
    throw error;
  }
}
