/** The legend: every interface kind drawn with the same marks as the picture, then the node kinds. */
import { edgeLine, modelNode, stopBar } from './edge-marks.ts';
import { NODE_COLORS } from './edge-styles.ts';
import type { Cubic } from './geometry.ts';
import type { EdgeStyleKind, VizModel } from './model.ts';
import { auxTag, windowMarker } from './recurrent-marks.ts';
import { el, label } from './svg.ts';

export interface LegendItem {
  key: string;
  text: string;
  draw: (x: number, y: number) => string;
}

const SAMPLE = 70;

function sample(style: EdgeStyleKind, delay = 0, marks: (mid: number, y: number) => string = () => '') {
  return (x: number, y: number) => {
    const curve: Cubic = {
      from: { x, y },
      control1: { x: x + SAMPLE / 3, y },
      control2: { x: x + (2 * SAMPLE) / 3, y },
      to: { x: x + SAMPLE, y },
    };
    return edgeLine(curve, style, delay) + marks(x + SAMPLE / 2, y);
  };
}

function nodeSample(kind: keyof typeof NODE_COLORS) {
  return (x: number, y: number) =>
    el('rect', {
      x: x + 8,
      y: y - 9,
      width: SAMPLE - 16,
      height: 18,
      rx: kind === 'module' ? 3 : 9,
      fill: NODE_COLORS[kind].fill,
      stroke: NODE_COLORS[kind].stroke,
      'stroke-width': 1.4,
    });
}

export const LEGEND_ITEMS: LegendItem[] = [
  { key: 'backprop', text: 'backprop: locked, true gradient', draw: sample('backprop') },
  {
    key: 'stopGradient',
    text: 'stop gradient',
    draw: sample('stopGradient', 0, (x, y) => stopBar({ x, y }, { x: 1, y: 0 })),
  },
  {
    key: 'dni',
    text: 'DNI: synthetic-gradient model',
    draw: sample('dni', 0, (x, y) => modelNode({ x, y }, 'dni')),
  },
  {
    key: 'cdni',
    text: 'cDNI: SG model given the label',
    draw: sample('cdni', 0, (x, y) => modelNode({ x, y }, 'cdni')),
  },
  {
    key: 'syntheticInput',
    text: 'synthetic input model',
    draw: sample('syntheticInput', 0, (x, y) => modelNode({ x, y }, 'input')),
  },
  {
    key: 'unlock',
    text: 'complete unlock: SG + input',
    draw: sample(
      'unlock',
      0,
      (x, y) => modelNode({ x: x - 12, y }, 'dni') + modelNode({ x: x + 14, y }, 'input'),
    ),
  },
  { key: 'staleGradient', text: 'stale gradients: per-example table', draw: sample('staleGradient') },
  { key: 'delayed', text: 'recurrent / delayed (Δt ≥ 1)', draw: sample('backprop', 1) },
  { key: 'source', text: 'data source', draw: nodeSample('source') },
  { key: 'module', text: 'module (its layers)', draw: nodeSample('module') },
  { key: 'loss', text: 'loss', draw: nodeSample('loss') },
];

/** Shown only when the picture has a recurrent module, so feed-forward legends stay short. */
export const RECURRENT_LEGEND_ITEMS: LegendItem[] = [
  {
    key: 'window',
    text: 'recurrent module: window of T ticks',
    draw: (x, y) => windowMarker(x + 16, y - 7, 3, false),
  },
  {
    key: 'aux',
    text: 'DNI + Aux on a state loop',
    draw: sample('dni', 1, (x, y) => modelNode({ x: x - 14, y }, 'dni') + auxTag({ x: x - 14, y })),
  },
];

/** The legend items a picture of this model needs. */
export function legendItems(model: VizModel): LegendItem[] {
  const recurrent = model.nodes.some((node) => node.window !== undefined);
  return recurrent ? [...LEGEND_ITEMS, ...RECURRENT_LEGEND_ITEMS] : LEGEND_ITEMS;
}

const ITEM_WIDTH = 260;
const ROW_HEIGHT = 26;

export function legendSize(
  maxWidth: number,
  items: LegendItem[] = LEGEND_ITEMS,
): { width: number; height: number; perRow: number } {
  const perRow = Math.max(1, Math.min(items.length, Math.floor(maxWidth / ITEM_WIDTH)));
  const rows = Math.ceil(items.length / perRow);
  return { width: perRow * ITEM_WIDTH, height: rows * ROW_HEIGHT + 24, perRow };
}

/** The legend as a group at (x, y), wrapped to `maxWidth`. */
export function legend(x: number, y: number, maxWidth: number, shown: LegendItem[] = LEGEND_ITEMS): string {
  const { perRow } = legendSize(maxWidth, shown);
  const items = shown.map((item, i) => {
    const ix = (i % perRow) * ITEM_WIDTH;
    const iy = 24 + Math.floor(i / perRow) * ROW_HEIGHT;
    return el(
      'g',
      { class: 'legend-item', 'data-legend': item.key },
      item.draw(ix, iy),
      label(ix + SAMPLE + 10, iy + 4, item.text, { 'font-size': 11.5, fill: '#333' }),
    );
  });
  return el(
    'g',
    { class: 'legend', transform: `translate(${x},${y})` },
    label(0, 8, 'Legend', { 'font-size': 12, 'font-weight': 'bold', fill: '#333' }),
    items,
  );
}
