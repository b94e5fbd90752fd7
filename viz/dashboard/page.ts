/** The dashboard page: the network picture on top, live curves below, all inline (no network access). */
import type { Network, NetworkPlan } from '../../src/index.ts';
import { hoverData } from '../html-page.ts';
import { layoutNetwork } from '../layout.ts';
import { vizModel } from '../model.ts';
import { clientScript, d3Source, inlineJson, inlineScript, PAGE_STYLE } from '../page-assets.ts';
import { renderLayoutSvg } from '../render-network.ts';
import { escapeXml } from '../svg.ts';

/** The per-epoch curve (its heading and axis) and what one point of the loss curve is. */
export interface DashboardFigure {
  heading: string;
  axis: string;
  per: 'batch' | 'window';
}

const TEST_ERROR: DashboardFigure = {
  heading: 'Test error per epoch (%)',
  axis: 'test error %',
  per: 'batch',
};

export function dashboardHtml(
  network: Network,
  plan: NetworkPlan,
  title?: string,
  figure = TEST_ERROR,
): string {
  const model = vizModel(network, plan);
  const svg = renderLayoutSvg(model, layoutNetwork(model), { title });
  const name = title ?? model.name;
  // What the animation needs: edges in forward order (the plan's order), with their names.
  const rank = new Map(model.order.map((id, i) => [id, i]));
  const flow = model.edges
    .filter((e) => e.delay === 0)
    .sort((a, b) => rank.get(a.source)! - rank.get(b.source)!)
    .map((e) => ({ name: e.name, source: e.source, target: e.target, style: e.style }));
  const modules = model.nodes.filter((n) => n.kind === 'module').map((n) => n.id);
  // State loops (delayed self-edges of recurrent modules): what crosses from one window to the next.
  const loops = model.edges
    .filter((e) => e.delay > 0)
    .map((e) => ({ name: e.name, source: e.source, style: e.style }));
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>${escapeXml(name)} — dniflow dashboard</title>
<style>${PAGE_STYLE}
  header { display: flex; gap: 18px; align-items: baseline; padding: 8px 14px; background: #fff; border-bottom: 1px solid #ddd; }
  header h1 { font-size: 16px; margin: 0; }
  #status { font-size: 13px; color: #555; }
  #status.finished { color: #0a7d38; font-weight: bold; }
  #network svg { display: block; width: 100%; height: auto; max-height: 58vh; background: #fff; border-bottom: 1px solid #ddd; cursor: grab; }
  #charts { display: flex; flex-wrap: wrap; gap: 12px; padding: 12px; }
  .chart { background: #fff; border: 1px solid #ddd; }
  .chart h2 { font-size: 13px; margin: 6px 10px 0; }
  .packet { pointer-events: none; }
  .node.flash rect { stroke-width: 4; }
  .window-tick.lit { fill: #0072b2; }
</style>
</head>
<body>
<header><h1>${escapeXml(name)}</h1><span id="status">waiting for the first batch…</span></header>
<div id="network">${svg}</div>
<div id="charts">
  <div class="chart" id="loss-chart"><h2>Train loss per ${figure.per}</h2></div>
  <div class="chart" id="error-chart"><h2>${escapeXml(figure.heading)}</h2></div>
</div>
<div id="tooltip"></div>
${inlineScript(d3Source())}
${inlineJson('DNIFLOW_NETWORK', hoverData(model))}
${inlineJson('DNIFLOW_FLOW', { edges: flow, loops, modules, figure })}
${inlineScript(clientScript('network-view.js'))}
${inlineScript(clientScript('dashboard.js'))}
</body>
</html>
`;
}
