import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { PLOT_HELP } from '../../src/cli/plot.ts';
import { runMain } from '../helpers/run-main.ts';
import { attribute, elementsWithClass, groupMarkup } from './svg-helpers.ts';

const fixture = (name: string) => fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'dniflow-viz-text-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('dniflow plot on text runs', () => {
  it('plot DIR DIR --out f.html draws both runs in one page', async () => {
    const out = join(dir, 'lm.html');
    const result = await runMain('plot', fixture('run-text-bptt5'), fixture('run-text-dni5'), '--out', out);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toContain(`wrote ${out}`);
    const html = readFileSync(out, 'utf8');
    expect(html).toContain('dniflowPlotsView');
    const valid = groupMarkup(html, 'panel', 'Validation bits per character')!;
    expect(elementsWithClass(valid, 'series').map((tag) => attribute(tag, 'data-series'))).toEqual([
      'bptt T=5',
      'dni T=5',
    ]);
    expect(html).toContain('<title>char-lm: 2 runs — dniflow</title>');
  });

  it('refuses mixed kinds, and a table among other inputs, in one line with exit code 2', async () => {
    const mixed = await runMain(
      'plot',
      fixture('run-text-bptt5'),
      fixture('run-dni'),
      '--out',
      join(dir, 'x.svg'),
    );
    expect(mixed.code).toBe(2);
    expect(mixed.stderr.trim().split('\n')).toHaveLength(1);
    expect(mixed.stderr).toMatch(/plot several runs of one kind/);
    const table = await runMain(
      'plot',
      fixture('table.json'),
      fixture('run-text-bptt5'),
      '--out',
      join(dir, 'y.svg'),
    );
    expect(table.code).toBe(2);
    expect(table.stderr).toMatch(/plot draws one table file on its own/);
  });

  it('says in its help that several text runs are compared', () => {
    expect(PLOT_HELP).toMatch(/<run-dir> \[<run-dir> \.\.\.\]/);
    expect(PLOT_HELP).toMatch(/bits per character against characters seen/);
  });
});
