/**
 * How each interface kind looks. Locked interfaces (backprop) are solid and dark; decoupled ones
 * (DNI, cDNI, synthetic input, complete unlock) each get a distinct colour from the Okabe–Ito
 * palette (readable with colour-vision deficiencies) and carry their model nodes; a stopped
 * gradient is grey and dashed. Delayed and recurrent edges keep their interface colour and add a
 * dash-dot pattern, so both facts read at once.
 */
import type { EdgeStyleKind } from './model.ts';

export interface EdgeStyle {
  stroke: string;
  width: number;
  dash?: string;
  /** True when the sender waits for the receiver's true gradient (update-locked). */
  locked: boolean;
}

export const EDGE_STYLES: Record<EdgeStyleKind, EdgeStyle> = {
  backprop: { stroke: '#1f1f1f', width: 2.4, locked: true },
  stopGradient: { stroke: '#9a9a9a', width: 1.8, dash: '6 4', locked: false },
  dni: { stroke: '#0072b2', width: 2.4, locked: false },
  cdni: { stroke: '#009e73', width: 2.4, locked: false },
  syntheticInput: { stroke: '#e69f00', width: 2.4, locked: false },
  unlock: { stroke: '#d55e00', width: 2.4, locked: false },
  // Locked with its default true-gradient target; the bootstrapped variant is not (see model.ts details).
  staleGradient: { stroke: '#cc79a7', width: 2.4, locked: true },
};

/** Dash pattern added to any edge with a delay ≥ 1 (recurrent or time-delayed). */
export const DELAYED_DASH = '9 3 2 3';

/** Colours of the model nodes drawn on an edge. */
export const MODEL_COLORS = {
  gradient: { dni: '#0072b2', cdni: '#009e73' },
  input: '#e69f00',
} as const;

export const NODE_COLORS = {
  source: { fill: '#eef3f8', stroke: '#5b7a99' },
  module: { fill: '#ffffff', stroke: '#333333' },
  loss: { fill: '#fbeeee', stroke: '#a05050' },
} as const;

export function edgeDash(style: EdgeStyleKind, delay: number): string | undefined {
  return delay > 0 ? DELAYED_DASH : EDGE_STYLES[style].dash;
}

/** Marker id for the arrow head of an edge of this kind. */
export function arrowId(style: EdgeStyleKind): string {
  return `arrow-${style}`;
}
