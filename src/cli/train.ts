import { performance } from 'node:perf_hooks';
import { type Dashboard, DashboardPortInUseError, startDashboard } from '../../viz/dashboard/server.ts';
import { type GraphDefinition, resolveParams } from '../graph/define.ts';
import { validateNetwork } from '../graph/validate.ts';
import type { StepEngine } from '../runtime/engine.ts';
import { type RunResult, runGraph } from '../runtime/run.ts';
import type { TrainEvent } from '../runtime/trainer.ts';
import { PlacementError } from '../runtime/workers/placement.ts';
import {
  keyValuePairs,
  nonNegativeInteger,
  parseCommandArgs,
  positiveInteger,
  positiveNumber,
  writableDirectory,
} from './args.ts';
import { TRAIN_HELP } from './help.ts';
import { loadGraphFile } from './load-graph.ts';
import { progressBar } from './progress.ts';
import { UsageError } from './usage-error.ts';

const wallClock = { now: () => performance.now() / 1000 };

export async function runTrain(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs('train', argv, {
    set: { type: 'string', multiple: true },
    epochs: { type: 'string' },
    batch: { type: 'string' },
    lr: { type: 'string' },
    seed: { type: 'string' },
    'train-limit': { type: 'string' },
    'test-limit': { type: 'string' },
    out: { type: 'string' },
    scheduler: { type: 'string' },
    placement: { type: 'string' },
    dashboard: { type: 'boolean' },
    port: { type: 'string' },
    json: { type: 'boolean' },
    help: { type: 'boolean', short: 'h' },
  });
  if (values.help) {
    process.stdout.write(TRAIN_HELP);
    return 0;
  }
  if (positionals.length !== 1) {
    throw new UsageError(`train takes one graph file, got ${positionals.length} (see dniflow train --help)`);
  }
  const options = {
    set: keyValuePairs('--set', values.set),
    epochs: positiveInteger('--epochs', values.epochs),
    batch: positiveInteger('--batch', values.batch),
    lr: positiveNumber('--lr', values.lr),
    seed: nonNegativeInteger('--seed', values.seed),
    trainLimit: positiveInteger('--train-limit', values['train-limit']),
    testLimit: positiveInteger('--test-limit', values['test-limit']),
    outDir: writableDirectory('--out', values.out),
    scheduler: schedulerFlag(values.scheduler),
    workers: values.placement === undefined ? undefined : { placement: values.placement },
  };
  if (values.placement !== undefined && options.scheduler !== 'workers')
    throw new UsageError('--placement needs --scheduler workers');
  const port = nonNegativeInteger('--port', values.port) ?? 8737;
  if (port > 65535) throw new UsageError(`--port must be at most 65535, got ${port}`);
  if (values.port !== undefined && !values.dashboard) throw new UsageError('--port needs --dashboard');
  const definition = await loadGraphFile(positionals[0]);
  const json = values.json === true;
  const bar = progressBar(process.stderr, !json);
  const onEvent = (event: TrainEvent): void => {
    if (event.type === 'batch') {
      bar.update(event.batch, event.batches, `epoch ${event.epoch}`);
      return;
    }
    bar.clear();
    const { type: _type, ...metrics } = event;
    if (json) {
      process.stdout.write(`${JSON.stringify(metrics)}\n`);
    } else {
      const synthetic =
        metrics.test_error_synthetic === undefined
          ? ''
          : `  synthetic-path error ${metrics.test_error_synthetic.toFixed(2)}%`;
      process.stdout.write(
        `epoch ${metrics.epoch}  train loss ${metrics.train_loss.toFixed(4)}  test error ${metrics.test_error.toFixed(2)}%${synthetic}  ${metrics.seconds.toFixed(1)}s\n`,
      );
    }
  };
  let result: RunResult;
  let dashboard: Dashboard | undefined;
  try {
    if (values.dashboard) {
      dashboard = await openDashboard(definition, options.set, port);
      process.stderr.write(`dashboard: ${dashboard.url}\n`);
      result = await runGraph(definition, {
        ...options,
        clock: wallClock,
        onEvent: (event) => {
          dashboard!.publish(event);
          onEvent(event);
        },
        onReady: ({ engine }) => publishMessages(engine, dashboard!),
      });
    } else {
      result = await runGraph(definition, { ...options, clock: wallClock, onEvent });
    }
  } catch (error) {
    bar.clear();
    if (error instanceof DashboardPortInUseError)
      throw new UsageError(error.message.replace(/^dniflow\/viz: /, ''));
    const message = (error as Error).message;
    // A bad --set key or value is a usage mistake, like a bad flag.
    if (message.includes('--set')) throw new UsageError(message.replace(/^dniflow\/graph: /, ''));
    if (error instanceof PlacementError)
      throw new UsageError(`--placement: ${message.replace(/^dniflow\/runtime: /, '')}`);
    throw error;
  }
  await dashboard?.close();
  const last = result.history.at(-1);
  if (json) {
    const { history: _history, ...summary } = result;
    process.stdout.write(`${JSON.stringify({ done: true, ...summary, test_error: last?.test_error })}\n`);
  } else if (last) {
    process.stdout.write(
      `${result.graph}: test error ${last.test_error.toFixed(2)}% after ${result.epochs} epochs\n`,
    );
  }
  return 0;
}

function schedulerFlag(raw: string | undefined): 'lockstep' | 'async' | 'workers' | undefined {
  if (raw === undefined || raw === 'lockstep' || raw === 'async' || raw === 'workers') return raw;
  throw new UsageError(`--scheduler must be lockstep, async or workers, got '${raw}'`);
}

async function openDashboard(definition: GraphDefinition, set: Record<string, string>, port: number) {
  const network = definition.build(resolveParams(definition, set));
  return startDashboard({ port, network, plan: validateNetwork(network), title: definition.name });
}

/** Streams what crosses each interface to the page; every 4th step, so the page keeps up. */
function publishMessages(engine: StepEngine, dashboard: Dashboard): void {
  engine.traffic?.subscribe((t) => {
    if (t.stage === 'delivered' && t.step % 4 === 0) {
      dashboard.publish({
        type: 'message',
        edge: t.edge,
        direction: t.direction,
        kind: t.kind,
        step: t.step,
      });
    }
  });
}
