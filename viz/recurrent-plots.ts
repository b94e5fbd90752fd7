/**
 * The plots of one recurrent run, against ticks seen (the paper's x axis for Copy / Repeat Copy):
 * the largest task length solved beside the curriculum's current one, the error in bits per tick
 * that the curriculum watches, and the state loop's synthetic gradient (its loss, the aux head's,
 * and its cosine to the bootstrapped target).
 */
import { emptyPanel, linePanel, type Series } from './chart.ts';
import { EDGE_STYLES } from './edge-styles.ts';
import { gridFrame, gridSvg, runTitle } from './plots.ts';
import type { RecurrentEpochRecord, RecurrentRunRecord } from './recurrent-metrics.ts';

const TICKS = 'ticks seen';

/** One series from the epochs that measured `value` (null under BPTT, or without the aux head). */
function series(
  name: string,
  color: string,
  epochs: RecurrentEpochRecord[],
  value: (e: RecurrentEpochRecord) => number | undefined,
): Series {
  const points: [number, number][] = [];
  for (const e of epochs) {
    const y = value(e);
    if (y !== undefined) points.push([e.ticks, y]);
  }
  return { name, color, points };
}

const measured = (list: Series[]) => list.filter((s) => s.points.length > 0);

export const RECURRENT_PANELS = [
  'Task length',
  'Error (bits per tick)',
  'Synthetic-gradient loss',
  'cos(synthetic gradient, its target)',
] as const;

export function renderRecurrentPlots(record: RecurrentRunRecord): string {
  const { epochs, run } = record;
  const [length, error, loss, cosine] = RECURRENT_PANELS;
  const noSg =
    run.method === 'bptt'
      ? 'truncated BPTT: no synthetic gradient on the state loop'
      : 'no synthetic-gradient measurements in this run';
  const sgLoss = measured([
    series('SG at the boundary', EDGE_STYLES.dni.stroke, epochs, (e) => e.sg_loss),
    series('aux head', '#56b4e9', epochs, (e) => e.aux_loss),
  ]);
  const sgCosine = measured([
    series('SG at the boundary', EDGE_STYLES.dni.stroke, epochs, (e) => e.sg_cosine),
  ]);
  const panels = [
    linePanel(gridFrame(0, length, 'task length', TICKS), [
      series('largest length solved', '#009e73', epochs, (e) => e.solved_length),
      series('current task length', '#e69f00', epochs, (e) => e.task_length),
    ]),
    linePanel(
      gridFrame(1, error, 'bits per tick', TICKS),
      [series('bits per tick', '#d55e00', epochs, (e) => e.bits_per_tick)],
      { log: true },
    ),
    sgLoss.length
      ? linePanel(gridFrame(2, loss, '‖δ̂ − target‖²', TICKS), sgLoss, { log: true })
      : emptyPanel(gridFrame(2, loss, '', TICKS), noSg),
    sgCosine.length
      ? linePanel(gridFrame(3, cosine, 'cosine', TICKS), sgCosine, { yDomain: [-1, 1] })
      : emptyPanel(gridFrame(3, cosine, '', TICKS), noSg),
  ];
  const last = epochs[epochs.length - 1];
  const facts = [
    run.method !== undefined && run.method,
    run.window !== undefined && `T=${run.window}`,
    run.ticks_per_epoch !== undefined && `${run.ticks_per_epoch} ticks per epoch`,
    `largest length solved ${last.solved_length} after ${last.ticks} ticks`,
  ].filter((fact): fact is string => typeof fact === 'string');
  return gridSvg(panels, runTitle(record, facts));
}
