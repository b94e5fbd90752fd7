import { type ChildProcess, spawn } from 'node:child_process';
import { accessSync, constants, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';

/** No `nats-server` binary on this machine (scripts/setup.sh installs Debian's package). */
export class NatsServerMissingError extends Error {
  constructor() {
    super(
      'dniflow/runtime: nats-server is not installed; run scripts/setup.sh, or: apt-get install -y nats-server ' +
        '(or pass --nats-url to use a server elsewhere)',
    );
  }
}

/** Where the binary is: PATH, then Debian's /usr/sbin (not on a normal user's PATH). */
export function natsServerPath(): string | undefined {
  const dirs = [...(process.env.PATH ?? '').split(delimiter), '/usr/sbin', '/usr/local/sbin'];
  for (const dir of dirs) {
    if (!dir) continue;
    const path = join(dir, 'nats-server');
    try {
      accessSync(path, constants.X_OK);
      return path;
    } catch {}
  }
  return undefined;
}

export interface LocalNatsServer {
  url: string;
  pid: number;
  stop(): Promise<void>;
}

/**
 * Starts a nats-server for one run: bound to 127.0.0.1 only (nothing listens on a public address
 * unless a user runs a server of their own), on a port the server picks (`port: -1`, read back from
 * its log: no race for a free port), with `max_payload` raised so that most tensors fit one message
 * (larger ones are chunked anyway). Stopped by its own PID.
 */
export async function startNatsServer(
  options: {
    maxPayloadMB?: number;
    timeoutMs?: number;
    /** More configuration lines: an `authorization` block, an operator, etc. */
    config?: string;
  } = {},
): Promise<LocalNatsServer> {
  const binary = natsServerPath();
  if (binary === undefined) throw new NatsServerMissingError();
  const dir = mkdtempSync(join(tmpdir(), 'dniflow-nats-'));
  const config = join(dir, 'nats.conf');
  writeFileSync(
    config,
    `host: "127.0.0.1"\nport: -1\nmax_payload: ${options.maxPayloadMB ?? 8}MB\nmax_pending: 256MB\n${options.config ?? ''}`,
  );
  const child = spawn(binary, ['-c', config], { stdio: ['ignore', 'ignore', 'pipe'] });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const cleanUp = () => rmSync(dir, { recursive: true, force: true });
  try {
    const port = await listeningPort(child, options.timeoutMs ?? 10_000);
    return {
      url: `nats://127.0.0.1:${port}`,
      pid: child.pid!,
      async stop() {
        if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
        await exited;
        cleanUp();
      },
    };
  } catch (error) {
    child.kill('SIGKILL');
    await exited;
    cleanUp();
    throw error;
  }
}

/** The port from the server's "Listening for client connections on 127.0.0.1:PORT" line. */
function listeningPort(child: ChildProcess, timeoutMs: number): Promise<number> {
  return new Promise((resolve, reject) => {
    let log = '';
    const timer = setTimeout(
      () => reject(new Error(`dniflow/runtime: nats-server did not start within ${timeoutMs} ms:\n${log}`)),
      timeoutMs,
    );
    child.stderr!.setEncoding('utf8');
    child.stderr!.on('data', (text: string) => {
      log += text;
      const port = /Listening for client connections on [^\s]*:(\d+)/.exec(log);
      if (port && /Server is ready/.test(log)) {
        clearTimeout(timer);
        // Keep draining its log (a full pipe would block the server), without keeping it.
        child.stderr!.removeAllListeners('data');
        child.stderr!.resume();
        resolve(Number(port[1]));
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`dniflow/runtime: nats-server exited (code ${code}) before it was ready:\n${log}`));
    });
  });
}
