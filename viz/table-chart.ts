/**
 * The feed-forward results table (written by `dniflow table feedforward`) as a grouped bar chart
 * with the paper's figures, and, for tables whose cells recorded learning curves, one panel per
 * network of each method's test error against iterations.
 */
import { schemeTableau10 } from 'd3';
import { barPanel, linePanel, referenceMark } from './chart.ts';
import { EDGE_STYLES } from './edge-styles.ts';
import { VizInputError } from './errors.ts';
import { el, label, svgRoot } from './svg.ts';

export interface TableRow {
  model: string;
  layers: number;
  method: string;
  test_error: number;
  paper?: number | null;
  /** Test error after each evaluation; tables written before curves were recorded have none. */
  curve?: { iterations: number; test_error: number }[];
}

export interface FeedforwardTable {
  /** The per-cell budget: epochs, or iterations (0 when not recorded). */
  budget: { epochs: number; iterations?: number; trainLimit?: number };
  rows: TableRow[];
}

/** Methods keep the colours of their interface kinds, so the chart reads like the network pictures. */
const METHOD_COLORS: Record<string, string> = {
  bprop: EDGE_STYLES.backprop.stroke,
  backprop: EDGE_STYLES.backprop.stroke,
  'no-bprop': EDGE_STYLES.stopGradient.stroke,
  nobprop: EDGE_STYLES.stopGradient.stroke,
  stopGradient: EDGE_STYLES.stopGradient.stroke,
  dni: EDGE_STYLES.dni.stroke,
  cdni: EDGE_STYLES.cdni.stroke,
  unlock: EDGE_STYLES.unlock.stroke,
  syntheticInput: EDGE_STYLES.syntheticInput.stroke,
  // Recurrent methods: BPTT's state loop is a stopped gradient; DNI + Aux a lighter DNI blue.
  bptt: EDGE_STYLES.stopGradient.stroke,
  'dni-aux': '#56b4e9',
};

export function methodColor(method: string, index: number): string {
  return METHOD_COLORS[method] ?? METHOD_COLORS[method.toLowerCase()] ?? schemeTableau10[(index + 4) % 10];
}

const isFiniteNumber = (value: unknown): value is number =>
  typeof value === 'number' && Number.isFinite(value);

/**
 * Checks the table's shape; every problem names the row at fault. Reads both the current format
 * (`{"kind":"feedforward","settings":…,"rows":[…]}`) and the earlier one (`{"budget":…,"rows":[…]}`).
 */
export function parseTable(json: unknown, source: string): FeedforwardTable {
  const bad = (why: string): never => {
    throw new VizInputError(`dniflow/viz: ${source}: ${why}`);
  };
  const table = json as {
    kind?: unknown;
    rows?: unknown;
    budget?: { epochs?: unknown; trainLimit?: unknown };
    settings?: { iterations?: unknown; epochs?: unknown; train_limit?: unknown };
  } | null;
  if (typeof table !== 'object' || table === null || !Array.isArray(table.rows))
    bad('expected {"budget":…,"rows":[…]} or {"kind":"feedforward","settings":…,"rows":[…]}');
  const rows = (table!.rows as unknown[]).map((row, i) => {
    const r = row as Partial<Record<keyof TableRow, unknown>>;
    const where = `row ${i + 1}`;
    if (typeof r?.model !== 'string' || typeof r.method !== 'string')
      bad(`${where} needs "model" and "method"`);
    if (!isFiniteNumber(r.test_error)) bad(`${where} needs a number "test_error"`);
    if (r.paper !== undefined && r.paper !== null && typeof r.paper !== 'number')
      bad(`${where} has a non-numeric "paper"`);
    if (r.curve !== undefined && !Array.isArray(r.curve)) bad(`${where} has a "curve" that is not a list`);
    const curve = (r.curve as unknown[] | undefined)?.map((point, j) => {
      const p = point as { iterations?: unknown; test_error?: unknown };
      if (!isFiniteNumber(p?.iterations) || !isFiniteNumber(p.test_error))
        bad(`${where} curve point ${j + 1} needs numbers "iterations" and "test_error"`);
      return { iterations: p.iterations as number, test_error: p.test_error as number };
    });
    return {
      ...(r as TableRow),
      layers: typeof r.layers === 'number' ? r.layers : 0,
      ...(curve ? { curve } : {}),
    };
  });
  const settings = table!.kind === 'feedforward' ? (table!.settings ?? {}) : undefined;
  const epochs = settings ? settings.epochs : table!.budget?.epochs;
  const trainLimit = settings ? settings.train_limit : table!.budget?.trainLimit;
  return {
    budget: {
      epochs: isFiniteNumber(epochs) ? epochs : 0,
      ...(isFiniteNumber(settings?.iterations) ? { iterations: settings.iterations } : {}),
      ...(isFiniteNumber(trainLimit) ? { trainLimit } : {}),
    },
    rows,
  };
}

const BAR_HEIGHT = 420;
const CURVE = { height: 250, gap: 16, columns: 2 };

/** One panel per network: each method's test error against iterations (log scale: 90% to 1% reads). */
function curvePanels(table: FeedforwardTable, methods: string[], colors: Map<string, string>, width: number) {
  const groups = [...new Set(table.rows.filter((r) => r.curve?.length).map((r) => `${r.model}-${r.layers}`))];
  const panelWidth = (width - 16 * 2 - CURVE.gap * (CURVE.columns - 1)) / CURVE.columns;
  const panels = groups.map((group, i) =>
    linePanel(
      {
        x: 16 + (i % CURVE.columns) * (panelWidth + CURVE.gap),
        y: BAR_HEIGHT + 10 + Math.floor(i / CURVE.columns) * (CURVE.height + CURVE.gap),
        width: panelWidth,
        height: CURVE.height,
        title: `${group}: test error`,
        xLabel: 'iterations',
        yLabel: 'test error % (log)',
      },
      methods.flatMap((method) => {
        const row = table.rows.find((r) => `${r.model}-${r.layers}` === group && r.method === method);
        if (!row?.curve?.length) return [];
        const points = row.curve.map((p): [number, number] => [p.iterations, p.test_error]);
        return [{ name: method, color: colors.get(method)!, points }];
      }),
      { log: true },
    ),
  );
  const height =
    groups.length === 0 ? 0 : 10 + Math.ceil(groups.length / CURVE.columns) * (CURVE.height + CURVE.gap);
  return { panels, height };
}

export function renderTableChart(table: FeedforwardTable): string {
  const methods = [...new Set(table.rows.map((r) => r.method))];
  const groups = [...new Set(table.rows.map((r) => `${r.model}-${r.layers}`))];
  const width = Math.max(620, 140 + groups.length * (methods.length * 26 + 40));
  const colors = new Map(methods.map((m, i) => [m, methodColor(m, i)]));
  const curves = curvePanels(table, methods, colors, width);
  const height = BAR_HEIGHT + curves.height;
  const bars = table.rows.map((r) => ({
    group: `${r.model}-${r.layers}`,
    key: r.method,
    value: r.test_error,
    color: colors.get(r.method)!,
    reference: typeof r.paper === 'number' ? r.paper : undefined,
    label: `${r.model}, ${r.layers} layers, ${r.method}: ${r.test_error}%${typeof r.paper === 'number' ? ` (paper ${r.paper}%)` : ''}`,
  }));
  const { epochs, iterations, trainLimit } = table.budget;
  const budget =
    (iterations
      ? ` after ${iterations} iterations`
      : epochs
        ? ` after ${epochs} epoch${epochs === 1 ? '' : 's'}`
        : '') + (trainLimit !== undefined ? ` on ${trainLimit} training examples` : '');
  const keyItems = [
    ...methods.map((m, i) =>
      el(
        'g',
        {
          class: 'legend-item',
          'data-legend': m,
          transform: `translate(${16 + i * 110},${BAR_HEIGHT - 14})`,
        },
        el('rect', { y: -10, width: 12, height: 12, fill: colors.get(m)! }),
        label(17, 0, m, { 'font-size': 11.5, fill: '#333' }),
      ),
    ),
    el(
      'g',
      {
        class: 'legend-item',
        'data-legend': 'paper',
        transform: `translate(${16 + methods.length * 110},${BAR_HEIGHT - 14})`,
      },
      referenceMark(0, -4, 14),
      label(19, 0, 'paper', { 'font-size': 11.5, fill: '#333' }),
    ),
  ];
  return svgRoot(
    width,
    height,
    { class: 'dniflow-table' },
    el('rect', { width, height, fill: '#ffffff' }),
    barPanel(
      {
        x: 0,
        y: 0,
        width,
        height: BAR_HEIGHT - 30,
        title: `Feed-forward test error (%)${budget}`,
        xLabel: 'model-layers',
        yLabel: 'test error %',
      },
      bars,
      methods,
    ),
    keyItems,
    curves.panels,
  );
}
