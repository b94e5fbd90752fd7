/**
 * The plots of one or more text runs, one line per run in every panel so that methods and windows
 * are compared at a glance: validation bits per character against characters seen (the paper's
 * figure) and against seconds (what the compute bought), training bits per character, and, when a
 * run has a synthetic gradient on its state loop, its cosine to the bootstrapped target.
 */
import { basename, resolve } from 'node:path';
import { schemeTableau10 } from 'd3';
import { emptyPanel, formatValue, linePanel, type Series } from './chart.ts';
import { gridFrame, gridSvg, runTitle } from './plots.ts';
import type { TextEpochRecord, TextRunRecord } from './text-metrics.ts';

const CHARS = 'characters seen';
const BPC = 'bits per character';

export const TEXT_PANELS = [
  'Validation bits per character',
  'Validation bits per character against time',
  'Training bits per character',
  'cos(synthetic gradient, its target)',
] as const;

const runName = (record: TextRunRecord) => basename(resolve(record.dir));

/**
 * "bptt T=5" from run.json; the folder name where run.json does not say, or where two runs would
 * otherwise share a label (two seeds of one setting).
 */
export function textRunLabels(records: TextRunRecord[]): string[] {
  const own = records.map(({ run }) =>
    run.method === undefined
      ? undefined
      : `${run.method}${run.window === undefined ? '' : ` T=${run.window}`}`,
  );
  return own.map((label, i) => {
    if (label === undefined) return runName(records[i]);
    const shared = own.filter((other) => other === label).length > 1;
    return shared ? `${label} (${runName(records[i])})` : label;
  });
}

/** One series per run, from the epochs that measured `y` (an x of undefined skips the epoch too). */
function perRun(
  records: TextRunRecord[],
  labels: string[],
  x: (e: TextEpochRecord) => number | undefined,
  y: (e: TextEpochRecord) => number | undefined,
): Series[] {
  return records
    .map((record, i) => {
      const points: [number, number][] = [];
      for (const e of record.epochs) {
        const [px, py] = [x(e), y(e)];
        if (px !== undefined && py !== undefined) points.push([px, py]);
      }
      return { name: labels[i], color: schemeTableau10[i % 10], points };
    })
    .filter((s) => s.points.length > 0);
}

/** The runs' own range: from zero, bits per character differences of a few tenths would be flat. */
function spread(series: Series[]): [number, number] {
  const ys = series.flatMap((s) => s.points.map((p) => p[1]));
  return [Math.min(...ys), Math.max(...ys)];
}

function bpcPanel(i: number, title: string, xLabel: string, series: Series[], none: string): string {
  return series.length
    ? linePanel(gridFrame(i, title, BPC, xLabel), series, { yDomain: spread(series) })
    : emptyPanel(gridFrame(i, title, '', xLabel), none);
}

/** The picture's heading: one run's settings, or each run's best validation figure side by side. */
function heading(records: TextRunRecord[], labels: string[]): { title: string; subtitle: string } {
  const best = (record: TextRunRecord) => record.epochs[record.epochs.length - 1].best_valid_bpc;
  if (records.length === 1) {
    const { run, epochs } = records[0];
    const facts = [
      run.method,
      run.window !== undefined ? `T=${run.window}` : undefined,
      run.ticks_per_epoch !== undefined ? `${run.ticks_per_epoch} ticks per epoch` : undefined,
      `best validation ${formatValue(best(records[0]))} bits/char after ${epochs[epochs.length - 1].chars} chars`,
    ].filter((fact): fact is string => fact !== undefined);
    return runTitle(records[0], facts);
  }
  const graphs = [...new Set(records.map((r) => r.run.graph))].join(', ');
  return {
    title: `${graphs}: ${records.length} runs`,
    subtitle: `best validation bits/char: ${records.map((r, i) => `${labels[i]} ${formatValue(best(r))}`).join(' · ')}`,
  };
}

export function renderTextPlots(records: TextRunRecord[]): string {
  const labels = textRunLabels(records);
  const [validChars, validTime, train, cosine] = TEXT_PANELS;
  const chars = (e: TextEpochRecord) => e.chars;
  const cosines = perRun(records, labels, chars, (e) => e.sg_cosine);
  const panels = [
    bpcPanel(
      0,
      validChars,
      CHARS,
      perRun(records, labels, chars, (e) => e.valid_bpc),
      'no data',
    ),
    bpcPanel(
      1,
      validTime,
      'seconds',
      // Hundredths of a second: the clock's nanoseconds would only clutter the hover values.
      perRun(
        records,
        labels,
        (e) => (e.seconds === undefined ? undefined : Math.round(e.seconds * 100) / 100),
        (e) => e.valid_bpc,
      ),
      'no timings in these runs',
    ),
    bpcPanel(
      2,
      train,
      CHARS,
      perRun(records, labels, chars, (e) => e.train_bpc),
      'no data',
    ),
  ];
  // BPTT runs have no synthetic gradient: the panel appears only when some run measured one.
  if (cosines.length)
    panels.push(linePanel(gridFrame(3, cosine, 'cosine', CHARS), cosines, { yDomain: [-1, 1] }));
  return gridSvg(panels, heading(records, labels));
}

/** The page title of the HTML output. */
export function textPlotsTitle(records: TextRunRecord[]): string {
  return heading(records, textRunLabels(records)).title;
}
