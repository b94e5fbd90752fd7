/** The plots of one training run: loss and error per epoch, SG loss and cosine per interface, updates per module. */
import { schemeTableau10 } from 'd3';
import { barPanel, emptyPanel, linePanel, type PanelFrame, type Series } from './chart.ts';
import type { EpochRecord, RunInfo, RunRecord } from './metrics.ts';
import { label, svgRoot } from './svg.ts';

const PANEL = { width: 520, height: 300, gap: 16 };
const HEADER = 56;

/** The run's graph and parameters, and its settings (`extra` first: what kind of run it is). */
export function runTitle(
  record: { run: RunInfo },
  extra: string[] = [],
): { title: string; subtitle: string } {
  const { run } = record;
  const params = Object.entries(run.params)
    .map(([key, value]) => `${key}=${value}`)
    .join(', ');
  const facts = [
    ...extra,
    run.epochs !== undefined && `${run.epochs} epochs`,
    run.batch !== undefined && `batch ${run.batch}`,
    run.lr !== undefined && `lr ${run.lr}`,
    run.seed !== undefined && `seed ${run.seed}`,
  ].filter(Boolean);
  return { title: `${run.graph}${params ? ` (${params})` : ''}`, subtitle: facts.join(' · ') };
}

/** One series per interface edge, from the epochs that report `field` for it. */
function interfaceSeries(epochs: EpochRecord[], field: 'sg_loss' | 'cosine'): Series[] {
  const byEdge = new Map<string, [number, number][]>();
  for (const epoch of epochs) {
    for (const iface of epoch.interfaces) {
      const value = iface[field];
      if (value === undefined) continue;
      const name = `${iface.edge} (${iface.kind})`;
      if (!byEdge.has(name)) byEdge.set(name, []);
      byEdge.get(name)!.push([epoch.epoch, value]);
    }
  }
  return [...byEdge].map(([name, points], i) => ({ name, color: schemeTableau10[i % 10], points }));
}

function updateTotals(epochs: EpochRecord[]): Map<string, number> {
  const totals = new Map<string, number>();
  for (const epoch of epochs) {
    for (const m of epoch.modules) totals.set(m.name, (totals.get(m.name) ?? 0) + m.updates);
  }
  return totals;
}

/** The frame of the i-th panel in the two-column grid of a run's plots. */
export function gridFrame(i: number, title: string, yLabel: string, xLabel = 'epoch'): PanelFrame {
  return {
    x: 16 + (i % 2) * (PANEL.width + PANEL.gap),
    y: HEADER + Math.floor(i / 2) * (PANEL.height + PANEL.gap),
    width: PANEL.width,
    height: PANEL.height,
    title,
    xLabel,
    yLabel,
  };
}

/** Panels made with gridFrame, under the run's title, as one SVG. */
export function gridSvg(panels: string[], heading: { title: string; subtitle: string }): string {
  const rows = Math.ceil(panels.length / 2);
  const width = 32 + 2 * PANEL.width + PANEL.gap;
  const height = HEADER + rows * (PANEL.height + PANEL.gap) + 8;
  return svgRoot(
    width,
    height,
    { class: 'dniflow-plots' },
    label(16, 24, heading.title, { class: 'title', 'font-size': 16, 'font-weight': 'bold', fill: '#222' }),
    label(16, 44, heading.subtitle, { 'font-size': 12, fill: '#555' }),
    panels,
  );
}

/** Every panel of a run, in a two-column grid, as one SVG. */
export function renderRunPlots(record: RunRecord): string {
  const { epochs } = record;
  const at = gridFrame;
  const errorSeries: Series[] = [
    { name: 'test error', color: '#d55e00', points: epochs.map((e) => [e.epoch, e.test_error]) },
  ];
  const synthetic = epochs.filter((e) => e.test_error_synthetic !== undefined);
  if (synthetic.length) {
    errorSeries.push({
      name: 'synthetic path',
      color: '#e69f00',
      points: synthetic.map((e) => [e.epoch, e.test_error_synthetic!]),
    });
  }
  const sgLoss = interfaceSeries(epochs, 'sg_loss');
  const cosine = interfaceSeries(epochs, 'cosine');
  const noInterfaces = 'no synthetic-gradient interfaces in this run';
  const totals = updateTotals(epochs);
  const panels = [
    linePanel(at(0, 'Train loss', 'loss'), [
      { name: 'Train loss', color: '#0072b2', points: epochs.map((e) => [e.epoch, e.train_loss]) },
    ]),
    linePanel(at(1, 'Test error (%)', 'error %'), errorSeries),
    sgLoss.length
      ? linePanel(at(2, 'Synthetic-gradient loss', '‖δ̂ − δ‖²'), sgLoss, { log: true })
      : emptyPanel(at(2, 'Synthetic-gradient loss', ''), noInterfaces),
    cosine.length
      ? linePanel(at(3, 'cos(synthetic, true gradient)', 'cosine'), cosine, { yDomain: [-1, 1] })
      : emptyPanel(at(3, 'cos(synthetic, true gradient)', ''), noInterfaces),
    totals.size
      ? barPanel(
          at(
            4,
            `Updates per module (${epochs.length} epoch${epochs.length === 1 ? '' : 's'})`,
            'updates',
            'module',
          ),
          [...totals].map(([name, value]) => ({ group: name, key: 'updates', value, color: '#56b4e9' })),
          ['updates'],
        )
      : emptyPanel(at(4, 'Updates per module', ''), 'no module update counts in this run'),
  ];
  return gridSvg(panels, runTitle(record));
}
