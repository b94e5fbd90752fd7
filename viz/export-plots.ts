/** Plot outputs by file extension: a run's metrics folder or a feed-forward table JSON, to SVG or HTML. */
import { readFileSync } from 'node:fs';
import { VizInputError } from './errors.ts';
import { readRun } from './metrics.ts';
import { renderRunPlots, runTitle } from './plots.ts';
import { plotsHtml } from './plots-page.ts';
import { parseTable, renderTableChart } from './table-chart.ts';

export const PLOT_FORMATS = ['svg', 'html'] as const;
export type PlotFormat = (typeof PLOT_FORMATS)[number];

export function plotFormatOf(path: string): PlotFormat | undefined {
  const extension = /\.([^./\\]+)$/.exec(path)?.[1]?.toLowerCase();
  return PLOT_FORMATS.find((format) => format === extension);
}

function finish(svg: string, format: PlotFormat, title: string): string {
  return format === 'svg' ? `<?xml version="1.0" encoding="UTF-8"?>\n${svg}\n` : plotsHtml(svg, title);
}

/** Plots of a run folder (run.json + metrics.jsonl). */
export function exportRunPlots(dir: string, format: PlotFormat): string {
  const record = readRun(dir);
  return finish(renderRunPlots(record), format, runTitle(record).title);
}

/** The grouped bar chart of a feed-forward table file. */
export function exportTablePlot(path: string, format: PlotFormat): string {
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new VizInputError(`dniflow/viz: cannot read table ${path}: ${(error as Error).message}`);
  }
  return finish(renderTableChart(parseTable(json, path)), format, 'feed-forward table');
}
