import { hostname } from 'node:os';
import { PartitionHost } from '../workers/partition-host.ts';
import type { PartitionInit } from '../workers/protocol.ts';
import { connectNats, NatsLink, subjects } from './nats-link.ts';
import { codeIdentity, type FromProcess, type ToProcess } from './nats-protocol.ts';

export interface PartitionProcessOptions {
  url: string;
  /** A NATS credentials file (natsAuth), instead of credentials in the URL. */
  creds?: string;
  run: string;
  partition: number;
  /** Exit when standard input ends: a coordinator that spawned this process has gone. */
  exitWithStdin?: boolean;
  /** How long the coordinator may stay silent once joined (default 10 s). */
  silenceMs?: number;
  log?: (line: string) => void;
}

const BEAT_MS = 500;

/**
 * One partition of the nats scheduler, as its own OS process (`dniflow partition`): it joins the
 * run on NATS, is handed its part of the network and its state, then handles work from its subjects
 * until the coordinator says stop. Resolves with the process's exit code; it never hangs: a lost
 * connection, a silent coordinator or a refusal ends it.
 */
export async function runPartitionProcess(options: PartitionProcessOptions): Promise<number> {
  const { run, partition: index } = options;
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const names = subjects(run);
  const connection = await connectNats(options.url, `dniflow-${run}-p${index}`, options.creds);
  const link = new NatsLink(connection);
  let host: PartitionHost | undefined;
  let heardAt = Date.now();
  let watchedAt = Date.now();
  let ended = false;
  let resolveExit: (code: number) => void = () => undefined;
  const finished = new Promise<number>((resolve) => {
    resolveExit = resolve;
  });
  const finish = (code: number) => {
    if (ended) return;
    ended = true;
    resolveExit(code);
  };
  const post = (message: FromProcess) => link.publish(names.coordinator, message);
  const fatal = (why: string) => {
    if (ended) return;
    log(`dniflow partition ${index}: ${why}`);
    finish(1);
  };

  const onMessage = (message: ToProcess) => {
    heardAt = Date.now();
    switch (message.type) {
      case 'init':
        if (host) return;
        host = start(message.init);
        return;
      case 'refused':
        return fatal(`refused by the coordinator: ${message.why}`);
      case 'stop':
        return finish(0);
      case 'beat':
        return;
      default:
        if (!host) return fatal(`work arrived before its state (${message.type})`);
        host.handle(message);
    }
  };
  const start = (init: PartitionInit): PartitionHost => {
    const built = new PartitionHost(init, {
      send: (peer, envelope) =>
        link.publish(names.work(peer, envelope.edge, envelope.direction), {
          type: 'work',
          envelope,
        }),
      post: (message) => post(message),
      exit: () => process.exit(1),
    });
    post({ type: 'ready', index });
    return built;
  };

  link.subscribe<ToProcess>(names.partition(index), onMessage, (error) => fatal(error.message));
  link.subscribe<ToProcess>(names.all, onMessage, (error) => fatal(error.message));
  // Until handed its state, it asks again every second: the coordinator may start after it.
  const join = () => post({ type: 'join', index, code: codeIdentity(), host: hostname(), pid: process.pid });
  join();
  const timer = setInterval(() => {
    if (!host) return join();
    post({ type: 'beat', index });
    const now = Date.now();
    // A long piece of work blocked this process: what arrived meanwhile is still queued.
    if (now - watchedAt > 4 * BEAT_MS) heardAt = now;
    watchedAt = now;
    const silent = now - heardAt;
    if (silent > (options.silenceMs ?? 10_000))
      fatal(`the coordinator has been silent for ${(silent / 1000).toFixed(1)} s; leaving the run`);
  }, BEAT_MS);
  if (options.exitWithStdin) {
    process.stdin.on('end', () => fatal('the coordinator that started this process is gone'));
    process.stdin.resume();
  }
  connection.closed().then((error) => fatal(`lost the NATS connection${error ? `: ${error.message}` : ''}`));

  const code = await finished;
  clearInterval(timer);
  process.stdin.pause();
  if (!connection.isClosed()) await connection.close().catch(() => undefined);
  return code;
}
