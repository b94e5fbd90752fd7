/**
 * The plots of one or more multi-network runs (the odd/3s pair, paper §3.3), one line per run,
 * labelled by its join, so that backprop, dni and none are read at a glance: B's held-out 3s count
 * accuracy against ticks (the paper's comparison), A's odd count accuracy, A's updates (every T
 * ticks when decoupled, every T² under backprop), and, when measured, the synthetic gradient's
 * cosine to B's true gradient and A's locked time.
 */
import { basename, resolve } from 'node:path';
import { schemeTableau10 } from 'd3';
import { formatValue, linePanel, type Series } from './chart.ts';
import type { MultiEpochRecord, MultiRunRecord } from './multi-metrics.ts';
import { gridFrame, gridSvg } from './plots.ts';

const TICKS = 'ticks (digits per lane)';

export const MULTI_PANELS = [
  "B's held-out accuracy (count of 3s)",
  "A's held-out accuracy (count of odd digits)",
  "A's updates",
  'cos(synthetic gradient, B’s gradient)',
  "A's locked time",
] as const;

/** "dni T=4" from run.json; the folder name too where two runs would share a label. */
export function multiRunLabels(records: MultiRunRecord[]): string[] {
  const own = records.map(({ run }) => `${run.join ?? '?'}${run.T === undefined ? '' : ` T=${run.T}`}`);
  return own.map((label, i) =>
    own.filter((other) => other === label).length > 1
      ? `${label} (${basename(resolve(records[i].dir))})`
      : label,
  );
}

function perRun(
  records: MultiRunRecord[],
  labels: string[],
  y: (e: MultiEpochRecord) => number | undefined,
): Series[] {
  return records
    .map((record, i) => ({
      name: labels[i],
      color: schemeTableau10[i % 10],
      points: record.epochs.flatMap((e): [number, number][] => {
        const value = y(e);
        return value === undefined ? [] : [[e.ticks, value]];
      }),
    }))
    .filter((s) => s.points.length > 0);
}

export function multiPlotsTitle(records: MultiRunRecord[]): string {
  const graphs = [...new Set(records.map((r) => r.run.graph))].join(', ');
  return `${graphs}: ${records.length} run${records.length === 1 ? '' : 's'}`;
}

export function renderMultiPlots(records: MultiRunRecord[]): string {
  const labels = multiRunLabels(records);
  const [bAccuracy, aAccuracy, updates, cosine, locked] = MULTI_PANELS;
  const percent = (x: number) => 100 * x;
  const panels = [
    linePanel(
      gridFrame(0, bAccuracy, 'accuracy %', TICKS),
      perRun(records, labels, (e) => percent(e.b_accuracy)),
      {
        yDomain: [0, 100],
      },
    ),
    linePanel(
      gridFrame(1, aAccuracy, 'accuracy %', TICKS),
      perRun(records, labels, (e) => percent(e.a_accuracy)),
      {
        yDomain: [0, 100],
      },
    ),
    linePanel(
      gridFrame(2, updates, 'updates', TICKS),
      perRun(records, labels, (e) => e.a_updates),
    ),
  ];
  const cosines = perRun(records, labels, (e) => e.sg_cosine);
  if (cosines.length)
    panels.push(linePanel(gridFrame(3, cosine, 'cosine', TICKS), cosines, { yDomain: [-1, 1] }));
  const locks = perRun(records, labels, (e) => e.a_locked_seconds);
  if (locks.length) panels.push(linePanel(gridFrame(panels.length, locked, 'seconds', TICKS), locks));
  const last = (r: MultiRunRecord) => r.epochs[r.epochs.length - 1];
  const subtitle = `after ${records.map((r, i) => `${labels[i]}: B ${formatValue(percent(last(r).b_accuracy))}% at ${last(r).ticks} ticks`).join(' · ')}`;
  return gridSvg(panels, { title: multiPlotsTitle(records), subtitle });
}
