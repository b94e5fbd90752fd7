import type { Network } from './network.ts';

/** The clock period of a node's cluster (nodes outside any cluster tick every tick). */
export function periodOf(network: Network, node: string): number {
  const cluster = network.getNodeAttribute(node, 'cluster');
  return cluster === undefined ? 1 : (network.getAttribute('clocks')?.[cluster] ?? 1);
}

/**
 * Clusters and their clocks (DESIGN.md, "Clocks"; paper §3.3): a module in a cluster of period k runs
 * on every k-th tick, and an edge between clusters changes rate, the slower side reading or sending
 * at its own ticks. That needs one period to divide the other; a cluster must say its period, and a
 * clock must belong to some cluster (a misspelt name would otherwise tick silently at period 1).
 */
export function checkClocks(network: Network, fail: (why: string) => never): void {
  const clocks = network.getAttribute('clocks') ?? {};
  const named = new Set<string>();
  network.forEachNode((node, spec) => {
    if (spec.cluster === undefined) return;
    if (!(spec.cluster in clocks))
      fail(
        `node '${node}' is in cluster '${spec.cluster}', which has no clock: add .clock('${spec.cluster}', period)`,
      );
    named.add(spec.cluster);
  });
  for (const [cluster, period] of Object.entries(clocks)) {
    if (!(Number.isInteger(period) && period >= 1))
      fail(`cluster '${cluster}' has a clock of period ${period}; it must be an integer >= 1`);
    if (!named.has(cluster)) fail(`clock '${cluster}' names no cluster of any node`);
  }
  network.forEachEdge((_edge, _attrs, source, target) => {
    const [from, to] = [periodOf(network, source), periodOf(network, target)];
    if (from % to !== 0 && to % from !== 0)
      fail(
        `edge ${source} -> ${target} joins clocks of periods ${from} and ${to}; one must divide the other`,
      );
  });
}
