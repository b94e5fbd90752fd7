/** The feed-forward results table (written by `dniflow table feedforward`) as a grouped bar chart. */
import { schemeTableau10 } from 'd3';
import { barPanel, referenceMark } from './chart.ts';
import { EDGE_STYLES } from './edge-styles.ts';
import { VizInputError } from './errors.ts';
import { el, label, svgRoot } from './svg.ts';

export interface TableRow {
  model: string;
  layers: number;
  method: string;
  test_error: number;
  paper?: number | null;
}

export interface FeedforwardTable {
  budget: { epochs: number; trainLimit?: number };
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

/** Checks the table's shape; every problem names the row at fault. */
export function parseTable(json: unknown, source: string): FeedforwardTable {
  const bad = (why: string): never => {
    throw new VizInputError(`dniflow/viz: ${source}: ${why}`);
  };
  const table = json as Partial<FeedforwardTable>;
  if (typeof table !== 'object' || table === null || !Array.isArray(table.rows))
    bad('expected {"budget":…,"rows":[…]}');
  const rows = table.rows!.map((row, i) => {
    const r = row as Partial<TableRow>;
    if (typeof r?.model !== 'string' || typeof r.method !== 'string')
      bad(`row ${i + 1} needs "model" and "method"`);
    if (typeof r.test_error !== 'number' || !Number.isFinite(r.test_error))
      bad(`row ${i + 1} needs a number "test_error"`);
    if (r.paper !== undefined && r.paper !== null && typeof r.paper !== 'number')
      bad(`row ${i + 1} has a non-numeric "paper"`);
    return { ...r, layers: typeof r.layers === 'number' ? r.layers : 0 } as TableRow;
  });
  const trainLimit = table.budget?.trainLimit;
  return {
    budget: {
      epochs: Number(table.budget?.epochs ?? 0),
      ...(typeof trainLimit === 'number' ? { trainLimit } : {}),
    },
    rows,
  };
}

export function renderTableChart(table: FeedforwardTable): string {
  const methods = [...new Set(table.rows.map((r) => r.method))];
  const groups = [...new Set(table.rows.map((r) => `${r.model}-${r.layers}`))];
  const width = Math.max(620, 140 + groups.length * (methods.length * 26 + 40));
  const height = 420;
  const colors = new Map(methods.map((m, i) => [m, methodColor(m, i)]));
  const bars = table.rows.map((r) => ({
    group: `${r.model}-${r.layers}`,
    key: r.method,
    value: r.test_error,
    color: colors.get(r.method)!,
    reference: typeof r.paper === 'number' ? r.paper : undefined,
    label: `${r.model}, ${r.layers} layers, ${r.method}: ${r.test_error}%${typeof r.paper === 'number' ? ` (paper ${r.paper}%)` : ''}`,
  }));
  const { epochs, trainLimit } = table.budget;
  const budget =
    (epochs ? ` after ${epochs} epoch${epochs === 1 ? '' : 's'}` : '') +
    (trainLimit !== undefined ? ` on ${trainLimit} training examples` : '');
  const keyItems = [
    ...methods.map((m, i) =>
      el(
        'g',
        { class: 'legend-item', 'data-legend': m, transform: `translate(${16 + i * 110},${height - 14})` },
        el('rect', { y: -10, width: 12, height: 12, fill: colors.get(m)! }),
        label(17, 0, m, { 'font-size': 11.5, fill: '#333' }),
      ),
    ),
    el(
      'g',
      {
        class: 'legend-item',
        'data-legend': 'paper',
        transform: `translate(${16 + methods.length * 110},${height - 14})`,
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
        height: height - 30,
        title: `Feed-forward test error (%)${budget}`,
        xLabel: 'model-layers',
        yLabel: 'test error %',
      },
      bars,
      methods,
    ),
    keyItems,
  );
}
