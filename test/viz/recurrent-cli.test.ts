import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { PLOT_HELP } from '../../src/cli/plot.ts';
import { runMain } from '../helpers/run-main.ts';
import { attribute, elementsWithClass, groupMarkup } from './svg-helpers.ts';

const fixture = (name: string) => fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'dniflow-viz-recurrent-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('dniflow viz and plot on recurrent graphs, runs and tables', () => {
  it('viz graphs/repeat-copy.ts draws the window and the DNI + Aux state loop', async () => {
    const out = join(dir, 'repeat-copy.svg');
    const result = await runMain('viz', 'graphs/repeat-copy.ts', '--set', 'method=dni-aux', '--out', out);
    expect(result.code, result.stderr).toBe(0);
    const svg = readFileSync(out, 'utf8');
    expect(svg).toContain('LSTM 256 · T=3');
    // The legend draws a window marker and an aux tag too; count those on the drawing.
    expect(elementsWithClass(groupMarkup(svg, 'node', 'core')!, 'window-marker')).toHaveLength(1);
    expect(elementsWithClass(svg, 'state-loop')).toHaveLength(1);
    expect(elementsWithClass(groupMarkup(svg, 'edge', 'core->core@1')!, 'aux-tag')).toHaveLength(1);
  });

  it('plot DIR on a recurrent run writes the recurrent panels', async () => {
    const out = join(dir, 'run.svg');
    const result = await runMain('plot', fixture('run-recurrent-aux'), '--out', out);
    expect(result.code, result.stderr).toBe(0);
    const panels = elementsWithClass(readFileSync(out, 'utf8'), 'panel').map((t) =>
      attribute(t, 'data-panel'),
    );
    expect(panels[0]).toBe('Task length');
  });

  it('plot table-recurrent.json writes bars and curves', async () => {
    const out = join(dir, 'table.html');
    const result = await runMain('plot', fixture('table-recurrent.json'), '--out', out);
    expect(result.code, result.stderr).toBe(0);
    const html = readFileSync(out, 'utf8');
    expect(html).toContain('dniflow-table-recurrent');
    expect(html).toContain('copy T=3: length solved');
  });

  it('reports a malformed recurrent run or table in one line with exit code 2', async () => {
    const table = join(dir, 'broken.json');
    writeFileSync(table, JSON.stringify({ kind: 'recurrent', settings: {}, rows: [{ task: 'copy' }] }));
    const bad = await runMain('plot', table, '--out', join(dir, 'x.svg'));
    expect(bad.code).toBe(2);
    expect(bad.stderr.trim().split('\n')).toHaveLength(1);
    expect(bad.stderr).toMatch(/broken\.json: row 1 needs "task" and "method"/);
  });

  it('says in its help that plot draws recurrent runs and tables', () => {
    expect(PLOT_HELP).toMatch(/recurrent run/);
    expect(PLOT_HELP).toMatch(/recurrent table/);
  });
});
