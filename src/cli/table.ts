import { writeFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { runGraph } from '../runtime/run.ts';
import { parseCommandArgs, positiveInteger } from './args.ts';
import { loadGraphFile } from './load-graph.ts';
import { METHODS, type Method, PAPER_MNIST } from './paper-table.ts';
import { progressBar } from './progress.ts';
import { runRecurrentTable, TABLE_RECURRENT_HELP } from './table-recurrent.ts';
import { UsageError } from './usage-error.ts';

export const TABLE_HELP = `Usage:
  dniflow table feedforward [--epochs N] [--train-limit N] [--sg linear|mlp] [--only FCN|CNN]
                            [--out FILE] [--json]
  dniflow table recurrent   [--budget TICKS] [--only copy|repeat-copy] [--T 2,3,4,5] [--out FILE]
                            (see dniflow table recurrent --help)

Runs the paper's MNIST table (Jaderberg et al. 2017, Table 1): FCN with 3-6 layers and CNN with
3-4 layers, each trained with No Bprop, Bprop, DNI and cDNI at the given budget, and prints our
test error beside the paper's. Writes the table as JSON to FILE (default table-feedforward.json).

Options:
  --epochs N         epochs per cell (default 1)
  --train-limit N    train each cell on the first N training examples (default: all 60000)
  --sg linear|mlp    FCN cells' synthetic-gradient model (default linear; mlp: 2x1024, BN, ReLU);
                     CNN cells use conv synthetic-gradient models
  --only FCN|CNN     run only one family
  --out FILE         where to write the JSON table
  --json             print one JSON object per cell instead of the text table
`;

interface Cell {
  model: 'FCN' | 'CNN';
  layers: number;
  method: Method;
  test_error: number;
  paper: number;
  seconds: number;
}

const wallClock = { now: () => performance.now() / 1000 };

export async function runTable(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs('table', argv, {
    budget: { type: 'string' },
    T: { type: 'string' },
    methods: { type: 'string' },
    units: { type: 'string' },
    batch: { type: 'string' },
    seed: { type: 'string' },
    jobs: { type: 'string' },
    epochs: { type: 'string' },
    'train-limit': { type: 'string' },
    sg: { type: 'string' },
    only: { type: 'string' },
    out: { type: 'string' },
    json: { type: 'boolean' },
    help: { type: 'boolean', short: 'h' },
  });
  if (values.help) {
    process.stdout.write(positionals[0] === 'recurrent' ? TABLE_RECURRENT_HELP : TABLE_HELP);
    return 0;
  }
  if (positionals.length !== 1 || (positionals[0] !== 'feedforward' && positionals[0] !== 'recurrent')) {
    throw new UsageError(
      `table takes one table name, 'feedforward' or 'recurrent' (see dniflow table --help)`,
    );
  }
  const recurrentOnly = ['budget', 'T', 'methods', 'units', 'batch', 'seed', 'jobs'] as const;
  const feedforwardOnly = ['epochs', 'train-limit', 'sg'] as const;
  const misplaced =
    positionals[0] === 'recurrent'
      ? feedforwardOnly.find((flag) => values[flag] !== undefined)
      : recurrentOnly.find((flag) => values[flag] !== undefined);
  if (misplaced !== undefined)
    throw new UsageError(
      `--${misplaced} does not apply to table ${positionals[0]} (see dniflow table --help)`,
    );
  if (positionals[0] === 'recurrent') return runRecurrentTable(values);
  const epochs = positiveInteger('--epochs', values.epochs) ?? 1;
  const trainLimit = positiveInteger('--train-limit', values['train-limit']);
  const sg = values.sg ?? 'linear';
  if (sg !== 'linear' && sg !== 'mlp') throw new UsageError(`--sg must be linear or mlp, got '${sg}'`);
  if (values.only !== undefined && values.only !== 'FCN' && values.only !== 'CNN') {
    throw new UsageError(`--only must be FCN or CNN, got '${values.only}'`);
  }
  const out = values.out ?? 'table-feedforward.json';
  const graphs = {
    FCN: await loadGraphFile(fileURLToPath(new URL('../../graphs/mnist-fcn.ts', import.meta.url))),
    CNN: await loadGraphFile(fileURLToPath(new URL('../../graphs/mnist-cnn.ts', import.meta.url))),
  };
  const plan = (['FCN', 'CNN'] as const)
    .filter((model) => values.only === undefined || values.only === model)
    .flatMap((model) =>
      Object.keys(PAPER_MNIST[model]).flatMap((layers) =>
        METHODS.map((method) => ({ model, layers: Number(layers), method })),
      ),
    );
  const bar = progressBar(process.stderr, values.json !== true);
  const cells: Cell[] = [];
  for (const [index, { model, layers, method }] of plan.entries()) {
    const label = `cell ${index + 1}/${plan.length} ${model}-${layers} ${method}`;
    if (!process.stderr.isTTY && values.json !== true) process.stderr.write(`${label}\n`);
    const started = wallClock.now();
    const result = await runGraph(graphs[model], {
      // The FCN picks linear or 2x1024 SG models; the CNN always uses its conv SG models.
      set: model === 'FCN' ? { layers: String(layers), method, sg } : { layers: String(layers), method },
      epochs,
      trainLimit,
      clock: wallClock,
      onEvent: (event) => {
        if (event.type === 'batch')
          bar.update(event.batch, event.batches, `${label} epoch ${event.epoch}/${epochs}`);
      },
    });
    bar.clear();
    const cell: Cell = {
      model,
      layers,
      method,
      test_error: result.history.at(-1)!.test_error,
      paper: PAPER_MNIST[model][layers][method],
      seconds: wallClock.now() - started,
    };
    cells.push(cell);
    if (values.json) process.stdout.write(`${JSON.stringify(cell)}\n`);
  }
  const table = { budget: { epochs, trainLimit: trainLimit ?? 60000, sg }, rows: cells };
  writeFileSync(out, `${JSON.stringify(table, null, 2)}\n`);
  if (!values.json) process.stdout.write(formatTable(cells));
  process.stderr.write(`table written to ${out}\n`);
  return 0;
}

/** Rows per network, columns per method: ours (paper). */
export function formatTable(cells: Cell[]): string {
  const header = `${'network'.padEnd(8)}${METHODS.map((m) => m.padStart(16)).join('')}\n`;
  const rows = new Map<string, Cell[]>();
  for (const cell of cells) {
    const key = `${cell.model}-${cell.layers}`;
    rows.set(key, [...(rows.get(key) ?? []), cell]);
  }
  let text = `MNIST test error %, ours (paper)\n${header}`;
  for (const [key, row] of rows) {
    text += key.padEnd(8);
    for (const method of METHODS) {
      const cell = row.find((c) => c.method === method);
      text += (cell ? `${cell.test_error.toFixed(2)} (${cell.paper.toFixed(1)})` : '-').padStart(16);
    }
    text += '\n';
  }
  return text;
}
