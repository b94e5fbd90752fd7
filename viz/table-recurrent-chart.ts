/**
 * The recurrent results table (written by `dniflow table recurrent`): grouped bars of the largest
 * task length solved per task × T and method, the paper's figures as reference marks (those that
 * PAPER.md recalls rather than checked carry a '*', the seed summary's a '†'), and under them one
 * panel per task × T with each method's length solved against ticks seen.
 */
import { barPanel, linePanel, referenceMark } from './chart.ts';
import { VizInputError } from './errors.ts';
import { el, label, svgRoot } from './svg.ts';
import { methodColor } from './table-chart.ts';

export interface RecurrentTableRow {
  task: string;
  T: number;
  method: string;
  solved_length: number;
  /** null when the paper has no figure for the cell (JSON writes NaN as null). */
  paper: number | null;
  paper_certainty: string;
  curve: { ticks: number; solved_length: number }[];
}

export interface RecurrentTableChart {
  settings: { budget?: number; units?: number; batch?: number | null; seed?: number };
  rows: RecurrentTableRow[];
}

/** The paper's methods first, in its order; anything else after them. */
const METHOD_ORDER = ['bptt', 'dni', 'dni-aux'];
const NOTES: Record<string, string> = { recalled: '*', seed: '†' };

const isFiniteNumber = (value: unknown): value is number =>
  typeof value === 'number' && Number.isFinite(value);

/** Checks the table's shape; every problem names the row (and curve point) at fault. */
export function parseRecurrentTable(json: unknown, source: string): RecurrentTableChart {
  const bad = (why: string): never => {
    throw new VizInputError(`dniflow/viz: ${source}: ${why}`);
  };
  const table = json as { kind?: unknown; settings?: unknown; rows?: unknown };
  if (typeof table !== 'object' || table === null || table.kind !== 'recurrent' || !Array.isArray(table.rows))
    bad('expected {"kind":"recurrent","settings":…,"rows":[…]} (written by dniflow table recurrent)');
  const rows = (table.rows as unknown[]).map((row, i) => {
    const r = row as Partial<Record<keyof RecurrentTableRow, unknown>>;
    const where = `row ${i + 1}`;
    if (typeof r !== 'object' || r === null) bad(`${where} is not an object`);
    if (typeof r.task !== 'string' || typeof r.method !== 'string') bad(`${where} needs "task" and "method"`);
    if (!(Number.isInteger(r.T) && (r.T as number) >= 1)) bad(`${where} needs an integer "T" >= 1`);
    if (!isFiniteNumber(r.solved_length)) bad(`${where} needs a number "solved_length"`);
    if (r.paper !== undefined && r.paper !== null && !isFiniteNumber(r.paper))
      bad(`${where} has a non-numeric "paper"`);
    if (!Array.isArray(r.curve)) bad(`${where} needs a "curve" list of {ticks, solved_length}`);
    const curve = (r.curve as unknown[]).map((point, j) => {
      const p = point as { ticks?: unknown; solved_length?: unknown };
      if (!isFiniteNumber(p?.ticks) || !isFiniteNumber(p.solved_length))
        bad(`${where} curve point ${j + 1} needs numbers "ticks" and "solved_length"`);
      return { ticks: p.ticks as number, solved_length: p.solved_length as number };
    });
    return {
      task: r.task as string,
      T: r.T as number,
      method: r.method as string,
      solved_length: r.solved_length as number,
      paper: isFiniteNumber(r.paper) ? r.paper : null,
      paper_certainty: typeof r.paper_certainty === 'string' ? r.paper_certainty : 'checked',
      curve,
    };
  });
  const settings = (typeof table.settings === 'object' && table.settings) || {};
  return { settings: settings as RecurrentTableChart['settings'], rows };
}

const BAR_HEIGHT = 380;
const KEY_HEIGHT = 30;
const CURVE = { height: 250, gap: 16, columns: 2 };

function methodsOf(rows: RecurrentTableRow[]): string[] {
  const rank = (m: string) => (METHOD_ORDER.includes(m) ? METHOD_ORDER.indexOf(m) : METHOD_ORDER.length);
  return [...new Set(rows.map((r) => r.method))].sort((a, b) => rank(a) - rank(b));
}

const cellName = (row: RecurrentTableRow) => `${row.task} T=${row.T}`;

function key(methods: string[], colors: Map<string, string>, y: number): string[] {
  const item = (name: string, x: number, mark: string, text: string) =>
    el(
      'g',
      { class: 'legend-item', 'data-legend': name, transform: `translate(${x},${y})` },
      mark,
      label(19, 0, text, { 'font-size': 11.5, fill: '#333' }),
    );
  const swatch = (color: string) => el('rect', { y: -10, width: 12, height: 12, fill: color });
  const after = 16 + methods.length * 110;
  return [
    ...methods.map((m, i) => item(m, 16 + i * 110, swatch(colors.get(m)!), m)),
    item('paper', after, referenceMark(0, -4, 14), 'paper'),
    item(
      'paper-recalled',
      after + 80,
      label(7, 0, '*', { 'font-size': 13, 'font-weight': 'bold', 'text-anchor': 'middle' }),
      'recalled, not checked',
    ),
    item(
      'paper-seed',
      after + 260,
      label(7, 0, '†', { 'font-size': 13, 'font-weight': 'bold', 'text-anchor': 'middle' }),
      'from the seed summary',
    ),
  ];
}

export function renderRecurrentTableChart(table: RecurrentTableChart): string {
  const { rows } = table;
  const methods = methodsOf(rows);
  const cells = [...new Set(rows.map(cellName))];
  const colors = new Map(methods.map((m, i) => [m, methodColor(m, i)]));
  const width = Math.max(900, 140 + cells.length * (methods.length * 26 + 40));
  const bars = rows.map((r) => ({
    group: cellName(r),
    key: r.method,
    value: r.solved_length,
    color: colors.get(r.method)!,
    reference: r.paper ?? undefined,
    referenceNote: NOTES[r.paper_certainty],
    label: `${cellName(r)}, ${r.method}: solved ${r.solved_length}${r.paper === null ? '' : ` (paper ${r.paper}${NOTES[r.paper_certainty] ?? ''})`}`,
  }));
  const { budget, units } = table.settings;
  const facts = [budget !== undefined && `${budget} ticks per cell`, units !== undefined && `LSTM ${units}`]
    .filter(Boolean)
    .join(', ');
  const panelWidth = (width - 16 * 2 - CURVE.gap * (CURVE.columns - 1)) / CURVE.columns;
  const curvesTop = BAR_HEIGHT + KEY_HEIGHT + 10;
  const curves = cells.map((cell, i) => {
    const series = methods
      .map((method) => rows.find((r) => cellName(r) === cell && r.method === method))
      .filter((r): r is RecurrentTableRow => r !== undefined)
      .map((r) => ({
        name: r.method,
        color: colors.get(r.method)!,
        points: r.curve.map((p): [number, number] => [p.ticks, p.solved_length]),
      }));
    return linePanel(
      {
        x: 16 + (i % CURVE.columns) * (panelWidth + CURVE.gap),
        y: curvesTop + Math.floor(i / CURVE.columns) * (CURVE.height + CURVE.gap),
        width: panelWidth,
        height: CURVE.height,
        title: `${cell}: length solved`,
        xLabel: 'ticks seen',
        yLabel: 'largest length solved',
      },
      series,
    );
  });
  const height = curvesTop + Math.ceil(cells.length / CURVE.columns) * (CURVE.height + CURVE.gap) + 8;
  return svgRoot(
    width,
    height,
    { class: 'dniflow-table dniflow-table-recurrent' },
    el('rect', { width, height, fill: '#ffffff' }),
    barPanel(
      {
        x: 0,
        y: 0,
        width,
        height: BAR_HEIGHT,
        title: `Largest task length solved${facts ? ` (${facts})` : ''}`,
        xLabel: 'task, window T',
        yLabel: 'task length',
      },
      bars,
      methods,
    ),
    key(methods, colors, BAR_HEIGHT + KEY_HEIGHT - 12),
    curves,
  );
}
