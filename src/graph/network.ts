import { MultiDirectedGraph } from 'graphology';
import type { Shape } from '../tensor/tensor.ts';
import { backprop, type InterfaceSpec } from './interfaces.ts';
import type { LayerSpec } from './layers.ts';

export type LossKind = 'softmaxCrossEntropy' | 'mse' | 'sigmoidBce';

/**
 * Every node may name the `cluster` (sub-network) it belongs to, so that a multi-network system
 * (paper §3.3) keeps each network's identity; nodes without one belong to the default cluster.
 */
interface NodeCommon {
  cluster?: string;
}

export type NodeSpec = NodeCommon &
  (
    | {
        kind: 'source';
        dataset: string;
        shape: Shape;
        classes?: number;
        /**
         * How many training examples the source yields, for per-example state (the stale-gradient
         * table). Defaults to the known count of a named dataset (see DATASET_TRAINING_EXAMPLES).
         */
        examples?: number;
        /** Copy / Repeat Copy: the curriculum's starting difficulty (default N = R = 1). */
        level?: { n: number; r: number };
        /** Copy / Repeat Copy: lanes start at staggered window phases (see CopyTaskOptions). */
        stagger?: boolean;
        /** dataset 'text': the UTF-8 file to read. */
        path?: string;
        /**
         * Named target streams beside the labels, each with its number of classes (the odd/3s
         * digit stream's 'odd' and 'threes' counts, paper §3.3); a loss picks one by `target`.
         */
        targets?: Record<string, number>;
      }
    | {
        kind: 'module';
        layers: LayerSpec[];
        pUpdate?: number;
        /** A recurrent module's truncation window T, in ticks (paper §3.2). */
        window?: number;
      }
    | {
        kind: 'loss';
        loss: LossKind;
        /** The source's target stream this loss compares with (default: the source's labels). */
        target?: string;
        /** The loss fires once per this many ticks of its cluster's clock, on the last (default 1). */
        every?: number;
      }
  );

export interface EdgeSpec {
  interface: InterfaceSpec;
  /** Time delay in ticks; a cycle is legal only if some edge on it has a delay ≥ 1. */
  delay: number;
}

export interface NetworkAttributes {
  name: string;
  /** Ticks between two steps of each cluster's clock (a multi-network's T_B), keyed by cluster name. */
  clocks?: Record<string, number>;
}

export type Network = MultiDirectedGraph<NodeSpec, EdgeSpec, NetworkAttributes>;

/** Builds a network as a graphology multi-graph (self-loops allowed for recurrent edges). */
export class NetworkBuilder {
  readonly graph: Network;

  constructor(name: string) {
    this.graph = new MultiDirectedGraph<NodeSpec, EdgeSpec, NetworkAttributes>({ allowSelfLoops: true });
    this.graph.replaceAttributes({ name });
  }

  source(
    name: string,
    spec: {
      dataset: string;
      shape: Shape;
      classes?: number;
      examples?: number;
      cluster?: string;
      level?: { n: number; r: number };
      stagger?: boolean;
      path?: string;
      targets?: Record<string, number>;
    },
  ): this {
    return this.addNode(name, { kind: 'source', ...spec, shape: [...spec.shape] });
  }

  module(
    name: string,
    layers: LayerSpec[],
    options: { pUpdate?: number; cluster?: string; window?: number } = {},
  ): this {
    return this.addNode(name, { kind: 'module', layers, ...options });
  }

  loss(
    name: string,
    loss: LossKind,
    options: { cluster?: string; target?: string; every?: number } = {},
  ): this {
    return this.addNode(name, { kind: 'loss', loss, ...options });
  }

  /** Sets how many ticks pass between two steps of a cluster's clock (e.g. network B's T_B). */
  clock(cluster: string, every: number): this {
    this.graph.updateAttribute('clocks', (clocks) => ({ ...clocks, [cluster]: every }));
    return this;
  }

  connect(
    from: string,
    to: string,
    iface: InterfaceSpec = backprop(),
    options: { delay?: number } = {},
  ): this {
    for (const end of [from, to]) {
      if (!this.graph.hasNode(end)) {
        throw new Error(
          `dniflow/graph: edge ${from} -> ${to} is dangling: no node named '${end}' in network '${this.graph.getAttribute('name')}'`,
        );
      }
    }
    this.graph.addEdge(from, to, { interface: iface, delay: options.delay ?? 0 });
    return this;
  }

  /** Connects a chain of nodes with the same interface between each consecutive pair. */
  chain(names: string[], iface: (index: number) => InterfaceSpec = () => backprop()): this {
    for (let i = 0; i + 1 < names.length; i++) this.connect(names[i], names[i + 1], iface(i));
    return this;
  }

  build(): Network {
    return this.graph;
  }

  private addNode(name: string, spec: NodeSpec): this {
    if (this.graph.hasNode(name)) {
      throw new Error(
        `dniflow/graph: duplicate node '${name}' in network '${this.graph.getAttribute('name')}'`,
      );
    }
    this.graph.addNode(name, spec);
    return this;
  }
}

export function network(name: string): NetworkBuilder {
  return new NetworkBuilder(name);
}
