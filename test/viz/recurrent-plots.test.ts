import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { VizInputError } from '../../viz/errors.ts';
import { exportRunPlots, exportTablePlot } from '../../viz/export-plots.ts';
import { readRunFiles } from '../../viz/metrics.ts';
import { isRecurrentRun, parseRecurrentMetrics } from '../../viz/recurrent-metrics.ts';
import { RECURRENT_PANELS } from '../../viz/recurrent-plots.ts';
import { attribute, elementsWithClass, groupMarkup } from './svg-helpers.ts';

const fixture = (name: string) => fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url));
const scratch = mkdtempSync(join(tmpdir(), 'dniflow-viz-recurrent-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const panelsOf = (svg: string) => elementsWithClass(svg, 'panel').map((tag) => attribute(tag, 'data-panel'));
const seriesOf = (panel: string) =>
  elementsWithClass(panel, 'series').map((tag) => attribute(tag, 'data-series'));

/** A copy of a run fixture with its run.json or metrics.jsonl replaced. */
function variant(name: string, files: { run?: unknown; metrics?: string }): string {
  const dir = join(scratch, `${name}-${Math.random().toString(36).slice(2)}`);
  cpSync(fixture(name), dir, { recursive: true });
  if (files.run !== undefined) writeFileSync(join(dir, 'run.json'), JSON.stringify(files.run));
  if (files.metrics !== undefined) writeFileSync(join(dir, 'metrics.jsonl'), files.metrics);
  return dir;
}

describe('recurrent run plots', () => {
  it('draws length solved and task length, bits per tick, SG and aux loss and cosine, all against ticks', () => {
    const svg = exportRunPlots(fixture('run-recurrent-aux'), 'svg');
    expect(panelsOf(svg)).toEqual([...RECURRENT_PANELS]);
    const length = groupMarkup(svg, 'panel', 'Task length')!;
    expect(seriesOf(length)).toEqual(['largest length solved', 'current task length']);
    expect(elementsWithClass(length, 'point')).toHaveLength(8); // 4 epochs; the status line is skipped
    expect(length).toContain('largest length solved: 7 (ticks seen 1200)');
    expect(length).toContain('current task length: 8 (ticks seen 1200)');
    expect(groupMarkup(svg, 'panel', 'Error (bits per tick)')).toContain(
      'bits per tick: 0.12 (ticks seen 900)',
    );
    expect(seriesOf(groupMarkup(svg, 'panel', 'Synthetic-gradient loss')!)).toEqual([
      'SG at the boundary',
      'aux head',
    ]);
    expect(seriesOf(groupMarkup(svg, 'panel', 'cos(synthetic gradient, its target)')!)).toEqual([
      'SG at the boundary',
    ]);
    expect(svg).toContain('dni-aux · T=3 · 300 ticks per epoch · largest length solved 7 after 1200 ticks');
    expect(svg).not.toContain('Train loss'); // not the feed-forward panels
  });

  it('says BPTT has no synthetic gradient instead of drawing empty SG panels', () => {
    const svg = exportRunPlots(fixture('run-recurrent-bptt'), 'svg');
    expect(panelsOf(svg)).toEqual([...RECURRENT_PANELS]);
    expect(elementsWithClass(svg, 'panel-empty')).toHaveLength(2);
    expect(svg).toContain('truncated BPTT: no synthetic gradient on the state loop');
  });

  it('writes a self-contained HTML page with hover values', () => {
    const html = exportRunPlots(fixture('run-recurrent-aux'), 'html');
    expect(html).toContain('dniflowPlotsView');
    expect(html).toContain('data-label="largest length solved: 7 at ticks seen 1200"');
    expect(html).not.toMatch(/<script[^>]+src=/);
  });

  it('detects a recurrent run from run.json, or from its epoch lines when run.json does not say', () => {
    expect(isRecurrentRun(readRunFiles(fixture('run-recurrent-aux')))).toBe(true);
    expect(isRecurrentRun(readRunFiles(fixture('run-dni')))).toBe(false);
    const quiet = variant('run-recurrent-aux', {
      run: { graph: 'repeat-copy', params: { method: 'dni', T: 2 } },
    });
    expect(isRecurrentRun(readRunFiles(quiet))).toBe(true);
    const svg = exportRunPlots(quiet, 'svg');
    expect(panelsOf(svg)).toEqual([...RECURRENT_PANELS]);
    expect(svg).toContain('dni · T=2 · largest length solved'); // method and T from the parameters
  });

  it('rejects malformed recurrent metrics, naming the file, line and field', () => {
    const line = JSON.parse(
      readFileSync(join(fixture('run-recurrent-aux'), 'metrics.jsonl'), 'utf8').split('\n')[0],
    );
    const text = (change: Record<string, unknown>) => JSON.stringify({ ...line, ...change });
    expect(() => parseRecurrentMetrics(text({ solved_length: undefined }), 'm.jsonl')).toThrow(
      'dniflow/viz: m.jsonl line 1: a recurrent epoch line needs a number "solved_length"',
    );
    expect(() => parseRecurrentMetrics(`${text({})}\n${text({ ticks: '300' })}`, 'm.jsonl')).toThrow(
      'm.jsonl line 2: a recurrent epoch line needs a number "ticks"',
    );
    expect(() => parseRecurrentMetrics(text({ sg_loss: 'high' }), 'm.jsonl')).toThrow(
      '"sg_loss" must be a number or null, got "high"',
    );
    expect(() => parseRecurrentMetrics(text({}).slice(0, 20), 'm.jsonl')).toThrow(
      'm.jsonl line 1 is not JSON',
    );
    // run.json says recurrent but the lines are feed-forward ones: the first missing field is named.
    const mixed = variant('run-recurrent-aux', {
      metrics: readFileSync(join(fixture('run-dni'), 'metrics.jsonl'), 'utf8'),
    });
    expect(() => exportRunPlots(mixed, 'svg')).toThrow(VizInputError);
    expect(() => exportRunPlots(mixed, 'svg')).toThrow(
      /line 1: a recurrent epoch line needs a number "ticks"/,
    );
    const empty = variant('run-recurrent-aux', { metrics: '{"type":"status"}\n' });
    expect(() => exportRunPlots(empty, 'svg')).toThrow(/has no epoch lines yet/);
    const badWindow = variant('run-recurrent-aux', { run: { graph: 'repeat-copy', window: 0 } });
    expect(() => exportRunPlots(badWindow, 'svg')).toThrow(/"window" must be an integer >= 1, got 0/);
  });
});

describe('recurrent table chart', () => {
  const svg = exportTablePlot(fixture('table-recurrent.json'), 'svg');
  const chart = groupMarkup(svg, 'panel', 'Largest task length solved (320 ticks per cell, LSTM 8)')!;

  it('draws one bar per cell, grouped by task and T, methods in the paper’s order and colours', () => {
    const bars = elementsWithClass(chart, 'bar');
    expect(bars).toHaveLength(7);
    expect([...new Set(bars.map((tag) => attribute(tag, 'data-group')))]).toEqual([
      'copy T=3',
      'repeat-copy T=3',
      'repeat-copy T=6',
    ]);
    const legend = elementsWithClass(svg, 'legend-item').map((tag) => attribute(tag, 'data-legend'));
    expect(legend).toEqual(['bptt', 'dni', 'dni-aux', 'paper', 'paper-recalled', 'paper-seed']);
    const fill = (method: string) =>
      attribute(elementsWithClass(groupMarkup(chart, 'key', method)!, 'bar-rect')[0], 'fill');
    expect([fill('bptt'), fill('dni'), fill('dni-aux')]).toEqual(['#9a9a9a', '#0072b2', '#56b4e9']);
    expect(chart).toContain('repeat-copy T=3, dni: solved 10 (paper 33)');
  });

  it('marks the paper’s figures, with * on recalled ones and † on the seed’s; none where the paper has none', () => {
    expect(elementsWithClass(chart, 'bar-reference')).toHaveLength(6);
    const notes = chart
      .match(/<text [^>]*class="reference-note"[^>]*>([^<]*)<\/text>/g)!
      .map((t) => t.replace(/<[^>]+>/g, ''));
    expect(notes).toEqual(['*', '†']);
    expect(chart).toContain('copy T=3, dni-aux: solved 13 (paper 17*)');
    expect(chart).toContain('repeat-copy T=3, dni-aux: solved 13 (paper 59†)');
    expect(chart).toContain('repeat-copy T=6, dni: solved 9"');
  });

  it('draws one panel per task and T with each method’s length solved against ticks seen', () => {
    const curves = panelsOf(svg).filter((name) => name?.endsWith(': length solved'));
    expect(curves).toEqual([
      'copy T=3: length solved',
      'repeat-copy T=3: length solved',
      'repeat-copy T=6: length solved',
    ]);
    const copy = groupMarkup(svg, 'panel', 'copy T=3: length solved')!;
    expect(seriesOf(copy)).toEqual(['bptt', 'dni', 'dni-aux']);
    expect(elementsWithClass(copy, 'point')).toHaveLength(15);
    expect(copy).toContain('dni-aux: 13 (ticks seen 320)');
    expect(seriesOf(groupMarkup(svg, 'panel', 'repeat-copy T=6: length solved')!)).toEqual(['dni']);
  });

  it('writes HTML too, and rejects a malformed table naming the row', () => {
    expect(exportTablePlot(fixture('table-recurrent.json'), 'html')).toContain('dniflowPlotsView');
    const table = JSON.parse(readFileSync(fixture('table-recurrent.json'), 'utf8'));
    const write = (change: (t: typeof table) => void) => {
      const copy = structuredClone(table);
      change(copy);
      const path = join(scratch, `table-${Math.random().toString(36).slice(2)}.json`);
      writeFileSync(path, JSON.stringify(copy));
      return path;
    };
    const cases: [(t: typeof table) => void, RegExp][] = [
      [(t) => delete t.rows[1].curve, /row 2 needs a "curve" list/],
      [
        (t) => (t.rows[2].curve[1].ticks = 'x'),
        /row 3 curve point 2 needs numbers "ticks" and "solved_length"/,
      ],
      [(t) => (t.rows[0].solved_length = null), /row 1 needs a number "solved_length"/],
      [(t) => (t.rows[0].T = 0), /row 1 needs an integer "T" >= 1/],
      [(t) => (t.rows[3].paper = 'many'), /row 4 has a non-numeric "paper"/],
      [(t) => (t.rows = {}), /expected \{"kind":"recurrent"/],
    ];
    for (const [change, message] of cases) {
      const path = write(change);
      expect(() => exportTablePlot(path, 'svg')).toThrow(VizInputError);
      expect(() => exportTablePlot(path, 'svg')).toThrow(message);
    }
  });
});
