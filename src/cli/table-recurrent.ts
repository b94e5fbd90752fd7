import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { commaList, nonNegativeInteger, positiveInteger } from './args.ts';
import { loadGraphFile } from './load-graph.ts';
import {
  PAPER_RECURRENT,
  type PaperCertainty,
  RECURRENT_METHODS,
  type RecurrentMethod,
  type RecurrentTask,
} from './paper-table.ts';
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

export const TABLE_RECURRENT_HELP = `Usage:
  dniflow table recurrent [--budget TICKS] [--only copy|repeat-copy] [--T 2,3,4,5]
                          [--methods bptt,dni,dni-aux] [--units N] [--batch B] [--seed S]
                          [--set key=value]... [--jobs J] [--out FILE] [--json]

Runs the paper's Copy / Repeat Copy table (Jaderberg et al. 2017, §3.2): each task x window T x
{BPTT, DNI, DNI + Aux} trains graphs/copy.ts or graphs/repeat-copy.ts for the same budget of ticks,
and prints the largest task length solved beside the paper's (* marks a figure PAPER.md recalls
rather than checked). The table is written to FILE (default table-recurrent.json) after every cell;
running the same command again skips the cells already there. Each cell also records the length
solved against ticks seen, which dniflow plot draws.

Options:
  --budget TICKS     ticks per lane per cell (default 200000)
  --only TASK        copy or repeat-copy (default: both)
  --T LIST           truncation windows, comma-separated (default 2,3,4,5)
  --methods LIST     default bptt,dni,dni-aux
  --units N          LSTM size (default 256, the paper's)
  --batch B          lanes (default: the graph's)
  --seed S           seed of every cell (default 1)
  --set key=value    a graph parameter for every cell (e.g. --set stagger=true), checked against
                     both graphs before any cell trains; not method, T or units
  --jobs J           cells trained at once, each in its own process with one BLAS thread (default 1)
  --out FILE         where to write the JSON table
  --json             print one JSON object per finished cell instead of the text table
`;

/** Points of the length-solved curve a cell records (its run's epochs). */
const CURVE_POINTS = 20;

export interface RecurrentCell {
  task: RecurrentTask;
  T: number;
  method: RecurrentMethod;
  solved_length: number;
  paper: number;
  paper_certainty: PaperCertainty;
  ticks: number;
  bits_per_tick: number;
  seconds: number;
  /** The largest length solved after each epoch of ticks. */
  curve: { ticks: number; solved_length: number }[];
}

interface TableSettings {
  budget: number;
  units: number;
  batch: number | null;
  seed: number;
  /** --set for every cell, keys sorted; absent when none was given (and in older tables). */
  set?: Record<string, string>;
}

/** Parameters the table gives each cell, and the flags that choose them instead of --set. */
const CELL_PARAMS = { method: '--methods', T: '--T', units: '--units' };

export type RecurrentTable = TableFile<TableSettings, RecurrentCell>;

export async function runRecurrentTable(
  values: Record<string, string | string[] | boolean | undefined>,
): Promise<number> {
  const budget = positiveInteger('--budget', values.budget as string | undefined) ?? 200_000;
  const units = positiveInteger('--units', values.units as string | undefined) ?? 256;
  const batch = positiveInteger('--batch', values.batch as string | undefined) ?? null;
  const seed = nonNegativeInteger('--seed', values.seed as string | undefined) ?? 1;
  const jobs = positiveInteger('--jobs', values.jobs as string | undefined) ?? 1;
  if (budget < CURVE_POINTS)
    throw new UsageError(`--budget must be at least ${CURVE_POINTS} ticks, got ${budget}`);
  const only = values.only as string | undefined;
  if (only !== undefined && only !== 'copy' && only !== 'repeat-copy')
    throw new UsageError(`--only must be copy or repeat-copy, got '${only}'`);
  const windows = commaList('--T', (values.T as string | undefined) ?? '2,3,4,5', (item) => {
    const T = Number(item);
    return Number.isInteger(T) && T >= 1 && T <= 64 ? T : undefined;
  });
  const methods = commaList(
    '--methods',
    (values.methods as string | undefined) ?? RECURRENT_METHODS.join(','),
    (item) =>
      (RECURRENT_METHODS as readonly string[]).includes(item) ? (item as RecurrentMethod) : undefined,
  );
  const tasks: RecurrentTask[] = only ? [only] : ['copy', 'repeat-copy'];
  const out = (values.out as string | undefined) ?? 'table-recurrent.json';
  const set = tableSets(values.set as string[] | undefined, CELL_PARAMS);
  const settings: TableSettings = { budget, units, batch, seed, ...(set === undefined ? {} : { set }) };
  const plan = tasks.flatMap((task) =>
    windows.flatMap((T) => methods.map((method) => ({ task, T, method }))),
  );
  // The cells train in their own processes: a --set their graph refuses is caught here, first.
  for (const task of tasks)
    checkCellParams(await loadGraphFile(GRAPHS[task]), cellParams(plan[0]!, settings), task);
  const table: RecurrentTable = openTable(out, 'recurrent', settings);
  const todo = pendingCells(
    plan,
    table.rows,
    (cell, row) => row.task === cell.task && row.T === cell.T && row.method === cell.method,
    out,
  );
  let next = 0;
  let done = plan.length - todo.length;
  const worker = async () => {
    while (next < todo.length) {
      const cell = todo[next++];
      const label = `${cell.task} T=${cell.T} ${cell.method}`;
      process.stderr.write(`cell ${label}: started\n`);
      const row = await runCell(cell, settings, jobs > 1, (ticks, solved) =>
        process.stderr.write(`cell ${label}: ${ticks}/${budget} ticks, solved ${solved}\n`),
      );
      table.rows.push(row);
      saveTable(out, table);
      done++;
      process.stderr.write(
        `cell ${label}: solved ${row.solved_length} (paper ${row.paper}) [${done}/${plan.length}]\n`,
      );
      if (values.json) process.stdout.write(`${JSON.stringify(row)}\n`);
    }
  };
  await Promise.all(Array.from({ length: Math.min(jobs, Math.max(todo.length, 1)) }, worker));
  if (!values.json) process.stdout.write(formatRecurrentTable(table));
  process.stderr.write(`table written to ${out}\n`);
  return 0;
}

const BIN = fileURLToPath(new URL('../../bin/dniflow.js', import.meta.url));
const GRAPHS: Record<RecurrentTask, string> = {
  copy: fileURLToPath(new URL('../../graphs/copy.ts', import.meta.url)),
  'repeat-copy': fileURLToPath(new URL('../../graphs/repeat-copy.ts', import.meta.url)),
};

/** A cell's graph parameters: the table's --set, then its method, window and LSTM size. */
function cellParams(
  cell: { T: number; method: RecurrentMethod },
  settings: TableSettings,
): Record<string, string> {
  return { ...settings.set, method: cell.method, T: String(cell.T), units: String(settings.units) };
}

/** One cell as its own `dniflow train --json` process; its epoch lines are the curve. */
function runCell(
  cell: { task: RecurrentTask; T: number; method: RecurrentMethod },
  settings: TableSettings,
  oneThread: boolean,
  progress: (ticks: number, solved: number) => void,
): Promise<RecurrentCell> {
  const args = [
    BIN,
    'train',
    GRAPHS[cell.task],
    ...Object.entries(cellParams(cell, settings)).flatMap(([key, value]) => ['--set', `${key}=${value}`]),
    '--epochs',
    String(CURVE_POINTS),
    '--ticks',
    String(Math.ceil(settings.budget / CURVE_POINTS)),
    '--seed',
    String(settings.seed),
    '--json',
    ...(settings.batch === null ? [] : ['--batch', String(settings.batch)]),
  ];
  const env = oneThread ? { ...process.env, OPENBLAS_NUM_THREADS: '1' } : process.env;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    const curve: RecurrentCell['curve'] = [];
    let summary: { solved_length: number } | undefined;
    let last = { ticks: 0, bits_per_tick: Number.NaN, seconds: 0 };
    let buffered = '';
    let errors = '';
    child.stdout.on('data', (chunk: Buffer) => {
      buffered += chunk.toString();
      const lines = buffered.split('\n');
      buffered = lines.pop()!;
      for (const line of lines) {
        if (!line.trim()) continue;
        const record = JSON.parse(line);
        if (record.done) summary = record;
        else {
          curve.push({ ticks: record.ticks, solved_length: record.solved_length });
          last = record;
          progress(record.ticks, record.solved_length);
        }
      }
    });
    child.stderr.on('data', (chunk: Buffer) => {
      errors += chunk.toString();
    });
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0 || summary === undefined) {
        reject(
          new Error(
            `dniflow/cli: table cell ${cell.task} T=${cell.T} ${cell.method} failed (exit ${code}): ${errors.trim()}`,
          ),
        );
        return;
      }
      const paper = PAPER_RECURRENT[cell.task][cell.T]?.[cell.method];
      resolve({
        ...cell,
        solved_length: summary.solved_length,
        paper: paper?.value ?? Number.NaN,
        paper_certainty: paper?.certainty ?? 'recalled',
        ticks: last.ticks,
        bits_per_tick: last.bits_per_tick,
        seconds: last.seconds,
        curve,
      });
    });
  });
}

/** Rows per task and T, columns per method: ours (paper, * if recalled). */
export function formatRecurrentTable(table: RecurrentTable): string {
  const { budget, units } = table.settings;
  let text = `Largest task length solved, ours (paper; * recalled, † from the seed), ${budget} ticks per cell, LSTM ${units}${describeSets(table.settings.set)}\n`;
  text += `${'task'.padEnd(16)}${RECURRENT_METHODS.map((m) => m.padStart(14)).join('')}\n`;
  const keys = [...new Set(table.rows.map((row) => `${row.task} T=${row.T}`))];
  for (const key of keys) {
    text += key.padEnd(16);
    for (const method of RECURRENT_METHODS) {
      const cell = table.rows.find((row) => `${row.task} T=${row.T}` === key && row.method === method);
      const mark = cell?.paper_certainty === 'recalled' ? '*' : cell?.paper_certainty === 'seed' ? '†' : '';
      const paper = cell && Number.isFinite(cell.paper) ? `${cell.paper}${mark}` : '-';
      text += (cell ? `${cell.solved_length} (${paper})` : '-').padStart(14);
    }
    text += '\n';
  }
  return text;
}
