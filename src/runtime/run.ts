import { type GraphDefinition, resolveParams, trainingDefaults } from '../graph/define.ts';
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
import { createRunOutput } from './run-output.ts';
import { type EpochMetrics, type TrainEvent, type TrainerOptions, train } from './trainer.ts';
import { WorkerEngine, type WorkerOptions } from './workers/worker-engine.ts';

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
  /**
   * 'lockstep' (default): deterministic, one step at a time. 'async': modules on their own virtual
   * clocks. 'workers': modules in worker threads, really in parallel.
   */
  scheduler?: 'lockstep' | 'async' | 'workers';
  /** The workers scheduler's placement and flow control. */
  workers?: WorkerOptions;
  /** Called once the network is built and validated, before training (dashboards, taps). */
  onReady?: (run: { network: Network; plan: NetworkPlan; engine: StepEngine }) => void;
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
export async function runGraph(definition: GraphDefinition, options: RunOptions): Promise<RunResult> {
  const run = await prepareRun(definition, options);
  try {
    return run.finish(await train(run.engine, run.data, run.trainer, run.hasSyntheticPath));
  } finally {
    await run.dispose();
  }
}

/** Everything a run needs, built and validated before any training. */
export async function prepareRun(definition: GraphDefinition, options: RunOptions) {
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
  // What the run is, as run.json records it and the result reports it.
  const summary = { graph: definition.name, params, epochs, batch, lr, seed };
  const optimizer = { kind: defaults.optimizer, lr, momentum: defaults.momentum };
  const engine: StepEngine & { dispose(): void | Promise<void> } =
    options.scheduler === 'workers'
      ? await WorkerEngine.start(network, plan, prng.stream('init'), optimizer, options.workers)
      : new GraphEngine(network, plan, prng.stream('init'), optimizer, {
          schedule: options.scheduler === 'async' ? (definition.schedule ?? {}) : undefined,
        });
  options.onReady?.({ network, plan, engine });
  const output =
    options.outDir === undefined
      ? undefined
      : createRunOutput(options.outDir, {
          ...summary,
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
  const finish = (history: EpochMetrics[]): RunResult => ({ ...summary, history });
  const dispose = async () => engine.dispose();
  return { network, plan, engine, data, trainer, hasSyntheticPath, finish, dispose };
}
