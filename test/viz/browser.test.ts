/**
 * End to end in headless Chromium: the HTML pages and the live dashboard as a person sees them.
 * Screenshots land in artifacts/viz/ (gitignored) for a human to look at.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Network, validateNetwork } from '../../src/index.ts';
import { startDashboard } from '../../viz/dashboard/server.ts';
import { exportNetwork } from '../../viz/export-network.ts';
import { exportRunPlots, exportTablePlot } from '../../viz/export-plots.ts';
import { chromiumSkipReason, launchChromium } from './chromium.ts';
import { allKindsNetwork, branchingNetwork, twoClusterNetwork } from './fixtures/networks.ts';
import { buildGraphFile, graphFiles } from './graph-files.ts';

const ARTIFACTS = fileURLToPath(new URL('../../artifacts/viz/', import.meta.url));
const fixture = (name: string) => fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url));
const skipReason = chromiumSkipReason();
if (skipReason) console.warn(`dniflow viz: ${skipReason}`);

describe.skipIf(skipReason !== undefined)('in headless chromium', () => {
  let browser: Browser;
  beforeAll(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
  });

  async function openPage(file: string, content: string, width = 1400, height = 800): Promise<Page> {
    const path = `${ARTIFACTS}${file}`;
    writeFileSync(path, content);
    const page = await browser.newPage({ viewport: { width, height } });
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));
    await page.goto(pathToFileURL(path).href);
    expect(errors).toEqual([]);
    return page;
  }

  function parseErrors(page: Page, svg: string): Promise<number> {
    return page.evaluate(
      (text) =>
        new DOMParser().parseFromString(text, 'image/svg+xml').getElementsByTagName('parsererror').length,
      svg,
    );
  }

  /** The SVG as an image of its own (inside a bare page), screenshotted whole. */
  async function svgScreenshot(name: string, network: Network): Promise<Page> {
    const svg = exportNetwork(network, validateNetwork(network), 'svg');
    const page = await browser.newPage({ viewport: { width: 1200, height: 400 } });
    await page.setContent(`<html><body style="margin:0">${svg.replace(/^<\?xml[^>]*>/, '')}</body></html>`);
    // The same markup parses as standalone XML (what an SVG viewer does).
    const xmlErrors = await page.evaluate(
      (text) =>
        new DOMParser().parseFromString(text, 'image/svg+xml').getElementsByTagName('parsererror').length,
      svg,
    );
    expect(xmlErrors).toBe(0);
    await page.screenshot({ path: `${ARTIFACTS}${name}.svg.png`, fullPage: true });
    return page;
  }

  it.each(graphFiles())(
    '%s: the HTML page draws every node, shows hover details, and zooms',
    async (file) => {
      const { network, plan } = await buildGraphFile(file);
      const name = file.replace(/\.ts$/, '');
      const page = await openPage(`${name}.html`, exportNetwork(network, plan, 'html'));
      expect(await page.locator('#picture g.node').count()).toBe(network.order);
      expect(await page.locator('#picture g.edge').count()).toBe(network.size);
      // The SVG export parses as standalone XML (what an SVG viewer does).
      expect(await parseErrors(page, exportNetwork(network, plan, 'svg'))).toBe(0);

      const module = plan.order.find((id) => network.getNodeAttributes(id).kind === 'module')!;
      // Near the box's corner: a recurrent module draws its window marker across the centre.
      await page.hover(`g.node[data-node="${module}"] rect`, { position: { x: 6, y: 6 } });
      const tooltip = page.locator('#tooltip');
      await expect.poll(() => tooltip.isVisible()).toBe(true);
      expect(await tooltip.textContent()).toContain('layer 1');
      expect(await tooltip.textContent()).toContain(`[${plan.outputShapes.get(module)!.join('×')}]`);

      const edge = network.edges()[0];
      const edgeName = `${network.source(edge)}->${network.target(edge)}`;
      await page.hover(`g.edge[data-edge="${edgeName}"] text.edge-shape`);
      await expect.poll(() => tooltip.textContent()).toContain('interface');
      expect(await tooltip.textContent()).toContain(edgeName);

      await page.screenshot({ path: `${ARTIFACTS}${name}.png` });
      const box = (await page.locator('#picture svg').boundingBox())!;
      await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
      await page.mouse.wheel(0, -400);
      await expect
        .poll(() => page.locator('#picture g.viewport').getAttribute('transform'))
        .toMatch(/scale\(/);
      await page.close();
    },
  );

  it('renders the fixtures: every interface kind, a branching network, and two clustered networks', async () => {
    for (const [name, build] of [
      ['all-kinds', allKindsNetwork],
      ['branching', branchingNetwork],
      ['two-clusters', twoClusterNetwork],
    ] as const) {
      const network = build();
      const page = await svgScreenshot(name, network);
      // The GEXF export is well-formed XML with every node and edge.
      const gexf = exportNetwork(network, validateNetwork(network), 'gexf');
      const counts = await page.evaluate((text) => {
        const xml = new DOMParser().parseFromString(text, 'application/xml');
        return [
          xml.getElementsByTagName('parsererror').length,
          xml.getElementsByTagName('node').length,
          xml.getElementsByTagName('edge').length,
        ];
      }, gexf);
      expect(counts).toEqual([0, network.order, network.size]);
      const strokes = await page.evaluate(() =>
        Array.from(document.querySelectorAll('g.edges g.edge')).map((g) => ({
          kind: g.getAttribute('data-kind'),
          stroke: getComputedStyle(g.querySelector('path.edge-line')!).stroke,
        })),
      );
      const byKind = new Map(strokes.map((s) => [s.kind, s.stroke]));
      if (name === 'all-kinds') {
        expect(byKind.size).toBe(6);
        expect(new Set(byKind.values()).size).toBe(6); // each kind in its own colour
        expect(byKind.get('backprop')).toBe('rgb(31, 31, 31)');
      }
      await page.close();
    }
  });

  it('the dashboard draws live curves, animates messages and stops with the run', async () => {
    const network = allKindsNetwork();
    const dashboard = await startDashboard({
      port: 0,
      network,
      plan: validateNetwork(network),
      title: 'all-kinds',
    });
    const page = await browser.newPage({ viewport: { width: 1300, height: 900 } });
    try {
      await page.goto(dashboard.url);
      await page.waitForFunction(() => 'dniflowDashboard' in window);
      const lossPath = () => page.locator('#loss-chart path.series-line').getAttribute('d');
      for (let batch = 1; batch <= 10; batch++) {
        dashboard.publish({ type: 'batch', epoch: 1, batch, batches: 20, loss: 2.3 / Math.sqrt(batch) });
      }
      await expect.poll(lossPath).toMatch(/^M.+L/);
      const first = await lossPath();
      for (let batch = 11; batch <= 20; batch++) {
        dashboard.publish({ type: 'batch', epoch: 1, batch, batches: 20, loss: 2.3 / Math.sqrt(batch) });
      }
      await expect.poll(lossPath).not.toBe(first);
      expect(
        await page.evaluate(
          () =>
            (window as unknown as { dniflowDashboard: { batches: unknown[] } }).dniflowDashboard.batches
              .length,
        ),
      ).toBe(20);

      dashboard.publish({
        type: 'epoch',
        epoch: 1,
        train_loss: 0.9,
        test_error: 12.5,
        seconds: 3,
        train_seconds: 1,
        modules: [{ name: 'conv1', updates: 20 }],
        interfaces: [],
      } as Parameters<typeof dashboard.publish>[0]);
      await expect.poll(() => page.locator('#error-chart circle').count()).toBe(1);
      await expect
        .poll(() => page.locator('g.node[data-node="conv1"] text.update-count').textContent())
        .toBe('20 updates');
      expect(await page.locator('#status').textContent()).toContain('test error 12.50%');

      dashboard.publish({
        type: 'message',
        edge: 'conv1->conv2',
        direction: 'backward',
        kind: 'synthetic',
        step: 21,
      });
      dashboard.publish({
        type: 'message',
        edge: 'fc1->fc2',
        direction: 'forward',
        kind: 'activation',
        step: 21,
      });
      await expect.poll(() => page.locator('circle.packet').count()).toBeGreaterThan(0);
      await page.waitForTimeout(120);
      await page.screenshot({ path: `${ARTIFACTS}dashboard.png` });

      await dashboard.close();
      await expect.poll(() => page.locator('#status').textContent()).toContain('run finished');
    } finally {
      await dashboard.close();
      await page.close();
    }
  });

  it('the dashboard of a multi-network run counts each cluster’s clock and moves A’s messages to B', async () => {
    const network = twoClusterNetwork();
    const dashboard = await startDashboard({
      port: 0,
      network,
      plan: validateNetwork(network),
      title: 'two',
    });
    const page = await browser.newPage({ viewport: { width: 1300, height: 900 } });
    try {
      await page.goto(dashboard.url);
      await page.waitForFunction(() => 'dniflowDashboard' in window);
      const label = (cluster: string) =>
        page.locator(`g.cluster[data-cluster="${cluster}"] text.cluster-label`).textContent();
      dashboard.publish({ type: 'clock', cluster: 'network A', tick: 16 });
      dashboard.publish({ type: 'clock', cluster: 'network B', tick: 4 });
      await expect.poll(() => label('network A')).toBe('network A  ·  clock: every 1 tick  ·  tick 16');
      await expect.poll(() => label('network B')).toBe('network B  ·  clock: every 4 ticks  ·  tick 4');
      dashboard.publish({ type: 'clock', cluster: 'network B', tick: 5 });
      await expect.poll(() => label('network B')).toBe('network B  ·  clock: every 4 ticks  ·  tick 5');
      expect(await page.locator('#status').textContent()).toBe('network A: tick 16 · network B: tick 5');
      dashboard.publish({
        type: 'message',
        edge: 'coreA->coreB',
        direction: 'forward',
        kind: 'activation',
        step: 8,
      });
      await expect.poll(() => page.locator('circle.packet').count()).toBeGreaterThan(0);
      await page.screenshot({ path: `${ARTIFACTS}dashboard-two-clocks.png` });
    } finally {
      await dashboard.close();
      await page.close();
    }
  });

  it('the plots page shows values on hover', async () => {
    const page = await openPage('plots.html', exportRunPlots(fixture('run-dni'), 'html'), 1120, 1040);
    await page.hover('g.panel[data-panel="Train loss"] circle.point >> nth=0');
    await expect.poll(() => page.locator('#tooltip').textContent()).toContain('Train loss: 0.412 at epoch 1');
    await page.screenshot({ path: `${ARTIFACTS}plots.png`, fullPage: true });
    await page.close();
    const table = await openPage('table.html', exportTablePlot(fixture('table.json'), 'html'), 900, 460);
    expect(await table.locator('g.bar').count()).toBe(12);
    await table.screenshot({ path: `${ARTIFACTS}table.png`, fullPage: true });
    await table.close();
  });
});
