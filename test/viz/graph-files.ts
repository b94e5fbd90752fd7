/** Every graph file in graphs/, built with its default parameters (new graphs are covered automatically). */
import { readdirSync } from 'node:fs';
import {
  type GraphDefinition,
  type Network,
  type NetworkPlan,
  resolveParams,
  validateNetwork,
} from '../../src/index.ts';

export const GRAPHS_DIR = new URL('../../graphs/', import.meta.url);

export function graphFiles(): string[] {
  return readdirSync(GRAPHS_DIR)
    .filter((name) => name.endsWith('.ts'))
    .sort();
}

export async function buildGraphFile(
  file: string,
): Promise<{ network: Network; plan: NetworkPlan; definition: GraphDefinition }> {
  const module = (await import(new URL(file, GRAPHS_DIR).href)) as { default: GraphDefinition };
  const definition = module.default;
  const network = definition.build(resolveParams(definition, {}));
  return { network, plan: validateNetwork(network), definition };
}
