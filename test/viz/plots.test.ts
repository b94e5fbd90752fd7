import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { VizInputError } from '../../viz/errors.ts';
import { exportRunPlots, exportTablePlot } from '../../viz/export-plots.ts';
import { parseMetrics, readRun } from '../../viz/metrics.ts';
import { attribute, elementsWithClass, groupMarkup } from './svg-helpers.ts';

const fixture = (name: string) => fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url));

describe('run plots', () => {
  it('reads the epoch lines of a run and skips other event types', () => {
    const { run, epochs } = readRun(fixture('run-dni'));
    expect(run.graph).toBe('mnist-fcn');
    expect(epochs.map((e) => e.epoch)).toEqual([1, 2, 3, 4]);
    expect(epochs[0].interfaces).toHaveLength(3);
  });

  it('draws loss, error, SG loss and cosine per interface, and updates per module', () => {
    const svg = exportRunPlots(fixture('run-dni'), 'svg');
    const panels = elementsWithClass(svg, 'panel').map((tag) => attribute(tag, 'data-panel'));
    expect(panels).toEqual([
      'Train loss',
      'Test error (%)',
      'Synthetic-gradient loss',
      'cos(synthetic, true gradient)',
      'Updates per module (4 epochs)',
    ]);
    const sgPanel = groupMarkup(svg, 'panel', 'Synthetic-gradient loss')!;
    const cosinePanel = groupMarkup(svg, 'panel', 'cos(synthetic, true gradient)')!;
    for (const panel of [sgPanel, cosinePanel]) {
      expect(elementsWithClass(panel, 'series').map((tag) => attribute(tag, 'data-series'))).toEqual([
        'layer1-&gt;layer2 (dni)',
        'layer2-&gt;layer3 (dni)',
        'layer3-&gt;classifier (cdni)',
      ]);
      expect(elementsWithClass(panel, 'point')).toHaveLength(12);
    }
    const loss = groupMarkup(svg, 'panel', 'Train loss')!;
    expect(elementsWithClass(loss, 'point')).toHaveLength(4);
    expect(loss).toContain('Train loss: 0.412');
    const bars = elementsWithClass(groupMarkup(svg, 'panel', 'Updates per module (4 epochs)')!, 'bar');
    expect(bars.map((tag) => attribute(tag, 'data-group'))).toEqual([
      'layer1',
      'layer2',
      'layer3',
      'classifier',
    ]);
    expect(svg).toContain('layer1 · updates: 1876');
    expect(svg).toContain('mnist-fcn (layers=3, hidden=256, method=dni)');
  });

  it('says so when a pure backprop run has no interfaces', () => {
    const svg = exportRunPlots(fixture('run-backprop'), 'svg');
    expect(elementsWithClass(svg, 'panel-empty')).toHaveLength(2);
    expect(svg).toContain('no synthetic-gradient interfaces in this run');
  });

  it('writes a self-contained HTML page with hover values', () => {
    const html = exportRunPlots(fixture('run-dni'), 'html');
    expect(html).toContain('dniflowPlotsView');
    expect(html).toContain('data-label=');
    expect(html).not.toMatch(/<script[^>]+src=/);
  });

  it('rejects a folder without a run, and a malformed metrics line, naming it', () => {
    expect(() => readRun(fixture('empty-dir'))).toThrow(VizInputError);
    expect(() => readRun(fixture('empty-dir'))).toThrow(/no run in .*empty-dir/);
    expect(() => readRun(fixture('does-not-exist'))).toThrow(/no run directory/);
    expect(() =>
      parseMetrics('{"type":"epoch","epoch":1,"train_loss":1,"test_error":2}\n{oops\n', 'm.jsonl'),
    ).toThrow('m.jsonl line 2 is not JSON');
    expect(() =>
      parseMetrics('{"type":"epoch","epoch":1,"train_loss":"x","test_error":2}', 'm.jsonl'),
    ).toThrow('needs a number "train_loss"');
  });
});

describe('feed-forward table chart', () => {
  it('draws one bar per row, grouped by model and layers, with the paper values', () => {
    const svg = exportTablePlot(fixture('table.json'), 'svg');
    const bars = elementsWithClass(svg, 'bar');
    expect(bars).toHaveLength(12);
    expect(new Set(bars.map((tag) => attribute(tag, 'data-group')))).toEqual(
      new Set(['FCN-3', 'FCN-4', 'CNN-3']),
    );
    const chart = groupMarkup(svg, 'panel', 'Feed-forward test error (%) after 5 epochs')!;
    expect(elementsWithClass(chart, 'bar-reference')).toHaveLength(10);
    const legend = elementsWithClass(svg, 'legend-item').map((tag) => attribute(tag, 'data-legend'));
    expect(legend).toEqual(['bprop', 'no-bprop', 'dni', 'cdni', 'paper']);
    expect(svg).toContain('after 5 epochs');
    // Methods keep their interface colours: DNI blue, cDNI green, backprop dark.
    const fill = (method: string) =>
      attribute(elementsWithClass(groupMarkup(svg, 'key', method)!, 'bar-rect')[0], 'fill');
    expect([fill('bprop'), fill('dni'), fill('cdni')]).toEqual(['#1f1f1f', '#0072b2', '#009e73']);
  });

  it('rejects a table whose row lacks a test error, naming the row', () => {
    expect(() => exportTablePlot(fixture('run-dni/run.json'), 'svg')).toThrow(/expected \{"budget"/);
  });

  it("draws a budget table: bars after its iterations, and per network each method's learning curve", () => {
    const svg = exportTablePlot(fixture('table-curves.json'), 'svg');
    expect(elementsWithClass(svg, 'bar')).toHaveLength(3);
    const panels = elementsWithClass(svg, 'panel').map((tag) => attribute(tag, 'data-panel'));
    expect(panels).toEqual([
      'Feed-forward test error (%) after 100 iterations',
      'FCN-3: test error',
      'FCN-4: test error',
    ]);
    const fcn3 = groupMarkup(svg, 'panel', 'FCN-3: test error')!;
    const series = elementsWithClass(fcn3, 'series').map((tag) => attribute(tag, 'data-series'));
    expect(series).toEqual(['bprop', 'cdni']);
    expect(elementsWithClass(fcn3, 'point')).toHaveLength(4);
    expect(fcn3).toContain('cdni: 14 at iterations 50');
  });

  it('rejects a curve point without numbers, naming the row and the point', () => {
    const table = JSON.parse(readFileSync(fixture('table-curves.json'), 'utf8'));
    table.rows[1].curve[1] = { iterations: 100 };
    const path = join(mkdtempSync(join(tmpdir(), 'dniflow-table-plot-')), 'bad.json');
    writeFileSync(path, JSON.stringify(table));
    expect(() => exportTablePlot(path, 'svg')).toThrow(
      'row 2 curve point 2 needs numbers "iterations" and "test_error"',
    );
  });
});
