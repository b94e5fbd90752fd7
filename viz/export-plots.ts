/**
 * Plot outputs by file extension: a run's metrics folder (feed-forward or recurrent) or a results
 * table JSON (feed-forward or recurrent), to SVG or HTML.
 */
import { readFileSync } from 'node:fs';
import { VizInputError } from './errors.ts';
import { readRunFiles, runRecord } from './metrics.ts';
import { renderRunPlots, runTitle } from './plots.ts';
import { plotsHtml } from './plots-page.ts';
import { isRecurrentRun, recurrentRunRecord } from './recurrent-metrics.ts';
import { renderRecurrentPlots } from './recurrent-plots.ts';
import { parseTable, renderTableChart } from './table-chart.ts';
import { parseRecurrentTable, renderRecurrentTableChart } from './table-recurrent-chart.ts';

export const PLOT_FORMATS = ['svg', 'html'] as const;
export type PlotFormat = (typeof PLOT_FORMATS)[number];

export function plotFormatOf(path: string): PlotFormat | undefined {
  const extension = /\.([^./\\]+)$/.exec(path)?.[1]?.toLowerCase();
  return PLOT_FORMATS.find((format) => format === extension);
}

function finish(svg: string, format: PlotFormat, title: string): string {
  return format === 'svg' ? `<?xml version="1.0" encoding="UTF-8"?>\n${svg}\n` : plotsHtml(svg, title);
}

/** Plots of a run folder (run.json + metrics.jsonl); a recurrent run gets its own panels. */
export function exportRunPlots(dir: string, format: PlotFormat): string {
  const files = readRunFiles(dir);
  if (isRecurrentRun(files)) {
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
