import { randomInt } from 'node:crypto';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { Chunker, Reassembler } from './chunks.ts';
import { type NatsAuth, natsAuth } from './credentials.ts';
import { decode, encode } from './wire.ts';

/** A --nats-url that is not a nats:// URL (a usage mistake). */
export class NatsUrlError extends Error {}

/** No NATS server answered at the URL. */
export class NatsUnreachableError extends Error {}

/** A run id becomes a subject token: letters, digits, '-' and '_' only. */
export function checkRunId(run: string): string {
  if (!/^[A-Za-z0-9_-]{1,64}$/.test(run))
    throw new NatsUrlError(`dniflow/runtime: a run id is 1 to 64 letters, digits, '-' or '_', got '${run}'`);
  return run;
}

/**
 * The subjects of one run. Work for a partition goes to `dniflow.RUN.pI.e.EDGE.DIRECTION`: one
 * subject per edge and direction, so `nats sub 'dniflow.RUN.*.e.layer1-to-layer2.>'` watches an
 * edge; the partition token comes first because the placement, not the edge alone, decides which
 * process takes a message (the two halves of a split edge live apart), and it lets each process
 * take all its work with one wildcard subscription, in the order it was published.
 */
export function subjects(run: string) {
  const base = `dniflow.${checkRunId(run)}`;
  return {
    /** Everything for partition `index`. */
    partition: (index: number) => `${base}.p${index}.>`,
    work: (index: number, edge: string, direction: string) =>
      `${base}.p${index}.e.${edge.replace('->', '-to-').replace(/[^A-Za-z0-9_-]/g, '_')}.${direction}`,
    control: (index: number) => `${base}.p${index}.ctl`,
    /** Partitions to the coordinator: joins, heartbeats, results, answers. */
    coordinator: `${base}.coord`,
    /** The coordinator to every partition: heartbeats, stop. */
    all: `${base}.all`,
  };
}

/** The server's address in `url`, without credentials: for messages and logs. */
export function serverOf(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.protocol}//${parsed.hostname}:${parsed.port || '4222'}`;
  } catch {
    return '(a malformed URL)';
  }
}

/**
 * Connects without reconnecting: a lost connection ends the process's part in the run at once.
 * `creds` is a NATS credentials file (natsAuth), instead of credentials in the URL.
 */
export async function connectNats(url: string, name: string, creds?: string): Promise<NatsConnection> {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new NatsUrlError(`dniflow/runtime: '${url}' is not a URL (expected nats://HOST:PORT)`);
  }
  if (parsed.protocol !== 'nats:' && parsed.protocol !== 'tls:')
    throw new NatsUrlError(`dniflow/runtime: '${url}' is not a nats:// URL`);
  let auth: NatsAuth;
  try {
    auth = natsAuth(parsed, creds);
  } catch (error) {
    throw new NatsUrlError((error as Error).message);
  }
  const server = serverOf(url);
  try {
    return await connect({ servers: server, name, reconnect: false, timeout: 5000, ...auth });
  } catch (error) {
    const why = (error as Error).message;
    // The server answered but refused: a different fix (credentials) from an unreachable one.
    if (/authori[sz]ation|authentication/i.test(why))
      throw new NatsUnreachableError(
        `dniflow/runtime: the NATS server at ${server} refused ${Object.keys(auth).length > 0 ? 'the credentials given' : 'a client without credentials'} (${why})`,
      );
    throw new NatsUnreachableError(`dniflow/runtime: cannot reach the NATS server at ${server}: ${why}`);
  }
}

/** Plain-data messages over one connection: encoded (wire.ts), chunked to the server's max_payload. */
export class NatsLink {
  private readonly chunker: Chunker;

  constructor(readonly connection: NatsConnection) {
    this.chunker = new Chunker(randomInt(2 ** 32), connection.info?.max_payload ?? 1024 * 1024);
  }

  publish(subject: string, message: unknown): void {
    for (const chunk of this.chunker.split(encode(message))) this.connection.publish(subject, chunk);
  }

  /**
   * Publishes, or returns false when the connection has closed: the client throws on a closed
   * connection before its `closed()` promise settles, so a publish can be the first to see the
   * server gone, and the caller should report that as its lost server, not as a raw client error.
   */
  publishUnlessClosed(subject: string, message: unknown): boolean {
    try {
      this.publish(subject, message);
      return true;
    } catch (error) {
      if (!this.connection.isClosed()) throw error;
      return false;
    }
  }

  /** `handle` runs synchronously for each whole message, in arrival order. */
  subscribe<T>(subject: string, handle: (message: T) => void, onError: (error: Error) => void): void {
    const reassembler = new Reassembler();
    this.connection.subscribe(subject, {
      callback: (error, msg) => {
        if (error) return onError(error);
        try {
          const whole = reassembler.add(msg.data);
          if (whole) handle(decode<T>(whole));
        } catch (failure) {
          onError(failure as Error);
        }
      },
    });
  }
}
