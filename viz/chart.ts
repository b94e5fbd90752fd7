/**
 * Chart panels as SVG strings: d3-scale for scales and ticks, d3-shape for lines. Axes are drawn
 * from the scale's own ticks and tick formats, as d3-axis would, without needing a DOM.
 */
import {
  extent,
  format,
  line,
  max,
  type ScaleBand,
  type ScaleLinear,
  type ScaleLogarithmic,
  scaleBand,
  scaleLinear,
  scaleLog,
} from 'd3';
import { el, label, num } from './svg.ts';

export interface Series {
  name: string;
  color: string;
  points: [number, number][];
}

export interface PanelFrame {
  x: number;
  y: number;
  width: number;
  height: number;
  title: string;
  xLabel?: string;
  yLabel?: string;
}

export const MARGIN = { top: 30, right: 16, bottom: 40, left: 56 };
const AXIS = { stroke: '#666', 'font-size': 10.5, fill: '#444' };

type NumericScale = ScaleLinear<number, number> | ScaleLogarithmic<number, number>;

function axisBottom(scale: NumericScale | ScaleBand<string>, y: number, count: number): string {
  const [r0, r1] = scale.range();
  const ticks =
    'bandwidth' in scale
      ? scale.domain().map((d) => ({ at: scale(d)! + scale.bandwidth() / 2, text: d }))
      : (() => {
          // Log scales: plain numbers (`~g`), not SI prefixes, and d3 thins the labels between decades.
          const format = 'base' in scale ? scale.tickFormat(count, '~g') : scale.tickFormat(count);
          return scale.ticks(count).map((t) => ({ at: scale(t), text: format(t) }));
        })();
  return el(
    'g',
    { class: 'axis axis-x' },
    el('path', { d: `M${num(r0)},${num(y)}H${num(r1)}`, stroke: AXIS.stroke, fill: 'none' }),
    ticks.map((t) =>
      el(
        'g',
        { class: 'tick' },
        el('line', { x1: t.at, x2: t.at, y1: y, y2: y + 5, stroke: AXIS.stroke }),
        label(t.at, y + 17, t.text, {
          'text-anchor': 'middle',
          'font-size': AXIS['font-size'],
          fill: AXIS.fill,
        }),
      ),
    ),
  );
}

function axisLeft(scale: NumericScale, x: number, width: number, count: number): string {
  // Log scales: plain numbers (`~g`), not SI prefixes, and d3 thins the labels between decades.
  const format = 'base' in scale ? scale.tickFormat(count, '~g') : scale.tickFormat(count);
  const [r0, r1] = scale.range();
  return el(
    'g',
    { class: 'axis axis-y' },
    el('path', { d: `M${num(x)},${num(r0)}V${num(r1)}`, stroke: AXIS.stroke, fill: 'none' }),
    scale.ticks(count).map((t) =>
      el(
        'g',
        { class: 'tick' },
        el('line', { x1: x, x2: x + width, y1: scale(t), y2: scale(t), stroke: '#e6e6e6' }),
        el('line', { x1: x - 5, x2: x, y1: scale(t), y2: scale(t), stroke: AXIS.stroke }),
        label(x - 8, scale(t) + 3.5, format(t), {
          'text-anchor': 'end',
          'font-size': AXIS['font-size'],
          fill: AXIS.fill,
        }),
      ),
    ),
  );
}

function frame(f: PanelFrame, ...children: (string | string[])[]): string {
  return el(
    'g',
    { class: 'panel', 'data-panel': f.title, transform: `translate(${f.x},${f.y})` },
    el('rect', { width: f.width, height: f.height, fill: '#ffffff', stroke: '#dddddd' }),
    label(MARGIN.left, 19, f.title, {
      class: 'panel-title',
      'font-size': 13,
      'font-weight': 'bold',
      fill: '#222',
    }),
    f.xLabel &&
      label(MARGIN.left + (f.width - MARGIN.left - MARGIN.right) / 2, f.height - 6, f.xLabel, {
        'text-anchor': 'middle',
        'font-size': 11,
        fill: '#555',
      }),
    f.yLabel &&
      label(0, 0, f.yLabel, {
        transform: `translate(13,${num(MARGIN.top + (f.height - MARGIN.top - MARGIN.bottom) / 2)}) rotate(-90)`,
        'text-anchor': 'middle',
        'font-size': 11,
        fill: '#555',
      }),
    ...children,
  );
}

/** A panel that says why it has nothing to draw. */
export function emptyPanel(f: PanelFrame, message: string): string {
  return frame(
    f,
    label(f.width / 2, f.height / 2, message, {
      class: 'panel-empty',
      'text-anchor': 'middle',
      'font-size': 12,
      fill: '#888',
    }),
  );
}

function seriesLegend(series: Series[], right: number): string {
  return el(
    'g',
    { class: 'series-legend' },
    series.map((s, i) =>
      el(
        'g',
        { transform: `translate(${num(right)},${MARGIN.top + 6 + i * 15})` },
        el('line', { x1: -16, x2: -2, y1: -3.5, y2: -3.5, stroke: s.color, 'stroke-width': 2.5 }),
        label(-20, 0, s.name, { 'text-anchor': 'end', 'font-size': 10.5, fill: '#333' }),
      ),
    ),
  );
}

/** Lines with a dot per point; a point's `<title>` and data attributes carry its value for hover. */
export function linePanel(
  f: PanelFrame,
  series: Series[],
  options: { yDomain?: [number, number]; log?: boolean } = {},
): string {
  const all = series.flatMap((s) => s.points);
  if (all.length === 0) return emptyPanel(f, 'no data');
  const [x0, x1] = extent(all, (p) => p[0]) as [number, number];
  const innerRight = f.width - MARGIN.right;
  const innerBottom = f.height - MARGIN.bottom;
  const xScale = scaleLinear()
    .domain(x0 === x1 ? [x0 - 1, x1 + 1] : [x0, x1])
    .range([MARGIN.left, innerRight]);
  const [y0, y1] = options.yDomain ?? (extent(all, (p) => p[1]) as [number, number]);
  const positive = all.every((p) => p[1] > 0);
  const yScale: NumericScale =
    options.log && positive
      ? scaleLog()
          .domain([y0, y1 === y0 ? y0 * 10 : y1])
          .range([innerBottom, MARGIN.top])
          .nice()
      : scaleLinear()
          .domain(y0 === y1 ? [y0 - 1, y1 + 1] : options.yDomain ? [y0, y1] : [Math.min(0, y0), y1])
          .range([innerBottom, MARGIN.top])
          .nice();
  const path = line<[number, number]>()
    .x((p) => xScale(p[0]))
    .y((p) => yScale(p[1]));
  // Small integer x (epochs, a few hundred ticks) gets a tick per step up to 10; large counts such
  // as characters seen ("1,200,000") get 6, or their labels would run into each other.
  const integerX = all.every((p) => Number.isInteger(p[0])) && x1 < 10_000;
  return frame(
    f,
    axisLeft(yScale, MARGIN.left, innerRight - MARGIN.left, 5),
    axisBottom(xScale, innerBottom, integerX ? Math.min(10, Math.max(1, x1 - x0)) : 6),
    series.map((s) =>
      el(
        'g',
        { class: 'series', 'data-series': s.name },
        el('path', {
          class: 'series-line',
          d: path(s.points) ?? '',
          fill: 'none',
          stroke: s.color,
          'stroke-width': 2,
        }),
        s.points.map(([x, y]) =>
          el(
            'circle',
            {
              class: 'point',
              cx: xScale(x),
              cy: yScale(y),
              r: 3.2,
              fill: s.color,
              'data-label': `${s.name}: ${formatValue(y)} at ${f.xLabel ?? 'x'} ${x}`,
            },
            el('title', {}, `${s.name}: ${formatValue(y)} (${f.xLabel ?? 'x'} ${x})`),
          ),
        ),
      ),
    ),
    series.length > 1 || series[0].name !== f.title ? seriesLegend(series, innerRight) : '',
  );
}

/** Four significant digits, trailing zeros dropped: 0.412, 0.0007, 1876, 2.5e-7. */
const fourDigits = format('.4~g');

export function formatValue(value: number): string {
  return fourDigits(value);
}

export interface Bar {
  group: string;
  key: string;
  value: number;
  color: string;
  /** A reference value drawn as a black tick across the bar (e.g. the paper's number). */
  reference?: number;
  /** A mark printed above the reference (e.g. '*' for a figure recalled rather than checked). */
  referenceNote?: string;
  label?: string;
}

/** A reference value: a black line with a white halo, visible on any bar colour (black included). */
export function referenceMark(x: number, y: number, width: number): string {
  const d = `M${num(x)},${num(y)}h${num(width)}`;
  return el(
    'g',
    { class: 'bar-reference' },
    el('path', { d, stroke: '#ffffff', 'stroke-width': 5.5 }),
    el('path', { d, stroke: '#000000', 'stroke-width': 2.5 }),
  );
}

/** Grouped bars: one band per group, one sub-band per key. */
export function barPanel(f: PanelFrame, bars: Bar[], keys: string[]): string {
  if (bars.length === 0) return emptyPanel(f, 'no data');
  const innerRight = f.width - MARGIN.right;
  const innerBottom = f.height - MARGIN.bottom;
  const groups = [...new Set(bars.map((b) => b.group))];
  const x = scaleBand().domain(groups).range([MARGIN.left, innerRight]).paddingInner(0.2).paddingOuter(0.1);
  const inner = scaleBand().domain(keys).range([0, x.bandwidth()]).padding(0.08);
  const top = max(bars, (b) => Math.max(b.value, b.reference ?? 0)) ?? 1;
  const y = scaleLinear()
    .domain([0, top > 0 ? top : 1])
    .range([innerBottom, MARGIN.top])
    .nice();
  return frame(
    f,
    axisLeft(y, MARGIN.left, innerRight - MARGIN.left, 5),
    axisBottom(x, innerBottom, groups.length),
    bars.map((b) => {
      const left = x(b.group)! + inner(b.key)!;
      const text = b.label ?? `${b.group} · ${b.key}: ${formatValue(b.value)}`;
      return el(
        'g',
        { class: 'bar', 'data-group': b.group, 'data-key': b.key },
        el(
          'rect',
          {
            class: 'bar-rect',
            x: left,
            y: y(b.value),
            width: inner.bandwidth(),
            height: Math.max(0, innerBottom - y(b.value)),
            fill: b.color,
            'data-label': text,
          },
          el('title', {}, text),
        ),
        b.reference !== undefined && referenceMark(left - 3, y(b.reference), inner.bandwidth() + 6),
        b.reference !== undefined &&
          b.referenceNote &&
          label(left + inner.bandwidth() / 2, y(b.reference) - 5, b.referenceNote, {
            class: 'reference-note',
            'text-anchor': 'middle',
            'font-size': 12,
            'font-weight': 'bold',
            fill: '#000',
          }),
      );
    }),
  );
}
