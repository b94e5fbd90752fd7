import { type GraphDefinition, resolveParams, trainingDefaults } from '../graph/define.ts';
import type { Network } from '../graph/network.ts';
import { networkToJSON } from '../graph/serialize.ts';
import type { NetworkPlan } from '../graph/validate.ts';
import { validateNetwork } from '../graph/validate.ts';
import { backend } from '../tensor/backend-registry.ts';
import { Prng } from '../tensor/prng.ts';
import type { Clock } from './clock.ts';
import { loadSourceData } from './datasets.ts';
import { GraphEngine } from './graph-engine.ts';
import { createRunOutput } from './run-output.ts';
import {
  type EpochMetrics,
  type TrainEvent,
  type TrainerOptions,
  train,
  trainInterleaved,
} from './trainer.ts';

export interface RunOptions {
  set?: Record<string, string>;
  epochs?: number;
  batch?: number;
  lr?: number;
  seed?: number;
  trainLimit?: number;
  testLimit?: number;
  checkpointPath?: string;
  /** Writes run.json, metrics.jsonl and checkpoint.ckpt there. */
  outDir?: string;
  /** 'lockstep' (default): deterministic, one step at a time. 'async': modules on their own clocks. */
  scheduler?: 'lockstep' | 'async';
  /** Called once the network is built and validated, before training (dashboards, taps). */
  onReady?: (run: { network: Network; plan: NetworkPlan; engine: GraphEngine }) => void;
  clock: Clock;
  onEvent?: (event: TrainEvent) => void;
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

/** Builds a graph file's network with its parameters, validates it, and trains it on its data. */
export function runGraph(definition: GraphDefinition, options: RunOptions): RunResult {
  const run = prepareRun(definition, options);
  return run.finish(train(run.engine, run.data, run.trainer, run.hasSyntheticPath));
}

/** The same, letting the event loop run between batches (for a live dashboard). */
export async function runGraphInterleaved(
  definition: GraphDefinition,
  options: RunOptions,
): Promise<RunResult> {
  const run = prepareRun(definition, options);
  return run.finish(await trainInterleaved(run.engine, run.data, run.trainer, run.hasSyntheticPath));
}

/** Everything a run needs, built and validated before any training. */
export function prepareRun(definition: GraphDefinition, options: RunOptions) {
  const params = resolveParams(definition, options.set ?? {});
  const defaults = trainingDefaults(definition, params);
  const network = definition.build(params);
  const plan = validateNetwork(network);
  const source = network.getNodeAttributes(plan.order[0]);
  if (source.kind !== 'source')
    throw new Error(`dniflow/runtime: network '${definition.name}' must start at a source`);
  const seed = options.seed ?? 1;
  const epochs = options.epochs ?? defaults.epochs;
  const batch = options.batch ?? defaults.batch;
  const lr = options.lr ?? defaults.lr;
  const prng = new Prng(seed);
  const engine = new GraphEngine(
    network,
    plan,
    prng.stream('init'),
    { kind: defaults.optimizer, lr, momentum: defaults.momentum },
    { schedule: options.scheduler === 'async' ? (definition.schedule ?? {}) : undefined },
  );
  options.onReady?.({ network, plan, engine });
  const output =
    options.outDir === undefined
      ? undefined
      : createRunOutput(options.outDir, {
          graph: definition.name,
          params,
          epochs,
          batch,
          lr,
          seed,
          backend: backend().name,
          network: networkToJSON(network),
        });
  const data = loadSourceData(source.dataset, { train: options.trainLimit, test: options.testLimit });
  const hasSyntheticPath = network.someEdge((_e, attrs) =>
    ['syntheticInput', 'unlock'].includes(attrs.interface.kind),
  );
  const trainer: TrainerOptions = {
    epochs,
    batch,
    inputShape: source.shape,
    prng: prng.stream('data'),
    clock: options.clock,
    lrSchedule: defaults.lrSchedule,
    checkpointPath: options.checkpointPath ?? output?.checkpointPath,
    onEvent: (event) => {
      if (event.type === 'epoch') output?.epoch(event);
      options.onEvent?.(event);
    },
  };
  const finish = (history: EpochMetrics[]): RunResult => {
    engine.dispose();
    return { graph: definition.name, params, epochs, batch, lr, seed, history };
  };
  return { network, plan, engine, data, trainer, hasSyntheticPath, finish };
}
