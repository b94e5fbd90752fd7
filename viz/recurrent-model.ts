/**
 * What a picture shows of a recurrent module (paper §3.2, DESIGN.md item 8): its truncation window
 * T, and its state loop, the self-edge on which (h, c) crosses from one window to the next. The
 * loop's interface is the method (stopGradient: truncated BPTT; dni: a synthetic gradient at the
 * boundary, with the aux head for DNI+Aux), so its hover details speak of windows, not ticks.
 */
import type { InterfaceSpec, NodeSpec } from '../src/index.ts';

/** A recurrent module's window T (an lstm layer and a window), or undefined for any other node. */
export function windowOf(spec: NodeSpec): number | undefined {
  if (spec.kind !== 'module' || spec.window === undefined) return undefined;
  return spec.layers.some((layer) => layer.kind === 'lstm') ? spec.window : undefined;
}

/** The LSTM's size, for the state's shape (each of h and c). */
export function stateUnits(spec: NodeSpec): number | undefined {
  if (spec.kind !== 'module') return undefined;
  const core = spec.layers.find((layer) => layer.kind === 'lstm');
  return core?.kind === 'lstm' ? core.units : undefined;
}

export interface StateLoop {
  /** Ticks per window: the loop's one-window delay spans this many ticks. */
  window: number;
  /** DNI+Aux: a second head predicts, at the window's start, the SG made at its end. */
  aux: boolean;
}

/** The state loop of an edge, when it is a recurrent module's self-edge delayed by a window. */
export function stateLoopOf(
  source: string,
  target: string,
  delay: number,
  iface: InterfaceSpec,
  sourceSpec: NodeSpec,
): StateLoop | undefined {
  const window = windowOf(sourceSpec);
  if (source !== target || delay === 0 || window === undefined) return undefined;
  return { window, aux: iface.kind === 'dni' && iface.aux === true };
}

/** The method a state loop's interface stands for, as the paper's table names it. */
export function loopMethod(iface: InterfaceSpec, loop: StateLoop): string {
  if (iface.kind === 'stopGradient') return 'truncated BPTT (nothing crosses the boundary backwards)';
  if (iface.kind === 'dni')
    return loop.aux
      ? 'DNI + Aux (synthetic gradient at the boundary, aux head)'
      : 'DNI (synthetic gradient at the boundary)';
  return iface.kind;
}

/** Hover details of a state loop that replace the generic edge's edge/carries/delay lines. */
export function stateLoopDetails(
  node: string,
  iface: InterfaceSpec,
  loop: StateLoop,
  units: number | undefined,
): [string, string][] {
  const ticks = `${loop.window} tick${loop.window === 1 ? '' : 's'}`;
  return [
    ['edge', `${node} → ${node} (state loop)`],
    ['method', loopMethod(iface, loop)],
    ['carries', units === undefined ? '(h, c)' : `(h, c), [${units}] each`],
    ['delay', `1 window (T = ${ticks})`],
  ];
}

/** A state loop's synthetic-gradient settings that feed-forward DNI edges do not have. */
export function loopGradientDetails(iface: InterfaceSpec, loop: StateLoop): [string, string][] {
  if (iface.kind !== 'dni') return [];
  // γ defaults to 1 in the graph (interfaces.ts); say so rather than leave it out.
  return [
    ['SG bootstrap γ', String(iface.bootstrapGamma ?? 1)],
    ['SG aux head', loop.aux ? 'yes (DNI + Aux)' : 'no'],
  ];
}
