import type { StepSchedule } from './lr-schedule.ts';
import type { Network } from './network.ts';

/**
 * A graph file's default export: named parameters (set from the CLI with --set key=value), training
 * defaults, and a builder from parameters to a network.
 */
export type ParamSpec =
  | { type: 'int'; default: number; min?: number; max?: number; description?: string }
  | { type: 'number'; default: number; min?: number; max?: number; description?: string }
  | { type: 'choice'; default: string; choices: readonly string[]; description?: string }
  | { type: 'boolean'; default: boolean; description?: string }
  /** Free text, such as a file path. */
  | { type: 'string'; default: string; description?: string };

export type ParamValue = number | string | boolean;
export type ParamValues = Record<string, ParamValue>;

export interface TrainingDefaults {
  epochs: number;
  batch: number;
  lr: number;
  optimizer: 'adam' | 'sgd';
  momentum?: number;
  /** Multiplies the learning rate at an epoch (0-based), e.g. a step decay. */
  lrSchedule?: (epoch: number) => number;
  /**
   * Multiplies the learning rate at a global step (iteration, 0-based) of the run's total, applied
   * before that step (see lr-schedule.ts: stepDecay, cosineDecay). The paper's budgets are in
   * iterations. Give this or lrSchedule, not both; feed-forward graphs only.
   */
  lrScheduleSteps?: StepSchedule;
  /**
   * Networks on an endless stream (Copy, Repeat Copy: recurrent, paper §3.2): an epoch is this many
   * ticks per lane. `batch` is then the number of lanes.
   */
  ticksPerEpoch?: number;
  /** Recurrent cores: clip the global L2 norm of the core's gradient per window to this. */
  clipNorm?: number;
}

/** Virtual-time settings for the asynchronous scheduler (module compute costs, edge latency). */
export interface ScheduleSpec {
  costs?: Record<string, { forward: number; backward: number }>;
  defaultCost?: { forward: number; backward: number };
  latency?: number;
  sourcePeriod?: number;
  maxInFlight?: number;
}

export interface GraphDefinition<P extends ParamValues = ParamValues> {
  name: string;
  description: string;
  params: Record<string, ParamSpec>;
  training: TrainingDefaults | ((params: P) => TrainingDefaults);
  build(params: P): Network;
  /** Used when training with `--scheduler async`. */
  schedule?: ScheduleSpec;
}

export function defineGraph<P extends ParamValues>(definition: GraphDefinition<P>): GraphDefinition<P> {
  return definition;
}

/** A bad --set key or value: a usage mistake, like a bad flag. */
export class ParamError extends Error {
  override readonly name = 'ParamError';
}

function parseParam(graph: string, key: string, spec: ParamSpec, raw: string): ParamValue {
  const bad = (why: string): never => {
    throw new ParamError(`dniflow/graph: --set ${key}=${raw} for graph '${graph}': ${why}`);
  };
  switch (spec.type) {
    case 'int':
    case 'number': {
      const value = Number(raw);
      if (raw === '' || !Number.isFinite(value)) return bad('not a number');
      if (spec.type === 'int' && !Number.isInteger(value)) return bad('not an integer');
      if (spec.min !== undefined && value < spec.min) return bad(`must be at least ${spec.min}`);
      if (spec.max !== undefined && value > spec.max) return bad(`must be at most ${spec.max}`);
      return value;
    }
    case 'choice':
      if (!spec.choices.includes(raw)) return bad(`must be one of ${spec.choices.join(' | ')}`);
      return raw;
    case 'boolean':
      if (raw !== 'true' && raw !== 'false') return bad('must be true or false');
      return raw === 'true';
    case 'string':
      return raw;
  }
}

/** Defaults overridden by --set pairs; an unknown key is an error that lists the known ones. */
export function resolveParams(definition: GraphDefinition, overrides: Record<string, string>): ParamValues {
  const values: ParamValues = {};
  for (const [key, spec] of Object.entries(definition.params)) values[key] = spec.default;
  for (const [key, raw] of Object.entries(overrides)) {
    // Own keys only: 'constructor' or 'toString' must not find Object.prototype's.
    const spec = Object.hasOwn(definition.params, key) ? definition.params[key] : undefined;
    if (!spec) {
      const known = Object.keys(definition.params).join(', ') || '(none)';
      throw new ParamError(
        `dniflow/graph: unknown --set key '${key}' for graph '${definition.name}' (known: ${known})`,
      );
    }
    values[key] = parseParam(definition.name, key, spec, raw);
  }
  return values;
}

/**
 * A graph file's training settings for these parameters, checked like flags before any work: a typo
 * must not train silently with another optimiser, nor zero epochs print nothing.
 */
export function trainingDefaults(definition: GraphDefinition, params: ParamValues): TrainingDefaults {
  const training =
    typeof definition.training === 'function' ? definition.training(params) : definition.training;
  const bad = (field: string, why: string, value: unknown): never => {
    throw new Error(
      `dniflow/graph: graph '${definition.name}' training.${field} ${why}, got ${String(value)}`,
    );
  };
  const { epochs, batch, lr, optimizer, momentum, lrSchedule, lrScheduleSteps, ticksPerEpoch, clipNorm } =
    training;
  if (!(Number.isInteger(epochs) && epochs >= 1)) bad('epochs', 'must be a positive integer', epochs);
  if (!(Number.isInteger(batch) && batch >= 1)) bad('batch', 'must be a positive integer', batch);
  if (!(Number.isFinite(lr) && lr > 0)) bad('lr', 'must be a positive number', lr);
  if (optimizer !== 'adam' && optimizer !== 'sgd')
    bad('optimizer', "must be 'adam' or 'sgd'", `'${optimizer}'`);
  if (momentum !== undefined && !(momentum >= 0 && momentum < 1))
    bad('momentum', 'must be in [0, 1)', momentum);
  if (ticksPerEpoch !== undefined && !(Number.isInteger(ticksPerEpoch) && ticksPerEpoch >= 1))
    bad('ticksPerEpoch', 'must be a positive integer', ticksPerEpoch);
  if (clipNorm !== undefined && !(Number.isFinite(clipNorm) && clipNorm > 0))
    bad('clipNorm', 'must be a positive number', clipNorm);
  if (lrSchedule !== undefined) {
    if (typeof lrSchedule !== 'function')
      bad('lrSchedule', 'must be a function of the epoch', typeof lrSchedule);
    for (let epoch = 0; epoch < epochs; epoch++) {
      const factor = lrSchedule(epoch);
      if (!(Number.isFinite(factor) && factor >= 0))
        bad('lrSchedule', `must give a finite factor ≥ 0 at every epoch (epoch ${epoch})`, factor);
    }
  }
  if (lrScheduleSteps !== undefined) {
    if (lrSchedule !== undefined)
      bad('lrScheduleSteps', 'excludes lrSchedule (one schedule, on epochs or on steps)', 'both');
    if (typeof lrScheduleSteps !== 'function')
      bad('lrScheduleSteps', 'must be a function of the step', typeof lrScheduleSteps);
    // The run's length is not known here (it depends on the data): sample a nominal run of the
    // paper's 500k iterations at every power of ten and its end. The trainer checks every factor
    // it applies too.
    const total = 500_000;
    for (const step of [0, 1, 10, 100, 1000, 10_000, 100_000, total - 1]) {
      const factor = lrScheduleSteps(step, total);
      if (!(Number.isFinite(factor) && factor >= 0))
        bad(
          'lrScheduleSteps',
          `must give a finite factor ≥ 0 at every step (step ${step} of ${total})`,
          factor,
        );
    }
  }
  return training;
}
