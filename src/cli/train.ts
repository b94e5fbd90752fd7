import { performance } from 'node:perf_hooks';
import { runGraph } from '../runtime/run.ts';
import type { TrainEvent } from '../runtime/trainer.ts';
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
  };
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
  let result: ReturnType<typeof runGraph>;
  try {
    result = runGraph(definition, { ...options, clock: wallClock, onEvent });
  } catch (error) {
    bar.clear();
    const message = (error as Error).message;
    // A bad --set key or value is a usage mistake, like a bad flag.
    if (message.includes('--set')) throw new UsageError(message.replace(/^dniflow\/graph: /, ''));
    throw error;
  }
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
