/**
 * A results table on disk that survives interruption: written at once (so a bad path fails before
 * any cell trains), rewritten atomically after every cell, and continued by a rerun of the same
 * command, which skips the cells already in it. Both `table feedforward` and `table recurrent` use it.
 */
import { existsSync, readFileSync } from 'node:fs';
import { type GraphDefinition, resolveParams } from '../graph/define.ts';
import { writeFileAtomic } from '../runtime/atomic-write.ts';
import { keyValuePairs } from './args.ts';
import { UsageError } from './usage-error.ts';

export interface TableFile<Settings, Row> {
  kind: string;
  settings: Settings;
  rows: Row[];
}

/** The table in `out` to continue (same kind and settings), or a new empty one written at once. */
export function openTable<Settings, Row>(
  out: string,
  kind: string,
  settings: Settings,
): TableFile<Settings, Row> {
  if (existsSync(out)) {
    let old: TableFile<Settings, Row>;
    try {
      old = JSON.parse(readFileSync(out, 'utf8')) as TableFile<Settings, Row>;
    } catch (error) {
      throw new UsageError(
        `--out ${out} exists and is not a table (${(error as Error).message}); choose another file`,
      );
    }
    if (old?.kind !== kind || !Array.isArray(old.rows))
      throw new UsageError(
        `--out ${out} holds no ${kind} table${old?.kind ? ` (a ${old.kind} one)` : ''}; choose another file`,
      );
    if (JSON.stringify(old.settings) !== JSON.stringify(settings))
      throw new UsageError(
        `--out ${out} holds a table with other settings (${JSON.stringify(old.settings ?? null)}); choose another file or the same settings to continue it`,
      );
    return old;
  }
  const table: TableFile<Settings, Row> = { kind, settings, rows: [] };
  saveTable(out, table);
  return table;
}

/**
 * A table's `--set` pairs for every cell, keys sorted (so the settings compare equal whatever their
 * order), or undefined when none was given. Keys the table chooses per cell are refused.
 */
export function tableSets(
  raws: string[] | undefined,
  cellKeys: Record<string, string>,
): Record<string, string> | undefined {
  const pairs = keyValuePairs('--set', raws);
  const taken = Object.keys(pairs).find((key) => key in cellKeys);
  if (taken !== undefined)
    throw new UsageError(`--set ${taken} is the table's to choose per cell (use ${cellKeys[taken]})`);
  const keys = Object.keys(pairs).sort();
  return keys.length === 0 ? undefined : Object.fromEntries(keys.map((key) => [key, pairs[key]!]));
}

/** A table heading's note of its --set pairs: ", --set key=value" each, or nothing. */
export function describeSets(set: Record<string, string> | undefined): string {
  return Object.entries(set ?? {})
    .map(([key, value]) => `, --set ${key}=${value}`)
    .join('');
}

/** Before any cell trains: the graph takes a cell's parameters, or a usage error naming its cells. */
export function checkCellParams(
  definition: GraphDefinition,
  params: Record<string, string>,
  cells: string,
): void {
  try {
    resolveParams(definition, params);
  } catch (error) {
    throw new UsageError(`--set for the ${cells} cells: ${(error as Error).message}`);
  }
}

/** After every cell: an interrupted table keeps what finished, and a rerun skips it. */
export function saveTable(out: string, table: TableFile<unknown, unknown>): void {
  writeFileAtomic(out, `${JSON.stringify(table, null, 2)}\n`);
}

/** The cells of `plan` not yet in `rows`, saying on stderr how many are skipped. */
export function pendingCells<Cell, Row>(
  plan: Cell[],
  rows: Row[],
  same: (cell: Cell, row: Row) => boolean,
  out: string,
): Cell[] {
  const todo = plan.filter((cell) => !rows.some((row) => same(cell, row)));
  if (todo.length < plan.length)
    process.stderr.write(
      `dniflow: ${plan.length - todo.length} of ${plan.length} cells already in ${out}; skipping them\n`,
    );
  return todo;
}
