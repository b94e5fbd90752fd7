/** One entry point for every network output format, chosen by file extension. */
import { type Network, type NetworkPlan, networkToJSON } from '../src/index.ts';
import { networkToGexf } from './gexf.ts';
import { networkHtml } from './html-page.ts';
import { layoutNetwork } from './layout.ts';
import { vizModel } from './model.ts';
import { renderLayoutSvg } from './render-network.ts';

export const NETWORK_FORMATS = ['svg', 'html', 'gexf', 'json'] as const;
export type NetworkFormat = (typeof NETWORK_FORMATS)[number];

/** The format named by a path's extension, or undefined when it is not one we write. */
export function networkFormatOf(path: string): NetworkFormat | undefined {
  const extension = /\.([^./\\]+)$/.exec(path)?.[1]?.toLowerCase();
  return NETWORK_FORMATS.find((format) => format === extension);
}

export function exportNetwork(
  network: Network,
  plan: NetworkPlan,
  format: NetworkFormat,
  options: { title?: string } = {},
): string {
  if (format === 'json') return `${JSON.stringify(networkToJSON(network), null, 2)}\n`;
  const model = vizModel(network, plan);
  const layout = layoutNetwork(model);
  if (format === 'gexf') {
    return networkToGexf(model, layout, new Map(network.mapEdges((key, attrs) => [key, attrs.interface])));
  }
  const svg = renderLayoutSvg(model, layout, options);
  return format === 'svg'
    ? `<?xml version="1.0" encoding="UTF-8"?>\n${svg}\n`
    : networkHtml(model, svg, options.title);
}
