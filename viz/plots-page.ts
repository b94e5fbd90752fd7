/** Plots as a self-contained HTML page: the SVG, d3 inlined, and hover values. */
import { clientScript, d3Source, inlineScript, PAGE_STYLE } from './page-assets.ts';
import { escapeXml } from './svg.ts';

export function plotsHtml(svg: string, title: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>${escapeXml(title)} — dniflow</title>
<style>${PAGE_STYLE}
  #plots { padding: 8px; }
</style>
</head>
<body>
<div id="plots">${svg}</div>
<div id="tooltip"></div>
${inlineScript(d3Source())}
${inlineScript(clientScript('plots-view.js'))}
${inlineScript("window.dniflowPlotsView(document.querySelector('#plots svg'));")}
</body>
</html>
`;
}
