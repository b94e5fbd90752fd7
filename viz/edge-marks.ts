/** The marks drawn on and along edges: the line itself, model nodes, a stopped gradient's bar. */
import { arrowId, EDGE_STYLES, edgeDash, MODEL_COLORS } from './edge-styles.ts';
import { type Cubic, cubicPath, type Point } from './geometry.ts';
import type { EdgeStyleKind } from './model.ts';
import { el, label, num } from './svg.ts';

const MODEL_HEIGHT = 18;

/** The visible line of an edge, styled by interface kind (and dash-dotted when delayed). */
export function edgeLine(curve: Cubic, style: EdgeStyleKind, delay: number): string {
  const look = EDGE_STYLES[style];
  return el('path', {
    class: 'edge-line',
    d: cubicPath(curve),
    fill: 'none',
    stroke: look.stroke,
    'stroke-width': look.width,
    'stroke-dasharray': edgeDash(style, delay),
    'marker-end': `url(#${arrowId(style)})`,
  });
}

/**
 * A small model node centred on the edge: 'SG' (synthetic-gradient model M_B, §2), 'cSG' when it is
 * conditioned on the label (cDNI), or 'I' (synthetic-input model I_B, §3.1).
 */
export function modelNode(at: Point, kind: 'dni' | 'cdni' | 'input'): string {
  const text = kind === 'dni' ? 'SG' : kind === 'cdni' ? 'cSG' : 'I';
  const fill = kind === 'input' ? MODEL_COLORS.input : MODEL_COLORS.gradient[kind];
  const width = text.length * 7 + 12;
  return el(
    'g',
    { class: `model-node model-${kind}`, transform: `translate(${num(at.x)},${num(at.y)})` },
    el('rect', {
      x: -width / 2,
      y: -MODEL_HEIGHT / 2,
      width,
      height: MODEL_HEIGHT,
      rx: kind === 'input' ? MODEL_HEIGHT / 2 : 3,
      fill,
      stroke: '#ffffff',
      'stroke-width': 1.5,
    }),
    label(0, 4, text, { 'text-anchor': 'middle', 'font-size': 10.5, 'font-weight': 'bold', fill: '#ffffff' }),
  );
}

/** A bar across the edge where the gradient is stopped. */
export function stopBar(at: Point, tangent: Point): string {
  const nx = -tangent.y * 9;
  const ny = tangent.x * 9;
  return el('path', {
    class: 'stop-bar',
    d: `M${num(at.x - nx)},${num(at.y - ny)}L${num(at.x + nx)},${num(at.y + ny)}`,
    stroke: EDGE_STYLES.stopGradient.stroke,
    'stroke-width': 3,
  });
}

/** One arrow-head marker per interface kind, coloured like its edge. */
export function arrowMarkers(): string {
  return (Object.keys(EDGE_STYLES) as EdgeStyleKind[])
    .map((style) =>
      el(
        'marker',
        {
          id: arrowId(style),
          viewBox: '0 0 10 10',
          refX: 9,
          refY: 5,
          markerWidth: 4.5,
          markerHeight: 4.5,
          orient: 'auto-start-reverse',
        },
        el('path', { d: 'M0,0L10,5L0,10z', fill: EDGE_STYLES[style].stroke }),
      ),
    )
    .join('');
}
