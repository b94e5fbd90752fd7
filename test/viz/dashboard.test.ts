import { get } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { validateNetwork } from '../../src/index.ts';
import {
  type Dashboard,
  type DashboardEvent,
  DashboardPortInUseError,
  startDashboard,
} from '../../viz/dashboard/server.ts';
import { allKindsNetwork } from './fixtures/networks.ts';

const network = allKindsNetwork();
const plan = validateNetwork(network);
const open: Dashboard[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((d) => d.close()));
});

async function start(port = 0): Promise<Dashboard> {
  const dashboard = await startDashboard({ port, network, plan });
  open.push(dashboard);
  return dashboard;
}

/** Reads `count` SSE data events from /events. */
function readEvents(url: string, count: number): Promise<unknown[]> {
  return new Promise((resolve, reject) => {
    const events: unknown[] = [];
    const request = get(`${url}events`, (response) => {
      expect(response.headers['content-type']).toBe('text/event-stream');
      let buffer = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => {
        buffer += chunk;
        let end = buffer.indexOf('\n\n');
        while (end >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const data = block.split('\n').find((line) => line.startsWith('data: '));
          if (data) events.push(JSON.parse(data.slice(6)));
          if (events.length === count) {
            request.destroy();
            resolve(events);
            return;
          }
          end = buffer.indexOf('\n\n');
        }
      });
      response.on('end', () => resolve(events));
    });
    request.on('error', reject);
  });
}

function fetchText(url: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    get(url, (response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => {
        body += chunk;
      });
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body }));
    }).on('error', reject);
  });
}

describe('dashboard server', () => {
  it('serves the page on 127.0.0.1 with the network drawn in it', async () => {
    const dashboard = await start();
    expect(dashboard.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    const page = await fetchText(dashboard.url);
    expect(page.status).toBe(200);
    expect(page.body).toContain('data-node="conv1"');
    expect(page.body).toContain('EventSource');
    expect((await fetchText(`${dashboard.url}nope`)).status).toBe(404);
  });

  it('streams published events, and replays the run to a page opened late', async () => {
    const dashboard = await start();
    const live = readEvents(dashboard.url, 3);
    await new Promise((resolve) => setTimeout(resolve, 50));
    dashboard.publish({ type: 'batch', epoch: 1, batch: 1, batches: 2, loss: 2.3 });
    dashboard.publish({
      type: 'message',
      edge: 'conv1->conv2',
      direction: 'backward',
      kind: 'synthetic',
      step: 1,
    });
    dashboard.publish({ type: 'batch', epoch: 1, batch: 2, batches: 2, loss: 1.9 });
    const received = await live;
    expect(received.map((e) => (e as { type: string }).type)).toEqual(['batch', 'message', 'batch']);
    dashboard.publish({
      type: 'epoch',
      epoch: 1,
      train_loss: 2.1,
      test_error: 50,
      seconds: 1,
      modules: [{ name: 'conv1', updates: 2 }],
      interfaces: [{ edge: 'conv1->conv2', kind: 'dni', sg_loss: 0.01, cosine: 0.5 }],
    } as DashboardEvent);
    // A late page gets the batches and the epoch, in order, but not the old message animations.
    const late = await readEvents(dashboard.url, 3);
    expect(late.map((e) => (e as { type: string }).type)).toEqual(['batch', 'batch', 'epoch']);
  });

  it('ends the streams and stops listening when closed', async () => {
    const dashboard = await start();
    const stream = readEvents(dashboard.url, 2);
    await new Promise((resolve) => setTimeout(resolve, 50));
    dashboard.publish({ type: 'batch', epoch: 1, batch: 1, batches: 1, loss: 1 });
    await dashboard.close();
    expect((await stream).map((e) => (e as { type: string }).type)).toEqual(['batch', 'end']);
    await expect(fetchText(dashboard.url)).rejects.toThrow(/ECONNREFUSED/);
  });

  it('says clearly when the port is already in use', async () => {
    const first = await start();
    const port = Number(new URL(first.url).port);
    const attempt = startDashboard({ port, network, plan });
    await expect(attempt).rejects.toBeInstanceOf(DashboardPortInUseError);
    await expect(attempt).rejects.toThrow(`port ${port} on 127.0.0.1 is already in use`);
  });
});
