/**
 * The live dashboard: a page on 127.0.0.1 only, fed by Server-Sent Events. The trainer (or anything
 * else) calls `publish` with its events; every open page receives them, and a page opened late first
 * receives what it missed. `close()` ends the streams and stops the server with the run.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Network, NetworkPlan, TrainEvent } from '../../src/index.ts';
import { VizInputError } from '../errors.ts';
import { type DashboardFigure, dashboardHtml } from './page.ts';

const HOST = '127.0.0.1';
/** Batch and window events kept for late pages (epoch and figure events are all kept; message events are never replayed). */
const REPLAY_BATCHES = 5000;
const KEEP_ALIVE_MS = 15_000;

/** A message crossing an interface, for the animation (the `edge` is named `source->target`). */
export interface MessageEvent {
  type: 'message';
  edge: string;
  direction: 'forward' | 'backward';
  kind: string;
  step: number;
}

/** A module applied an update (optional: without these the page animates from batch events). */
export interface UpdateEvent {
  type: 'update';
  module: string;
  step: number;
}

/** A cluster's clock reached `tick` (multi-network systems, paper §3.3): its label shows the count. */
export interface ClockEvent {
  type: 'clock';
  cluster: string;
  tick: number;
}

/**
 * A recurrent module trained one more truncation window of `ticks` ticks (paper §3.2): the page
 * lights the window's ticks in turn, then sends the state across the loop to the next window and,
 * on a DNI loop, the synthetic gradient back. `window` counts the run's windows; `loss` is its loss.
 */
export interface WindowEvent {
  type: 'window';
  module: string;
  epoch: number;
  window: number;
  ticks: number;
  loss: number;
}

/** A stream-trained run's epoch (recurrent graphs): its figure of merit for the curve, and what the status line says. */
export interface FigureEvent {
  type: 'figure';
  epoch: number;
  value: number;
  status: string;
}

export type DashboardEvent = TrainEvent | MessageEvent | UpdateEvent | ClockEvent | WindowEvent | FigureEvent;

export interface DashboardOptions {
  /** TCP port on 127.0.0.1; 0 picks a free one. */
  port: number;
  network: Network;
  plan: NetworkPlan;
  title?: string;
  /** The per-epoch curve's name and axis, when it is not the test error (recurrent runs). */
  figure?: DashboardFigure;
}

export interface Dashboard {
  url: string;
  publish(event: DashboardEvent): void;
  close(): Promise<void>;
}

export class DashboardPortInUseError extends VizInputError {}

function sse(response: ServerResponse, event: DashboardEvent | { type: 'end' }): void {
  response.write(`data: ${JSON.stringify(event)}\n\n`);
}

export async function startDashboard(options: DashboardOptions): Promise<Dashboard> {
  const page = dashboardHtml(options.network, options.plan, options.title, options.figure);
  const clients = new Set<ServerResponse>();
  // Kept with their publication order, so that a late page replays them as they happened.
  let published = 0;
  const epochs: [number, DashboardEvent][] = [];
  const batches: [number, DashboardEvent][] = [];
  let ended = false;

  const server = createServer((request: IncomingMessage, response: ServerResponse) => {
    const path = (request.url ?? '/').split('?')[0];
    if (request.method !== 'GET') {
      response.writeHead(405).end();
    } else if (path === '/') {
      response
        .writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' })
        .end(page);
    } else if (path === '/favicon.ico') {
      response.writeHead(204).end();
    } else if (path === '/events') {
      response.writeHead(200, {
        'content-type': 'text/event-stream',
        'cache-control': 'no-store',
        connection: 'keep-alive',
      });
      response.write('retry: 1000\n\n');
      const replay = [...epochs, ...batches].sort((a, b) => a[0] - b[0]);
      for (const [, event] of replay) sse(response, event);
      if (ended) {
        sse(response, { type: 'end' });
        response.end();
        return;
      }
      clients.add(response);
      request.on('close', () => clients.delete(response));
    } else {
      response.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
    }
  });
  const keepAlive = setInterval(() => {
    for (const client of clients) client.write(': keep-alive\n\n');
  }, KEEP_ALIVE_MS);
  keepAlive.unref();

  await new Promise<void>((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) => {
      clearInterval(keepAlive);
      reject(
        error.code === 'EADDRINUSE'
          ? new DashboardPortInUseError(
              `dniflow/viz: port ${options.port} on ${HOST} is already in use (choose another with --port)`,
            )
          : error,
      );
    });
    server.listen(options.port, HOST, () => resolve());
  });
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://${HOST}:${port}/`,
    publish(event) {
      if (ended) return;
      if (event.type === 'epoch' || event.type === 'figure') epochs.push([published++, event]);
      else if (event.type === 'batch' || event.type === 'window') {
        batches.push([published++, event]);
        if (batches.length > REPLAY_BATCHES) batches.splice(0, batches.length - REPLAY_BATCHES);
      }
      for (const client of clients) sse(client, event);
    },
    close() {
      if (ended) return Promise.resolve();
      ended = true;
      clearInterval(keepAlive);
      for (const client of clients) {
        sse(client, { type: 'end' });
        client.end();
      }
      clients.clear();
      return new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}
