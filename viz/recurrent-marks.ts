/**
 * The marks of a recurrent module: its window (T slots, one per tick, under its layers) and the aux
 * tag beside the synthetic-gradient model on a DNI+Aux state loop. Each slot carries its tick, so a
 * page can light the tick being computed without re-rendering the picture.
 */
import { MODEL_COLORS } from './edge-styles.ts';
import type { Point } from './geometry.ts';
import { el, label, num } from './svg.ts';

const SLOT = 10;
const SLOT_GAP = 3;
/** More slots than this would not fit a node; the text still says T. */
const MAX_SLOTS = 6;

/** The window marker at (x, y) (its top-left), in the node's own coordinates; `withText` says T beside it. */
export function windowMarker(x: number, y: number, window: number, withText = true): string {
  const shown = Math.min(window, MAX_SLOTS);
  const slots = Array.from({ length: shown }, (_, tick) =>
    el('rect', {
      class: 'window-tick',
      'data-tick': tick,
      x: x + tick * (SLOT + SLOT_GAP),
      y,
      width: SLOT,
      height: SLOT,
      rx: 2,
      fill: '#dbe9f6',
      stroke: '#5b7a99',
      'stroke-width': 1,
    }),
  );
  const right = x + shown * (SLOT + SLOT_GAP) - SLOT_GAP;
  // The word 'window' fits beside a few slots only; T is always spelled out.
  const text = window > MAX_SLOTS ? `… T=${window}` : shown > 4 ? `T=${window}` : `window T=${window}`;
  return el(
    'g',
    { class: 'window-marker', 'data-window': window },
    el('title', {}, `truncation window: T = ${window} tick${window === 1 ? '' : 's'}`),
    // A bracket under the slots: the window is one unit of truncated BPTT.
    el('path', {
      class: 'window-bracket',
      d: `M${num(x)},${num(y + SLOT + 2)}v3H${num(right)}v-3`,
      fill: 'none',
      stroke: '#5b7a99',
      'stroke-width': 1,
    }),
    slots,
    withText && label(right + 6, y + SLOT - 1, text, { 'font-size': 10, fill: '#3d5a78' }),
  );
}

/** "aux" beside a state loop's SG model: DNI + Aux also predicts, at the window's start, the SG made at its end. */
export function auxTag(sgModel: Point): string {
  const width = 28;
  const at = { x: sgModel.x + 16 + width / 2, y: sgModel.y };
  return el(
    'g',
    { class: 'aux-tag', transform: `translate(${num(at.x)},${num(at.y)})` },
    el('title', {}, 'DNI + Aux: an aux head predicts the synthetic gradient of the window’s end'),
    el('rect', {
      x: -width / 2,
      y: -8,
      width,
      height: 16,
      rx: 8,
      fill: '#ffffff',
      stroke: MODEL_COLORS.gradient.dni,
      'stroke-width': 1.5,
    }),
    label(0, 3.5, 'aux', {
      'text-anchor': 'middle',
      'font-size': 10,
      'font-weight': 'bold',
      fill: MODEL_COLORS.gradient.dni,
    }),
  );
}
