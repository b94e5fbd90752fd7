/** dniflow's pictures: networks to SVG/HTML/GEXF/JSON, runs to plots, and the live training dashboard. */
export {
  type Dashboard,
  type DashboardEvent,
  type DashboardOptions,
  DashboardPortInUseError,
  type MessageEvent,
  startDashboard,
  type UpdateEvent,
} from './dashboard/server.ts';
export { VizInputError } from './errors.ts';
export { exportNetwork, NETWORK_FORMATS, type NetworkFormat, networkFormatOf } from './export-network.ts';
export {
  exportRunPlots,
  exportTablePlot,
  PLOT_FORMATS,
  type PlotFormat,
  plotFormatOf,
} from './export-plots.ts';
export { networkToGexf } from './gexf.ts';
export { networkHtml } from './html-page.ts';
export { layoutNetwork, type NetworkLayout } from './layout.ts';
export { type EpochRecord, type RunRecord, readRun } from './metrics.ts';
export { type EdgeStyleKind, edgeName, type VizModel, vizModel } from './model.ts';
export { renderRunPlots } from './plots.ts';
export { type RecurrentRunRecord, recurrentRunRecord } from './recurrent-metrics.ts';
export { renderRecurrentPlots } from './recurrent-plots.ts';
export { type NetworkSvgOptions, renderNetworkSvg } from './render-network.ts';
export { type RunKind, runKind } from './run-kind.ts';
export { type FeedforwardTable, parseTable, renderTableChart } from './table-chart.ts';
export {
  parseRecurrentTable,
  type RecurrentTableChart,
  renderRecurrentTableChart,
} from './table-recurrent-chart.ts';
export { type TextRunRecord, textRunRecord } from './text-metrics.ts';
export { renderTextPlots } from './text-plots.ts';
