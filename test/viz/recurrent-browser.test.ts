/** The recurrent pictures in headless Chromium: the state loop's hover details, the recurrent plot pages. */
import { mkdirSync, writeFileSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recurrentFigure } from '../../src/cli/recurrent-dashboard.ts';
import { type GraphDefinition, resolveParams, validateNetwork } from '../../src/index.ts';
import { startDashboard } from '../../viz/dashboard/server.ts';
import { exportNetwork } from '../../viz/export-network.ts';
import { exportRunPlots, exportTablePlot } from '../../viz/export-plots.ts';
import { chromiumSkipReason, launchChromium } from './chromium.ts';

const ARTIFACTS = fileURLToPath(new URL('../../artifacts/viz/', import.meta.url));
const fixture = (name: string) => fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url));
const skipReason = chromiumSkipReason();
if (skipReason) console.warn(`dniflow viz: ${skipReason}`);

describe.skipIf(skipReason !== undefined)('recurrent pages in headless chromium', () => {
  let browser: Browser;
  beforeAll(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
  });

  async function openPage(file: string, content: string, width: number, height: number): Promise<Page> {
    const path = `${ARTIFACTS}${file}`;
    writeFileSync(path, content);
    const page = await browser.newPage({ viewport: { width, height } });
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));
    await page.goto(pathToFileURL(path).href);
    expect(errors).toEqual([]);
    return page;
  }

  it('hovering the DNI + Aux state loop shows its method, window, scale, γ and aux head', async () => {
    const { default: definition } = (await import('../../graphs/repeat-copy.ts')) as {
      default: GraphDefinition;
    };
    const network = definition.build(resolveParams(definition, { method: 'dni-aux' }));
    const page = await openPage(
      'repeat-copy-dni-aux.html',
      exportNetwork(network, validateNetwork(network), 'html'),
      1200,
      500,
    );
    await page.hover('g.edge[data-edge="core->core@1"] text.edge-shape');
    const tooltip = page.locator('#tooltip');
    await expect.poll(() => tooltip.textContent()).toContain('state loop');
    const text = (await tooltip.textContent()) ?? '';
    for (const part of [
      'DNI + Aux',
      '1 window (T = 3 ticks)',
      'SG scale',
      '0.1',
      'SG bootstrap γ',
      'SG aux head',
    ])
      expect(text).toContain(part);
    await page.screenshot({ path: `${ARTIFACTS}repeat-copy-dni-aux.png` });
    await page.close();
  });

  it('the dashboard of a recurrent run lights a window’s ticks in turn and sends the state round the loop', async () => {
    const { default: definition } = (await import('../../graphs/repeat-copy.ts')) as {
      default: GraphDefinition;
    };
    const network = definition.build(resolveParams(definition, { method: 'dni' }));
    const dashboard = await startDashboard({
      port: 0,
      network,
      plan: validateNetwork(network),
      title: 'repeat-copy',
      figure: recurrentFigure(false),
    });
    const page = await browser.newPage({ viewport: { width: 1300, height: 900 } });
    try {
      await page.goto(dashboard.url);
      await page.waitForFunction(() => 'dniflowDashboard' in window);
      expect(await page.locator('#error-chart h2').textContent()).toBe(
        'Training error per epoch (bits per target tick)',
      );
      // Record which tick slots are lit, frame by frame, while one window animates.
      await page.evaluate(() => {
        const seen: string[] = [];
        (window as unknown as { litSeen: string[] }).litSeen = seen;
        const watch = () => {
          for (const slot of Array.from(
            document.querySelectorAll('g.node[data-node="core"] rect.window-tick.lit'),
          ))
            if (!seen.includes(slot.getAttribute('data-tick')!)) seen.push(slot.getAttribute('data-tick')!);
          requestAnimationFrame(watch);
        };
        watch();
      });
      dashboard.publish({ type: 'window', module: 'core', epoch: 1, window: 1, ticks: 3, loss: 0.7 });
      const lit = () => page.evaluate(() => (window as unknown as { litSeen: string[] }).litSeen.join(','));
      await expect.poll(lit).toBe('0,1,2');
      // The state crosses to the next window, and the synthetic gradient comes back (DNI loop).
      await expect
        .poll(() => page.locator('circle.packet-backward').count(), { timeout: 2000 })
        .toBeGreaterThan(0);
      expect(await page.locator('#status').textContent()).toBe('epoch 1 · window 1 (T=3) · loss 0.7000');
      dashboard.publish({ type: 'window', module: 'core', epoch: 1, window: 2, ticks: 3, loss: 0.6 });
      await expect
        .poll(() => page.locator('#loss-chart path.series-line').getAttribute('d'))
        .toMatch(/^M.+L/);
      dashboard.publish({ type: 'figure', epoch: 1, value: 0.42, status: 'epoch 1  solved 4' });
      await expect.poll(() => page.locator('#error-chart circle').count()).toBe(1);
      expect(await page.locator('#status').textContent()).toBe('epoch 1  solved 4');
      await page.screenshot({ path: `${ARTIFACTS}dashboard-recurrent.png` });
    } finally {
      await dashboard.close();
      await page.close();
    }
  });

  it('the recurrent run and table pages show values on hover', async () => {
    const page = await openPage(
      'plots-recurrent.html',
      exportRunPlots(fixture('run-recurrent-aux'), 'html'),
      1120,
      720,
    );
    await page.hover('g.panel[data-panel="Task length"] circle.point >> nth=3');
    await expect
      .poll(() => page.locator('#tooltip').textContent())
      .toContain('largest length solved: 7 at ticks seen 1200');
    await page.screenshot({ path: `${ARTIFACTS}plots-recurrent.png`, fullPage: true });
    await page.close();
    const table = await openPage(
      'table-recurrent.html',
      exportTablePlot(fixture('table-recurrent.json'), 'html'),
      920,
      960,
    );
    expect(await table.locator('g.bar').count()).toBe(7);
    expect(await table.locator('g.panel').count()).toBe(4);
    await table.hover('g.bar[data-group="repeat-copy T=3"][data-key="dni"] rect');
    await expect.poll(() => table.locator('#tooltip').textContent()).toContain('solved 10 (paper 33)');
    await table.screenshot({ path: `${ARTIFACTS}table-recurrent.png`, fullPage: true });
    await table.close();
  });
});
