import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import type { GraphDefinition } from '../graph/define.ts';
import { runGraph } from '../runtime/run.ts';
import { commaList, lrScheduleFlag, nonNegativeInteger, positiveInteger, positiveNumber } from './args.ts';
import { loadGraphFile } from './load-graph.ts';
import { METHODS, type Method, PAPER_MNIST } from './paper-table.ts';
import { progressBar } from './progress.ts';
import {
  checkCellParams,
  describeSets,
  openTable,
  pendingCells,
  saveTable,
  type TableFile,
  tableSets,
} from './table-file.ts';
import { UsageError } from './usage-error.ts';

/** Learning-curve points a cell records with --budget, unless --eval-every says otherwise. */
const CURVE_POINTS = 20;
/** A budget the paper's own (500k iterations, PAPER.md) does not reach 20 times over. */
const MAX_BUDGET = 10_000_000;

type Model = 'FCN' | 'CNN';

export interface FeedforwardCell {
  model: Model;
  layers: number;
  method: Method;
  /** Test error (%) at the end of the cell's budget. */
  test_error: number;
  /** The paper's Table 1 figure for this cell. */
  paper: number;
  /** Iterations (global steps) trained. */
  iterations: number;
  batch: number;
  lr: number;
  /** Mean training loss of the last epoch (partial, under a budget). */
  train_loss: number;
  /** Wall-clock seconds of the cell: data, training and every evaluation. */
  seconds: number;
  /** Test error after every evaluation: each epoch's end, and every eval_every iterations. */
  curve: { iterations: number; test_error: number }[];
}

export interface FeedforwardSettings {
  /** Iterations per cell (--budget), or null when the budget is in epochs. */
  iterations: number | null;
  epochs: number | null;
  eval_every: number | null;
  train_limit: number | null;
  sg: 'linear' | 'mlp';
  /** --lr-schedule, or null for each graph's own schedule. */
  lr_schedule: string | null;
  /** --lr for every cell's modules; absent for each graph's own rate (and in tables written before it). */
  lr?: number;
  /** --set for every cell's graph, keys sorted; absent when none was given (and in older tables). */
  set?: Record<string, string>;
  seed: number;
}

export type FeedforwardTable = TableFile<FeedforwardSettings, FeedforwardCell>;

const wallClock = { now: () => performance.now() / 1000 };

const GRAPHS: Record<Model, string> = {
  FCN: fileURLToPath(new URL('../../graphs/mnist-fcn.ts', import.meta.url)),
  CNN: fileURLToPath(new URL('../../graphs/mnist-cnn.ts', import.meta.url)),
};

/** Parameters the table itself gives each cell, and the flags that choose them instead of --set. */
const CELL_PARAMS = { layers: '--layers', method: '--methods', sg: '--sg' };

/** The table's settings from its flags, every one checked before any cell trains. */
function settingsOf(values: Record<string, string | string[] | boolean | undefined>): FeedforwardSettings {
  const flag = (name: string) => values[name] as string | undefined;
  if (flag('budget') !== undefined && flag('epochs') !== undefined)
    throw new UsageError('--budget (iterations) and --epochs exclude each other: give one budget per cell');
  const iterations = positiveInteger('--budget', flag('budget')) ?? null;
  if (iterations !== null && iterations > MAX_BUDGET)
    throw new UsageError(`--budget must be at most ${MAX_BUDGET} iterations, got ${iterations}`);
  const epochs = iterations === null ? (positiveInteger('--epochs', flag('epochs')) ?? 1) : null;
  const evalEvery = positiveInteger('--eval-every', flag('eval-every'));
  if (evalEvery !== undefined && iterations !== null && evalEvery > iterations)
    throw new UsageError(`--eval-every ${evalEvery} is more than the --budget of ${iterations} iterations`);
  const sg = flag('sg') ?? 'linear';
  if (sg !== 'linear' && sg !== 'mlp') throw new UsageError(`--sg must be linear or mlp, got '${sg}'`);
  const lr = positiveNumber('--lr', flag('lr'));
  const set = tableSets(values.set as string[] | undefined, CELL_PARAMS);
  return {
    iterations,
    epochs,
    eval_every: evalEvery ?? (iterations === null ? null : Math.ceil(iterations / CURVE_POINTS)),
    train_limit: positiveInteger('--train-limit', flag('train-limit')) ?? null,
    sg,
    lr_schedule: lrScheduleFlag(flag('lr-schedule')) ?? null,
    ...(lr === undefined ? {} : { lr }),
    ...(set === undefined ? {} : { set }),
    seed: nonNegativeInteger('--seed', flag('seed')) ?? 1,
  };
}

/** The cells the flags select, in the paper's order (FCN then CNN, by depth, then METHODS). */
function planOf(values: Record<string, string | string[] | boolean | undefined>) {
  const only = values.only as string | undefined;
  if (only !== undefined && only !== 'FCN' && only !== 'CNN')
    throw new UsageError(`--only must be FCN or CNN, got '${only}'`);
  const models = (['FCN', 'CNN'] as const).filter((model) => only === undefined || only === model);
  const depths = models.flatMap((model) => Object.keys(PAPER_MNIST[model]).map(Number));
  const layers =
    values.layers === undefined
      ? undefined
      : commaList('--layers', values.layers as string, (item) =>
          depths.includes(Number(item)) ? Number(item) : undefined,
        );
  const methods =
    values.methods === undefined
      ? METHODS
      : commaList('--methods', values.methods as string, (item) =>
          (METHODS as readonly string[]).includes(item) ? (item as Method) : undefined,
        );
  return models.flatMap((model) =>
    Object.keys(PAPER_MNIST[model])
      .map(Number)
      .filter((depth) => layers === undefined || layers.includes(depth))
      .flatMap((depth) =>
        METHODS.filter((m) => methods.includes(m)).map((method) => ({ model, layers: depth, method })),
      ),
  );
}

/** Where a cell sits in the paper's order: rows are kept so, whichever run finished them. */
function rank(cell: { model: Model; layers: number; method: Method }): number {
  return (cell.model === 'FCN' ? 0 : 100) + cell.layers * 10 + METHODS.indexOf(cell.method);
}

export async function runFeedforwardTable(
  values: Record<string, string | string[] | boolean | undefined>,
): Promise<number> {
  const settings = settingsOf(values);
  const plan = planOf(values);
  const graphs: Partial<Record<Model, GraphDefinition>> = {};
  // Every planned cell's parameters are checked before the first one trains.
  for (const cell of plan) {
    graphs[cell.model] ??= await loadGraphFile(GRAPHS[cell.model]);
    checkCellParams(graphs[cell.model]!, cellParams(cell, settings), cell.model);
  }
  const out = (values.out as string | undefined) ?? 'table-feedforward.json';
  const json = values.json === true;
  const table: FeedforwardTable = openTable(out, 'feedforward', settings);
  const todo = pendingCells(
    plan,
    table.rows,
    (cell, row) => row.model === cell.model && row.layers === cell.layers && row.method === cell.method,
    out,
  );
  const bar = progressBar(process.stderr, !json);
  for (const [index, cell] of todo.entries()) {
    const label = `cell ${plan.length - todo.length + index + 1}/${plan.length} ${cell.model}-${cell.layers} ${cell.method}`;
    if (!process.stderr.isTTY && !json) process.stderr.write(`${label}: started\n`);
    const row = await runCell(graphs[cell.model]!, cell, settings, {
      onBatch: (done, total) => bar.update(done, total, `${label} ${done}/${total} iterations`),
      onEval: (iterations, error) => {
        if (!process.stderr.isTTY && !json)
          process.stderr.write(`${label}: ${iterations} iterations, test error ${error.toFixed(2)}%\n`);
      },
    });
    bar.clear();
    table.rows.push(row);
    table.rows.sort((a, b) => rank(a) - rank(b));
    saveTable(out, table);
    if (!json)
      process.stderr.write(
        `${label}: ${row.test_error.toFixed(2)}% (paper ${row.paper}) in ${row.seconds.toFixed(0)}s\n`,
      );
    else process.stdout.write(`${JSON.stringify(row)}\n`);
  }
  if (!json) process.stdout.write(formatFeedforwardTable(table));
  process.stderr.write(`table written to ${out}\n`);
  return 0;
}

/** A cell's graph parameters: the table's --set, its depth and method, and (FCN) the SG model. */
function cellParams(
  cell: { model: Model; layers: number; method: Method },
  settings: FeedforwardSettings,
): Record<string, string> {
  const own = { ...settings.set, layers: String(cell.layers), method: cell.method };
  // The FCN picks linear or 2x1024 SG models; the CNN always uses its conv SG models.
  return cell.model === 'FCN' ? { ...own, sg: settings.sg } : own;
}

/** One cell, trained in this process on the lockstep scheduler (deterministic for its seed). */
async function runCell(
  definition: GraphDefinition,
  cell: { model: Model; layers: number; method: Method },
  settings: FeedforwardSettings,
  progress: {
    onBatch: (done: number, total: number) => void;
    onEval: (iterations: number, error: number) => void;
  },
): Promise<FeedforwardCell> {
  const started = wallClock.now();
  const curve: FeedforwardCell['curve'] = [];
  let done = 0;
  const result = await runGraph(definition, {
    set: cellParams(cell, settings),
    epochs: settings.epochs ?? undefined,
    steps: settings.iterations ?? undefined,
    evalEvery: settings.eval_every ?? undefined,
    trainLimit: settings.train_limit ?? undefined,
    lrSchedule: settings.lr_schedule ?? undefined,
    lr: settings.lr,
    seed: settings.seed,
    clock: wallClock,
    onEval: ({ step, test_error }) => {
      curve.push({ iterations: step, test_error });
      progress.onEval(step, test_error);
    },
    onEvent: (event) => {
      if (event.type !== 'batch') return;
      done++;
      progress.onBatch(done, settings.iterations ?? event.batches * settings.epochs!);
    },
  });
  const last = result.history.at(-1)!;
  return {
    ...cell,
    test_error: last.test_error,
    paper: PAPER_MNIST[cell.model][cell.layers][cell.method],
    iterations: done,
    batch: result.batch,
    lr: result.lr,
    train_loss: last.train_loss,
    seconds: wallClock.now() - started,
    curve,
  };
}

/** Rows per network, columns per method: ours (paper) and the cell's seconds. */
export function formatFeedforwardTable(table: FeedforwardTable): string {
  const { iterations, epochs, lr_schedule } = table.settings;
  const budget =
    iterations !== null ? `${iterations} iterations` : `${epochs} epoch${epochs === 1 ? '' : 's'}`;
  const rate = table.settings.lr === undefined ? '' : `, lr ${table.settings.lr}`;
  const schedule = `${rate}${lr_schedule === null ? '' : `, lr schedule ${lr_schedule}`}${describeSets(table.settings.set)}`;
  let text = `MNIST test error %, ours (paper) and seconds per cell, ${budget} per cell${schedule}\n`;
  text += `${'network'.padEnd(8)}${METHODS.map((m) => m.padStart(20)).join('')}\n`;
  const keys = [...new Set(table.rows.map((row) => `${row.model}-${row.layers}`))];
  for (const key of keys) {
    text += key.padEnd(8);
    for (const method of METHODS) {
      const cell = table.rows.find((row) => `${row.model}-${row.layers}` === key && row.method === method);
      const ours = cell
        ? `${cell.test_error.toFixed(2)} (${cell.paper.toFixed(1)}) ${cell.seconds.toFixed(0)}s`
        : '-';
      text += ours.padStart(20);
    }
    text += '\n';
  }
  return text;
}
