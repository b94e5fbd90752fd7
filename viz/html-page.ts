/** The network as a self-contained HTML page: the server-rendered SVG, d3 inlined, zoom/pan and hover details. */
import type { VizModel } from './model.ts';
import { clientScript, d3Source, inlineJson, inlineScript, PAGE_STYLE } from './page-assets.ts';
import { escapeXml } from './svg.ts';

/** Hover details keyed as the SVG's data-node / data-edge attributes. */
export function hoverData(model: VizModel): {
  nodes: Record<string, [string, string][]>;
  edges: Record<string, [string, string][]>;
} {
  return {
    nodes: Object.fromEntries(model.nodes.map((n) => [n.id, n.details])),
    edges: Object.fromEntries(model.edges.map((e) => [e.name, e.details])),
  };
}

export function networkHtml(model: VizModel, svg: string, title = model.name): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>${escapeXml(title)} — dniflow</title>
<style>${PAGE_STYLE}
  #picture svg { display: block; width: 100vw; height: calc(100vh - 30px); background: #fff; cursor: grab; }
</style>
</head>
<body>
<div class="hint">Scroll to zoom, drag to pan, hover a module or an interface for its details.</div>
<div id="picture">${svg}</div>
<div id="tooltip"></div>
${inlineScript(d3Source())}
${inlineJson('DNIFLOW_NETWORK', hoverData(model))}
${inlineScript(clientScript('network-view.js'))}
${inlineScript("window.dniflowView = window.dniflowNetworkView(document.querySelector('#picture svg'), window.DNIFLOW_NETWORK);")}
</body>
</html>
`;
}
