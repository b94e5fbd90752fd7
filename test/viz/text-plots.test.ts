import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { VizInputError } from '../../viz/errors.ts';
import { exportRunPlots } from '../../viz/export-plots.ts';
import { readRunFiles } from '../../viz/metrics.ts';
import { RECURRENT_PANELS } from '../../viz/recurrent-plots.ts';
import { runKind } from '../../viz/run-kind.ts';
import { parseTextMetrics } from '../../viz/text-metrics.ts';
import { TEXT_PANELS } from '../../viz/text-plots.ts';
import { attribute, elementsWithClass, groupMarkup } from './svg-helpers.ts';

// Fixtures: the first epochs of real `dniflow train graphs/char-lm.ts` runs (run.json without its network).
const fixture = (name: string) => fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url));
const [BPTT5, BPTT20, DNI5] = ['run-text-bptt5', 'run-text-bptt20', 'run-text-dni5'].map(fixture);
const scratch = mkdtempSync(join(tmpdir(), 'dniflow-viz-text-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const panelsOf = (svg: string) => elementsWithClass(svg, 'panel').map((tag) => attribute(tag, 'data-panel'));
const seriesOf = (panel: string) =>
  elementsWithClass(panel, 'series').map((tag) => attribute(tag, 'data-series'));
const panel = (svg: string, name: string) => groupMarkup(svg, 'panel', name)!;
const pointsOf = (panel: string, series: string) =>
  elementsWithClass(groupMarkup(panel, 'series', series)!, 'point');
const [VALID, VALID_TIME, TRAIN, COSINE] = TEXT_PANELS;

/** A copy of a run fixture with its run.json or metrics.jsonl replaced. */
function variant(dir: string, files: { run?: unknown; metrics?: string }): string {
  const copy = join(scratch, Math.random().toString(36).slice(2));
  cpSync(dir, copy, { recursive: true });
  if (files.run !== undefined) writeFileSync(join(copy, 'run.json'), JSON.stringify(files.run));
  if (files.metrics !== undefined) writeFileSync(join(copy, 'metrics.jsonl'), files.metrics);
  return copy;
}

describe('text run plots', () => {
  it('draws one run: validation bpc against characters and seconds, training bpc; no SG panel under BPTT', () => {
    const svg = exportRunPlots(BPTT5, 'svg');
    expect(panelsOf(svg)).toEqual([VALID, VALID_TIME, TRAIN]); // the run has no SG cosine to draw
    expect(seriesOf(panel(svg, VALID))).toEqual(['bptt T=5']);
    expect(pointsOf(panel(svg, VALID), 'bptt T=5')).toHaveLength(4);
    expect(panel(svg, VALID)).toContain('bptt T=5: 3.205 (characters seen 128000)');
    expect(panel(svg, VALID_TIME)).toContain('bptt T=5: 3.205 (seconds 41.4)');
    expect(panel(svg, TRAIN)).toContain('bptt T=5: 4.327 (characters seen 32000)');
    expect(svg).toContain(
      'bptt · T=5 · 1000 ticks per epoch · best validation 3.205 bits/char after 128000 chars',
    );
    // Not the Copy or feed-forward panels, which is what the "needs a number ticks" error used to mean.
    expect(svg).not.toContain(RECURRENT_PANELS[0]);
    expect(svg).not.toContain('Train loss');
  });

  it('draws several runs in one picture, a line per run labelled by method and T, with the SG cosine of those that have one', () => {
    const svg = exportRunPlots([BPTT5, BPTT20, DNI5], 'svg');
    expect(panelsOf(svg)).toEqual([...TEXT_PANELS]);
    for (const name of [VALID, VALID_TIME, TRAIN]) {
      expect(seriesOf(panel(svg, name))).toEqual(['bptt T=5', 'bptt T=20', 'dni T=5']);
    }
    // Each run keeps its own number of epochs and its own colour in every panel.
    expect(pointsOf(panel(svg, VALID), 'bptt T=20')).toHaveLength(3);
    expect(pointsOf(panel(svg, VALID), 'dni T=5')).toHaveLength(4);
    const colours = (name: string) =>
      elementsWithClass(panel(svg, name), 'series-line').map((tag) => attribute(tag, 'stroke'));
    expect(new Set(colours(VALID)).size).toBe(3);
    expect(colours(TRAIN)).toEqual(colours(VALID));
    expect(panel(svg, VALID)).toContain('bptt T=20: 3.742 (characters seen 96000)');
    expect(panel(svg, VALID_TIME)).toContain('dni T=5: 3.259 (seconds 15.35)');
    expect(panel(svg, TRAIN)).toContain('dni T=5: 3.278 (characters seen 128000)');
    const cosine = panel(svg, COSINE);
    expect(seriesOf(cosine)).toEqual(['dni T=5']); // BPTT measures no synthetic gradient
    expect(cosine).toContain('dni T=5: 0.02136 (characters seen 32000)');
    expect(attribute(elementsWithClass(cosine, 'series-line')[0], 'stroke')).toBe(colours(VALID)[2]);
    expect(svg).toContain('char-lm: 3 runs');
    expect(svg).toContain('best validation bits/char: bptt T=5 3.205 · bptt T=20 3.742 · dni T=5 3.259');
  });

  it('writes HTML with hover values for several runs', () => {
    const html = exportRunPlots([BPTT5, DNI5], 'html');
    expect(html).toContain('dniflowPlotsView');
    expect(html).toContain('data-label="dni T=5: 3.259 at characters seen 128000"');
    expect(html).not.toMatch(/<script[^>]+src=/);
  });

  it('tells two runs of one setting apart by folder, and uses the folder when run.json names no method', () => {
    const again = variant(BPTT5, {});
    const svg = exportRunPlots([BPTT5, again], 'svg');
    expect(seriesOf(panel(svg, VALID))).toEqual([
      'bptt T=5 (run-text-bptt5)',
      `bptt T=5 (${again.split('/').pop()})`,
    ]);
    const bare = variant(BPTT20, { run: { graph: 'char-lm' } });
    expect(seriesOf(panel(exportRunPlots([BPTT5, bare], 'svg'), VALID))).toEqual([
      'bptt T=5',
      bare.split('/').pop(),
    ]);
  });

  it('detects a text run from "task", or from its fields in lines written before "task"', () => {
    expect(runKind(readRunFiles(BPTT5))).toBe('text');
    expect(runKind(readRunFiles(fixture('run-recurrent-aux')))).toBe('copy');
    expect(runKind(readRunFiles(fixture('run-dni')))).toBe('feed-forward');
    const lines = readFileSync(join(BPTT5, 'metrics.jsonl'), 'utf8').trim().split('\n');
    const untagged = lines.map((l) => JSON.stringify({ ...JSON.parse(l), task: undefined })).join('\n');
    const old = variant(BPTT5, { metrics: untagged });
    expect(runKind(readRunFiles(old))).toBe('text');
    expect(panelsOf(exportRunPlots(old, 'svg'))).toEqual([VALID, VALID_TIME, TRAIN]);
    const odd = variant(BPTT5, { metrics: lines[0].replace('"task":"text"', '"task":"poetry"') });
    expect(() => runKind(readRunFiles(odd))).toThrow(/line 1: unknown "task" "poetry"/);
  });

  it('refuses to mix run kinds, and draws Copy runs one at a time', () => {
    for (const other of ['run-recurrent-aux', 'run-dni']) {
      expect(() => exportRunPlots([BPTT5, fixture(other)], 'svg')).toThrow(VizInputError);
      expect(() => exportRunPlots([BPTT5, fixture(other)], 'svg')).toThrow(/plot several runs of one kind/);
    }
    expect(() => exportRunPlots([BPTT5, fixture('run-dni')], 'svg')).toThrow(/run-dni is feed-forward/);
    const copies = [fixture('run-recurrent-aux'), fixture('run-recurrent-bptt')];
    expect(() => exportRunPlots(copies, 'svg')).toThrow(
      /only text and multi-network runs are drawn together; plot copy runs one at a time/,
    );
    // One Copy run and one feed-forward run are drawn as before.
    expect(panelsOf(exportRunPlots([copies[0]], 'svg'))).toEqual([...RECURRENT_PANELS]);
    expect(panelsOf(exportRunPlots(fixture('run-dni'), 'svg'))[0]).toBe('Train loss');
  });

  it('rejects malformed text metrics, naming the file, line and field', () => {
    const line = JSON.parse(readFileSync(join(DNI5, 'metrics.jsonl'), 'utf8').split('\n')[0]);
    const text = (change: Record<string, unknown>) => JSON.stringify({ ...line, ...change });
    expect(() => parseTextMetrics(text({ valid_bpc: undefined }), 'm.jsonl')).toThrow(
      'dniflow/viz: m.jsonl line 1: a text epoch line needs a number "valid_bpc"',
    );
    expect(() => parseTextMetrics(`${text({})}\n\n${text({ chars: '64000' })}`, 'm.jsonl')).toThrow(
      'dniflow/viz: m.jsonl line 3: a text epoch line needs a number "chars"',
    );
    expect(() => parseTextMetrics(text({ sg_cosine: 'high' }), 'm.jsonl')).toThrow(
      'dniflow/viz: m.jsonl line 1: "sg_cosine" must be a number or null, got "high"',
    );
    // Through a run folder: the error names the folder's metrics.jsonl.
    const broken = variant(DNI5, { metrics: `${text({})}\n${text({ train_bpc: null })}\n` });
    expect(() => exportRunPlots([BPTT5, broken], 'svg')).toThrow(VizInputError);
    expect(() => exportRunPlots([BPTT5, broken], 'svg')).toThrow(
      `dniflow/viz: ${join(broken, 'metrics.jsonl')} line 2: a text epoch line needs a number "train_bpc"`,
    );
    const empty = variant(DNI5, { metrics: '' });
    expect(() => exportRunPlots([BPTT5, empty], 'svg')).toThrow(/has no epoch lines yet/);
  });
});
