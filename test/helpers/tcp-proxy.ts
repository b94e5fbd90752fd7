import { createConnection, createServer, type Socket } from 'node:net';

export interface TcpProxy {
  /** nats://127.0.0.1:PORT, to give a client instead of the upstream's URL. */
  url: string;
  /** A network partition: every connection stays open but nothing more crosses, either way. */
  blackhole(): void;
  /** Every connection through the proxy is reset, as by a failing link or a restarted router. */
  cut(): void;
  close(): Promise<void>;
}

/**
 * A TCP relay on 127.0.0.1 in front of a NATS server, so a test can take one process's
 * connection away (silently, or with a reset) while the server and every other process carry on.
 */
export async function startTcpProxy(upstreamUrl: string): Promise<TcpProxy> {
  const upstream = new URL(upstreamUrl);
  const pairs: [Socket, Socket][] = [];
  const server = createServer((client) => {
    const remote = createConnection({ host: upstream.hostname, port: Number(upstream.port) });
    // Errors after a cut or at teardown are expected; without listeners they would throw.
    client.on('error', () => undefined);
    remote.on('error', () => undefined);
    client.pipe(remote);
    remote.pipe(client);
    pairs.push([client, remote]);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('test proxy: no port');
  return {
    url: `nats://127.0.0.1:${address.port}`,
    blackhole() {
      for (const [client, remote] of pairs) {
        client.unpipe(remote);
        remote.unpipe(client);
        client.pause();
        remote.pause();
      }
    },
    cut() {
      for (const [client, remote] of pairs) {
        client.resetAndDestroy();
        remote.destroy();
      }
    },
    async close() {
      for (const [client, remote] of pairs) {
        client.destroy();
        remote.destroy();
      }
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
