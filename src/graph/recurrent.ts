import { checkCopyLevel } from '../data/copy-task.ts';
import type { Shape } from '../tensor/tensor.ts';
import type { Network } from './network.ts';

/**
 * The datasets a recurrent network reads one tick at a time (DESIGN.md, "Data"): Copy and Repeat
 * Copy (endless, generated), Moby Dick, or a text file the source names by `path`.
 */
export const STREAM_DATASETS = ['copy', 'repeatCopy', 'mobyDick', 'text'] as const;
export type StreamDataset = (typeof STREAM_DATASETS)[number];

export const isStreamDataset = (dataset: string): dataset is StreamDataset =>
  (STREAM_DATASETS as readonly string[]).includes(dataset);

/** A recurrent module's LSTM size, or null for a feed-forward module. */
export function recurrentUnits(network: Network, node: string): number | null {
  const spec = network.getNodeAttributes(node);
  if (spec.kind !== 'module') return null;
  // Called before validation (to pick the runtime): a malformed module is validateNetwork's to refuse.
  const core = Array.isArray(spec.layers) ? spec.layers.find((layer) => layer?.kind === 'lstm') : undefined;
  return core?.kind === 'lstm' ? core.units : null;
}

/** A node's state loop: its self-edge delayed by one window (the key, or undefined). */
export function stateLoopOf(network: Network, node: string): string | undefined {
  return network.filterOutEdges(node, (_e, attrs, _s, target) => target === node && attrs.delay > 0)[0];
}

/**
 * Recurrent modules (paper §3.2, DESIGN.md item 8): a module whose one layer is an LSTM, with a
 * truncation window T, whose state (h, c) crosses from window to window on a self-edge delayed by
 * one window. The state loop's interface chooses the method: stopGradient (truncated BPTT) or dni
 * (a synthetic gradient at the boundary, optionally with the aux head). `fail` throws.
 */
export function checkRecurrent(
  network: Network,
  shapes: Map<string, Shape>,
  fail: (why: string) => never,
): void {
  network.forEachNode((node, spec) => {
    if (spec.kind !== 'module') return;
    const units = recurrentUnits(network, node);
    if (units === null) {
      if (spec.window !== undefined)
        fail(
          `module '${node}' has a window (${spec.window}) but no lstm layer: only recurrent modules have one`,
        );
      const loop = stateLoopOf(network, node);
      if (loop !== undefined && network.getEdgeAttribute(loop, 'interface').kind === 'dni')
        fail(
          `module '${node}' has dni on a state loop but is not recurrent (no lstm layer): a synthetic gradient across windows needs an LSTM state`,
        );
      return;
    }
    const window = spec.window;
    if (window === undefined)
      fail(`recurrent module '${node}' declares no window T (module(..., { window: T }))`);
    if (!(Number.isInteger(window) && window >= 1))
      fail(`recurrent module '${node}' has window T = ${window}; it must be an integer >= 1`);
    if (!(Number.isInteger(units) && units >= 1))
      fail(`recurrent module '${node}' has ${units} LSTM units; it must be a positive integer`);
    const loops = network.filterOutEdges(node, (_e, _a, _s, target) => target === node);
    if (loops.length === 0)
      fail(
        `recurrent module '${node}' has no state loop: connect('${node}', '${node}', stopGradient() or dni(...), { delay: 1 })`,
      );
    if (loops.length > 1) fail(`recurrent module '${node}' has ${loops.length} state loops; it takes one`);
    const attrs = network.getEdgeAttributes(loops[0]);
    if (attrs.delay !== 1)
      fail(
        `state loop of '${node}' has delay ${attrs.delay}; the state crosses exactly one window (delay 1)`,
      );
    const carried = shapes.get(node)!;
    if (carried.length !== 1 || carried[0] !== units)
      fail(
        `state loop of '${node}' carries [${carried.join(', ')}], but the state is (h, c) of [${units}] each`,
      );
    if (spec.layers[0].kind !== 'lstm' || spec.layers.length !== 1)
      fail(
        `module '${node}' is recurrent: its only layer must be the lstm (put readout layers in a module after it)`,
      );
    const iface = attrs.interface;
    if (iface.kind !== 'stopGradient' && iface.kind !== 'dni')
      fail(
        `state loop of '${node}' has interface '${iface.kind}': use stopGradient() (truncated BPTT) or dni() (a synthetic gradient); backprop across windows would never truncate`,
      );
    if (iface.kind === 'dni') {
      const gamma = iface.bootstrapGamma ?? 1;
      if (!(Number.isFinite(gamma) && gamma >= 0))
        fail(`state loop of '${node}' has bootstrapGamma ${gamma}; it must be >= 0`);
      if (iface.state !== undefined && iface.state !== 'hc' && iface.state !== 'h')
        fail(`state loop of '${node}' has state '${iface.state}'; use 'hc' or 'h'`);
      if (!(Number.isFinite(iface.scale) && iface.scale >= 0))
        fail(`state loop of '${node}' has scale ${iface.scale}; it must be >= 0`);
    }
  });
  network.forEachNode((node, spec) => {
    if (spec.kind !== 'source') return;
    if (spec.dataset === 'text' && (typeof spec.path !== 'string' || spec.path === ''))
      fail(`source '${node}' reads a text file but names no path`);
    if (spec.stagger !== undefined && spec.dataset !== 'copy' && spec.dataset !== 'repeatCopy')
      fail(`source '${node}' staggers its lanes, which only Copy and Repeat Copy do`);
    if (spec.level === undefined) return;
    if (spec.dataset !== 'copy' && spec.dataset !== 'repeatCopy')
      fail(`source '${node}' has a starting level, which only Copy and Repeat Copy take`);
    try {
      checkCopyLevel(spec.dataset, spec.level);
    } catch (error) {
      fail(`source '${node}': ${(error as Error).message.replace(/^dniflow\/data: /, '')}`);
    }
  });
  network.forEachEdge((_edge, attrs, source, target) => {
    const iface = attrs.interface;
    const recurrentOnly =
      iface.kind === 'dni' && (iface.bootstrapGamma !== undefined || iface.aux !== undefined);
    if (recurrentOnly && !(source === target && recurrentUnits(network, source) !== null))
      fail(
        `edge ${source} -> ${target}: bootstrapGamma, aux and state belong to a recurrent module's state loop`,
      );
  });
}
