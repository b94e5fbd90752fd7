import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type GraphDefinition, type ParamValues, resolveParams } from '../graph/define.ts';
import type { StepSchedule } from '../graph/lr-schedule.ts';
import { type Checkpoint, readCheckpoint } from './checkpoint.ts';
import type { EpochMetrics, TrainerStart } from './trainer.ts';

/** The code's version (package.json): a resumed run continues bit for bit only on the same code. */
export function codeVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
    version: string;
  };
  return pkg.version;
}

/** What a run is, recorded in every checkpoint, so that a resume can tell it continues the same run. */
export interface RunIdentity {
  graph: string;
  params: ParamValues;
  /** The --set pairs as given (params are what they resolved to). */
  set: Record<string, string>;
  version: string;
  seed: number;
  batch: number;
  lr: number;
  epochs: number;
  train_limit: number | null;
  test_limit: number | null;
  scheduler: 'lockstep' | 'async' | 'workers' | 'nats';
  /** --lr-schedule as given, replacing the graph's schedule; null (or absent, in older runs): the graph's. */
  lr_schedule?: string | null;
}

/** A resume asked for something other than the run it would continue. */
export class ResumeMismatchError extends Error {
  override readonly name = 'ResumeMismatchError';
  constructor(
    readonly dir: string,
    why: string,
  ) {
    super(`dniflow/runtime: cannot resume ${dir}: ${why}`);
  }
}

/**
 * A resume to another number of epochs is refused when the learning-rate schedule reads the run's
 * length (a cosine over the run) and would so change the rate of a step already trained: the run
 * would no longer be one run. Resuming to the same total, or extending a schedule that does not read
 * it (constant, step decay), continues exactly.
 */
export function checkScheduleExtends(
  dir: string,
  schedule: StepSchedule | undefined,
  stepsDone: number,
  plannedSteps: number,
  totalSteps: number,
): void {
  if (schedule === undefined || plannedSteps === totalSteps) return;
  for (let step = 0; step < stepsDone; step++) {
    const was = schedule(step, plannedSteps);
    const now = schedule(step, totalSteps);
    if (was !== now)
      throw new ResumeMismatchError(
        dir,
        `its learning-rate schedule depends on the run's length: over ${totalSteps} steps instead of ${plannedSteps} it would give step ${step}, already trained, the factor ${now} instead of ${was}; resume to the run's own epochs, or start a new run`,
      );
  }
}

/** A run directory's last checkpoint, read and checked: where and how its run continues. */
export interface ResumePoint {
  identity: RunIdentity;
  checkpoint: Checkpoint;
  start: TrainerStart;
}

export function readResumePoint(dir: string): ResumePoint {
  const { identity, checkpoint, path } = readRunCheckpoint(dir);
  const { epoch, step, shuffle, history } = checkpoint.meta as {
    epoch?: number;
    step?: number;
    shuffle?: (number | null)[];
    history?: EpochMetrics[];
  };
  if (
    !Number.isInteger(epoch) ||
    !Number.isInteger(step) ||
    !Array.isArray(shuffle) ||
    !Array.isArray(history)
  )
    throw new ResumeMismatchError(dir, `${path} does not record its run (written by an older dniflow?)`);
  return {
    identity,
    checkpoint,
    // JSON has no NaN: the PRNG position's "no cached normal" NaNs were stored as null.
    start: { epoch: epoch!, step: step!, shuffle: shuffle.map((v) => v ?? Number.NaN), history },
  };
}

/**
 * A run directory's checkpoint with the identity of its run (feed-forward and recurrent runs alike),
 * refused unless it records one: what each runtime's own resume point is read from.
 */
export function readRunCheckpoint(dir: string): {
  identity: RunIdentity;
  checkpoint: Checkpoint;
  path: string;
} {
  const path = join(dir, 'checkpoint.ckpt');
  if (!existsSync(path))
    throw new ResumeMismatchError(
      dir,
      'it holds no checkpoint yet (the run stopped before its first epoch ended); start it again with --overwrite',
    );
  const checkpoint = readCheckpoint(path);
  const meta = checkpoint.meta as Partial<RunIdentity>;
  if (
    typeof meta.graph !== 'string' ||
    typeof meta.version !== 'string' ||
    typeof meta.params !== 'object' ||
    typeof meta.set !== 'object'
  )
    throw new ResumeMismatchError(dir, `${path} does not record its run (written by an older dniflow?)`);
  return { identity: meta as RunIdentity, checkpoint, path };
}

/**
 * A setting a resume may repeat but not change: the recorded value, or a ResumeMismatchError
 * naming both.
 */
export function keepRecorded<T>(dir: string, name: string, asked: T | undefined, recorded: T): T {
  if (asked !== undefined && asked !== recorded)
    throw new ResumeMismatchError(dir, `${name} ${asked} was asked, the run has ${recorded ?? 'none'}`);
  return recorded;
}

/** What a run on ticks (recurrent, multi-network) records in its checkpoint besides its identity. */
export interface TickedRunMeta {
  epoch: number;
  ticks_per_epoch: number;
  clip_norm?: number | null;
  patience?: number | null;
}

/** The meta key each runtime on ticks writes in its checkpoints, and what errors call its runs. */
const TICKED_KINDS = { recurrent: 'recurrent', system: 'multi-network' } as const;

/**
 * The shared part of resuming a run on ticks: its checkpoint checked to be of `kind` (the meta key
 * its runtime writes), the settings every run shares (resumeSettings), and the gradient clip, which
 * the request may repeat but not change.
 */
export function resumeTickedRun<R extends RunRequest & { clipNorm?: number }>(
  dir: string,
  point: ReturnType<typeof readRunCheckpoint>,
  definition: GraphDefinition,
  request: R,
  kind: keyof typeof TICKED_KINDS,
): { meta: TickedRunMeta; settings: R & ReturnType<typeof resumeSettings> } {
  const meta = point.checkpoint.meta as Partial<TickedRunMeta> & Record<string, unknown>;
  if (!Number.isInteger(meta.epoch) || !Number.isInteger(meta.ticks_per_epoch) || meta[kind] === undefined)
    throw new ResumeMismatchError(dir, `${point.path} does not record a ${TICKED_KINDS[kind]} run`);
  const start = { epoch: meta.epoch! };
  const shared = resumeSettings(dir, { identity: point.identity, start }, definition, request);
  const clipNorm = keepRecorded(dir, 'clip', request.clipNorm, meta.clip_norm ?? undefined);
  return { meta: meta as TickedRunMeta, settings: { ...request, ...shared, clipNorm } };
}

/** What a run is asked to be; anything left out is taken from the run being resumed. */
export interface RunRequest {
  set?: Record<string, string>;
  seed?: number;
  batch?: number;
  lr?: number;
  epochs?: number;
  trainLimit?: number;
  testLimit?: number;
  scheduler?: RunIdentity['scheduler'];
  lrSchedule?: string;
}

/**
 * The settings a resume continues with: the recorded ones, each of which the request may repeat but
 * not change (another graph, parameter, seed, batch, learning rate, schedule or data limit would not continue
 * the same run), except `epochs`, the total to reach, and the scheduler, since state moves between
 * schedulers through the same split/merge.
 */
export function resumeSettings(
  dir: string,
  point: { identity: RunIdentity; start: { epoch: number } },
  definition: GraphDefinition,
  request: RunRequest,
): Required<Omit<RunRequest, 'trainLimit' | 'testLimit' | 'lrSchedule'>> &
  Pick<RunRequest, 'trainLimit' | 'testLimit' | 'lrSchedule'> {
  const run = point.identity;
  const refuse = (why: string): never => {
    throw new ResumeMismatchError(dir, why);
  };
  if (definition.name !== run.graph) refuse(`it is a run of graph '${run.graph}', not '${definition.name}'`);
  const version = codeVersion();
  if (run.version !== version)
    refuse(`it was trained by dniflow ${run.version}, this is ${version}; it would not continue exactly`);
  const set = { ...run.set, ...request.set };
  const params = resolveParams(definition, set);
  const changed = Object.keys({ ...params, ...run.params }).filter((k) => params[k] !== run.params[k]);
  if (changed.length > 0)
    refuse(
      `its parameters differ: ${changed.map((k) => `${k}=${params[k]} (the run has ${run.params[k]})`).join(', ')}`,
    );
  const same = <T>(name: string, asked: T | undefined, recorded: T): T =>
    keepRecorded(dir, name, asked, recorded);
  const epochs = request.epochs ?? run.epochs;
  if (epochs <= point.start.epoch)
    refuse(`it has trained ${point.start.epoch} of ${epochs} epochs already; ask for more epochs to go on`);
  return {
    set,
    seed: same('seed', request.seed, run.seed),
    batch: same('batch', request.batch, run.batch),
    lr: same('lr', request.lr, run.lr),
    trainLimit: same('train limit', request.trainLimit, run.train_limit ?? undefined),
    testLimit: same('test limit', request.testLimit, run.test_limit ?? undefined),
    lrSchedule: same('lr schedule', request.lrSchedule, run.lr_schedule ?? undefined),
    epochs,
    scheduler: request.scheduler ?? run.scheduler,
  };
}
