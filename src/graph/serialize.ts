import { MultiDirectedGraph } from 'graphology';
import type { SerializedGraph } from 'graphology-types';
import type { EdgeSpec, Network, NetworkAttributes, NodeSpec } from './network.ts';
import { validateNetwork } from './validate.ts';

/** The network as graphology's JSON (node and edge attributes are the plain-data specs). */
export function networkToJSON(network: Network): SerializedGraph<NodeSpec, EdgeSpec, NetworkAttributes> {
  return network.export();
}

/** Rebuilds a network from graphology JSON and validates it before anything runs on it. */
export function networkFromJSON(json: unknown): Network {
  let network: Network;
  try {
    network = MultiDirectedGraph.from(json as SerializedGraph<NodeSpec, EdgeSpec, NetworkAttributes>, {
      allowSelfLoops: true,
    }) as Network;
  } catch (error) {
    throw new Error(`dniflow/graph: not a valid graphology network: ${(error as Error).message}`);
  }
  if (network.type !== 'directed' || !network.multi) {
    throw new Error(`dniflow/graph: a network must be a directed multi-graph, got ${network.type}`);
  }
  validateNetwork(network);
  return network;
}
