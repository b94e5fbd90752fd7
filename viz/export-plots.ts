/**
 * Plot outputs by file extension: run metrics folders (feed-forward, Copy or text runs) or a results
 * table JSON (feed-forward or recurrent), to SVG or HTML.
 */
import { readFileSync } from 'node:fs';
import { VizInputError } from './errors.ts';
import { readRunFiles, runRecord } from './metrics.ts';
import { multiRunRecord } from './multi-metrics.ts';
import { multiPlotsTitle, renderMultiPlots } from './multi-plots.ts';
import { renderRunPlots, runTitle } from './plots.ts';
import { plotsHtml } from './plots-page.ts';
import { recurrentRunRecord } from './recurrent-metrics.ts';
import { renderRecurrentPlots } from './recurrent-plots.ts';
import { runKind } from './run-kind.ts';
import { parseTable, renderTableChart } from './table-chart.ts';
import { parseRecurrentTable, renderRecurrentTableChart } from './table-recurrent-chart.ts';
import { textRunRecord } from './text-metrics.ts';
import { renderTextPlots, textPlotsTitle } from './text-plots.ts';

export const PLOT_FORMATS = ['svg', 'html'] as const;
export type PlotFormat = (typeof PLOT_FORMATS)[number];

export function plotFormatOf(path: string): PlotFormat | undefined {
  const extension = /\.([^./\\]+)$/.exec(path)?.[1]?.toLowerCase();
  return PLOT_FORMATS.find((format) => format === extension);
}

function finish(svg: string, format: PlotFormat, title: string): string {
  return format === 'svg' ? `<?xml version="1.0" encoding="UTF-8"?>\n${svg}\n` : plotsHtml(svg, title);
}

/**
 * Plots of one or more run folders (run.json + metrics.jsonl), each kind with its own panels.
 * Several text runs, or several multi-network runs, share one picture, a line per run; other kinds
 * are drawn one run at a time.
 */
export function exportRunPlots(dirs: string | string[], format: PlotFormat): string {
  const all = (typeof dirs === 'string' ? [dirs] : dirs).map(readRunFiles);
  if (all.length === 0) throw new VizInputError('dniflow/viz: no run folder to plot');
  const kinds = all.map(runKind);
  if (kinds.some((kind) => kind !== kinds[0])) {
    const which = all.map((files, i) => `${files.dir} is ${kinds[i]}`).join(', ');
    throw new VizInputError(`dniflow/viz: plot several runs of one kind (${which})`);
  }
  if (kinds[0] === 'text') {
    const records = all.map(textRunRecord);
    return finish(renderTextPlots(records), format, textPlotsTitle(records));
  }
  if (kinds[0] === 'multi') {
    const records = all.map(multiRunRecord);
    return finish(renderMultiPlots(records), format, multiPlotsTitle(records));
  }
  if (all.length > 1) {
    throw new VizInputError(
      `dniflow/viz: only text and multi-network runs are drawn together; plot ${kinds[0]} runs one at a time` +
        (kinds[0] === 'copy' ? ' (dniflow table recurrent compares Copy runs)' : ''),
    );
  }
  const [files] = all;
  if (kinds[0] === 'copy') {
    const record = recurrentRunRecord(files);
    return finish(renderRecurrentPlots(record), format, runTitle(record).title);
  }
  const record = runRecord(files);
  return finish(renderRunPlots(record), format, runTitle(record).title);
}

/** The grouped bar chart of a table file; a recurrent one (`"kind": "recurrent"`) adds its curves. */
export function exportTablePlot(path: string, format: PlotFormat): string {
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new VizInputError(`dniflow/viz: cannot read table ${path}: ${(error as Error).message}`);
  }
  if ((json as { kind?: unknown } | null)?.kind === 'recurrent')
    return finish(renderRecurrentTableChart(parseRecurrentTable(json, path)), format, 'recurrent table');
  return finish(renderTableChart(parseTable(json, path)), format, 'feed-forward table');
}
