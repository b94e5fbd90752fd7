import { parseCommandArgs } from './args.ts';
import { runFeedforwardTable } from './table-feedforward.ts';
import { runRecurrentTable, TABLE_RECURRENT_HELP } from './table-recurrent.ts';
import { UsageError } from './usage-error.ts';

export const TABLE_HELP = `Usage:
  dniflow table feedforward [--budget ITERATIONS [--eval-every N] | --epochs N] [--train-limit N]
                            [--sg linear|mlp] [--lr RATE] [--lr-schedule S] [--seed S] [--only FCN|CNN]
                            [--layers 3,4,5,6] [--methods nobprop,bprop,dni,cdni] [--set key=value]...
                            [--out FILE] [--json]
  dniflow table recurrent   [--budget TICKS] [--only copy|repeat-copy] [--T 2,3,4,5] [--out FILE]
                            (see dniflow table recurrent --help)

Runs the paper's MNIST table (Jaderberg et al. 2017, Table 1): FCN with 3-6 layers and CNN with
3-4 layers, each trained with No Bprop, Bprop, DNI and cDNI at the same budget, and prints our
test error beside the paper's with the seconds each cell took. The table is written to FILE
(default table-feedforward.json) after every cell, with each cell's learning curve (test error
against iterations), which dniflow plot draws; running the same command again skips the cells
already there (so an interrupted table continues where it stopped, and a wider --layers or
--methods adds only the new cells). A FILE written with other settings is refused.

Options:
  --budget N         iterations (minibatches) per cell, at each graph's batch size
  --eval-every N     with --budget: evaluate the test error every N iterations for the curve
                     (default: budget / 20), besides each epoch's end
  --epochs N         epochs per cell instead of a budget of iterations (default 1)
  --train-limit N    train each cell on the first N training examples (default: all 60000)
  --sg linear|mlp    FCN cells' synthetic-gradient model (default linear; mlp: 2x1024, BN, ReLU);
                     CNN cells use conv synthetic-gradient models
  --lr-schedule S    every cell's learning-rate schedule on iterations, replacing the graphs':
                     constant, step:EVERY:FACTOR or cosine[:FLOOR] (see dniflow train --help)
  --lr RATE          every cell's learning rate for its modules, replacing the graphs' own
  --seed S           seed of every cell (default 1)
  --set key=value    a graph parameter for every cell (e.g. --set sgTop=mlp for the FCN's), checked
                     against each planned cell's graph before any trains; not layers, method or sg
  --only FCN|CNN     run only one family
  --layers LIST      only these depths, comma-separated (FCN 3-6, CNN 3-4)
  --methods LIST     only these methods, comma-separated (default nobprop,bprop,dni,cdni)
  --out FILE         where to write the JSON table
  --json             print one JSON object per finished cell instead of the text table
`;

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
    'eval-every': { type: 'string' },
    'train-limit': { type: 'string' },
    'lr-schedule': { type: 'string' },
    lr: { type: 'string' },
    layers: { type: 'string' },
    sg: { type: 'string' },
    set: { type: 'string', multiple: true },
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
  const recurrentOnly = ['T', 'units', 'batch', 'jobs'] as const;
  const feedforwardOnly = [
    'epochs',
    'eval-every',
    'train-limit',
    'lr-schedule',
    'lr',
    'layers',
    'sg',
  ] as const;
  const misplaced =
    positionals[0] === 'recurrent'
      ? feedforwardOnly.find((flag) => values[flag] !== undefined)
      : recurrentOnly.find((flag) => values[flag] !== undefined);
  if (misplaced !== undefined)
    throw new UsageError(
      `--${misplaced} does not apply to table ${positionals[0]} (see dniflow table --help)`,
    );
  return positionals[0] === 'recurrent' ? runRecurrentTable(values) : runFeedforwardTable(values);
}
