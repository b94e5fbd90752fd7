import type { SyntheticModelSpec } from '../../dni/spec.ts';
import { periodOf } from '../../graph/clocks.ts';
import type { LayerSpec } from '../../graph/layers.ts';
import type { Network } from '../../graph/network.ts';
import { recurrentUnits, stateLoopOf } from '../../graph/recurrent.ts';
import type { OptimizerSpec } from '../../nn/optim/create.ts';

/** The digit stream a two-clock system reads (DESIGN.md item 9). */
export const DIGIT_STREAM = 'digitStream';

/** How B's gradient for A's message reaches A (paper §3.3). */
export type Join = 'backprop' | 'dni' | 'cdni' | 'none';

/** One network of the system: an LSTM core between a feed-forward input side and a count head. */
export interface NetworkSpec {
  cluster: string;
  /** Ticks of the fast clock between two of this network's ticks. */
  period: number;
  /** A feed-forward module before the core (A's digit encoder), or none (B reads A's messages). */
  encoder?: { name: string; layers: LayerSpec[] };
  core: { name: string; units: number; window: number };
  head: { name: string; layers: LayerSpec[] };
  /** The loss at the end of every window, on the source's target stream of that name. */
  loss: { name: string; target: string; classes: number };
}

export interface SystemSpec {
  source: string;
  /** The edge A's message crosses, as `coreA->coreB`, and the target edge of B's loss. */
  messageEdge: string;
  targetEdge: string;
  a: NetworkSpec;
  b: NetworkSpec;
  join: Join;
  /** dni / cdni: the synthetic-gradient model beside A, its optimiser and the injection scale. */
  synthetic?: { model: SyntheticModelSpec; optimizer?: OptimizerSpec; scale: number };
}

/** Whether a network is a two-clock system: clusters on clocks of different periods. */
export function isMultiNetwork(network: Network): boolean {
  return new Set(Object.values(network.getAttribute('clocks') ?? {})).size > 1;
}

/** What each target stream of the digit stream counts, over the ticks of its loss's window. */
export const DIGIT_COUNTS: Record<string, (digit: number) => boolean> = {
  odd: (digit) => digit % 2 === 1,
  threes: (digit) => digit === 3,
};

/**
 * Reads the system the two-clock runtime runs (paper §3.3, DESIGN.md item 9), refusing the rest
 * before any work: two clusters, A on the fast clock with the digit stream, B on a clock of A's
 * window; in each a recurrent core with a stopGradient state loop, a head and a loss at the end of
 * every window; and one edge from A's core to B's core, whose interface is the join.
 */
export function readSystem(network: Network): SystemSpec {
  const refuse = (why: string): never => {
    throw new Error(`dniflow/runtime: multi-network '${network.getAttribute('name')}': ${why}`);
  };
  const clocks = Object.entries(network.getAttribute('clocks') ?? {});
  if (clocks.length !== 2) refuse(`has ${clocks.length} clusters on clocks; the runtime takes two (A and B)`);
  const sources = network.filterNodes((_n, spec) => spec.kind === 'source');
  const sourceSpec = sources.length === 1 ? network.getNodeAttributes(sources[0]) : undefined;
  if (sourceSpec?.kind !== 'source' || sourceSpec.dataset !== DIGIT_STREAM)
    refuse(`reads one source of dataset '${DIGIT_STREAM}' (the odd/3s digit stream)`);
  const source = sources[0];
  const fast = periodOf(network, source);
  if (fast !== 1) refuse(`source '${source}' must be in a cluster of period 1 (A's clock), not ${fast}`);
  const cores = network.filterNodes((node) => recurrentUnits(network, node) !== null);
  if (cores.length !== 2) refuse(`has ${cores.length} recurrent modules; the runtime takes one per network`);
  const coreA = cores.find((core) => periodOf(network, core) === 1);
  const coreB = cores.find((core) => periodOf(network, core) !== 1);
  if (coreA === undefined || coreB === undefined)
    return refuse('needs one recurrent core on the period-1 clock (A) and one on a slower clock (B)');
  const message = network.edges(coreA, coreB)[0];
  if (message === undefined) return refuse(`A's core '${coreA}' must feed B's core '${coreB}' directly`);
  const crossing = network.filterEdges(
    (_e, _a, from, to) =>
      network.getNodeAttribute(from, 'cluster') !== network.getNodeAttribute(to, 'cluster'),
  );
  if (crossing.length !== 1)
    refuse(`has ${crossing.length} edges between its clusters; A and B share exactly one`);
  const windowA = network.getNodeAttributes(coreA);
  const periodB = periodOf(network, coreB);
  if (windowA.kind === 'module' && windowA.window !== periodB)
    refuse(
      `B ticks every ${periodB} ticks but A's window is ${windowA.window}: B reads A's message at the end of every A window, so they must agree`,
    );
  const a = readNetwork(network, refuse, coreA, source);
  const b = readNetwork(network, refuse, coreB, coreA);
  const iface = network.getEdgeAttribute(message, 'interface');
  let join: Join;
  let synthetic: SystemSpec['synthetic'];
  if (iface.kind === 'backprop') join = 'backprop';
  else if (iface.kind === 'stopGradient') join = 'none';
  else if (iface.kind === 'dni') {
    join = iface.context === 'label' ? 'cdni' : 'dni';
    synthetic = { model: iface.model, optimizer: iface.optimizer, scale: iface.scale };
  } else
    return refuse(`the join ${coreA} -> ${coreB} is ${iface.kind}; it takes backprop, dni or stopGradient`);
  return {
    source,
    messageEdge: `${coreA}->${coreB}`,
    targetEdge: `${source}->${b.loss.name}`,
    a,
    b,
    join,
    synthetic,
  };
}

function readNetwork(
  network: Network,
  refuse: (why: string) => never,
  core: string,
  input: string,
): NetworkSpec {
  const cluster = network.getNodeAttribute(core, 'cluster')!;
  const coreSpec = network.getNodeAttributes(core);
  const window = coreSpec.kind === 'module' ? coreSpec.window! : 1;
  const loop = stateLoopOf(network, core);
  if (network.getEdgeAttribute(loop!, 'interface').kind !== 'stopGradient')
    refuse(`the state loop of '${core}' must be stopGradient() (truncated BPTT within each network)`);
  const upstream = network
    .filterInEdges(core, (_e, attrs) => attrs.delay === 0)
    .map((e) => network.source(e))[0];
  let encoder: NetworkSpec['encoder'];
  if (upstream !== input) {
    const spec = network.getNodeAttributes(upstream);
    const fed = network
      .filterInEdges(upstream, (_e, attrs) => attrs.delay === 0)
      .map((e) => network.source(e))[0];
    if (spec.kind !== 'module' || fed !== input)
      refuse(`'${core}' must read '${input}' directly or through one feed-forward module`);
    encoder = { name: upstream, layers: spec.layers };
  }
  const heads = network.filterOutEdges(
    core,
    (_e, attrs, _s, target) => attrs.delay === 0 && network.getNodeAttribute(target, 'cluster') === cluster,
  );
  const head = heads.length === 1 ? network.target(heads[0]) : '';
  const headSpec = head ? network.getNodeAttributes(head) : undefined;
  if (headSpec?.kind !== 'module' || network.getEdgeAttribute(heads[0], 'interface').kind !== 'backprop')
    return refuse(`'${core}' must feed one head module in its own cluster over backprop()`);
  const lossEdges = network.outEdges(head);
  const loss = lossEdges.length === 1 ? network.target(lossEdges[0]) : '';
  const lossSpec = loss ? network.getNodeAttributes(loss) : undefined;
  if (lossSpec?.kind !== 'loss' || lossSpec.loss !== 'softmaxCrossEntropy' || lossSpec.target === undefined)
    return refuse(`head '${head}' must feed one softmaxCrossEntropy loss on a named target stream`);
  if ((lossSpec.every ?? 1) !== window)
    refuse(
      `loss '${loss}' fires every ${lossSpec.every ?? 1} ticks but '${core}' has window ${window}: a count is made at the end of each window`,
    );
  const source = network.filterNodes((_n, s) => s.kind === 'source')[0];
  const sourceSpec = network.getNodeAttributes(source);
  const classes = sourceSpec.kind === 'source' ? sourceSpec.targets?.[lossSpec.target] : undefined;
  const span = window * periodOf(network, core);
  if (!(lossSpec.target in DIGIT_COUNTS))
    refuse(
      `loss '${loss}' reads target stream '${lossSpec.target}'; the digit stream has ${Object.keys(DIGIT_COUNTS).join(', ')}`,
    );
  if (classes !== span + 1)
    refuse(
      `target stream '${lossSpec.target}' counts over ${span} ticks, so it has ${span + 1} classes (0..${span}), not ${classes}`,
    );
  return {
    cluster,
    period: periodOf(network, core),
    encoder,
    core: { name: core, units: recurrentUnits(network, core)!, window },
    head: { name: head, layers: headSpec.layers },
    loss: { name: loss, target: lossSpec.target, classes: classes! },
  };
}
