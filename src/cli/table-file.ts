/**
 * A results table on disk that survives interruption: written at once (so a bad path fails before
 * any cell trains), rewritten atomically after every cell, and continued by a rerun of the same
 * command, which skips the cells already in it. Both `table feedforward` and `table recurrent` use it.
 */
import { existsSync, readFileSync } from 'node:fs';
import { writeFileAtomic } from '../runtime/atomic-write.ts';
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
