import { randomBytes } from 'node:crypto';
import type { Network } from '../../graph/network.ts';
import type { NetworkPlan } from '../../graph/validate.ts';
import type { OptimizerSpec } from '../../nn/optim/create.ts';
import type { Prng } from '../../tensor/prng.ts';
import { WorkerEngine, type WorkerOptions } from '../workers/worker-engine.ts';
import { checkRunId, connectNats, NatsLink } from './nats-link.ts';
import { NatsPool } from './nats-pool.ts';
import { type LocalNatsServer, startNatsServer } from './nats-server.ts';

export interface NatsOptions extends Omit<WorkerOptions, 'pool'> {
  /** A running server (nats://[user:password@]host:port); default: one started on 127.0.0.1 for the run. */
  url?: string;
  /** A NATS credentials file (user JWT and NKEY seed) for every process, instead of credentials in `url`. */
  creds?: string;
  /** Names the run's subjects, so that processes started by hand find it (default: random). */
  run?: string;
  /** Partitions started by hand (`dniflow partition`) instead of here: indices or a module of each. */
  remote?: string[];
  /** A partition silent this long fails the run (default 3 s). */
  silenceMs?: number;
  log?: (line: string) => void;
}

/**
 * The nats scheduler (DESIGN.md, "The runtime"): the workers scheduler's coordinator (credits,
 * metrics, state pulled back every epoch into a local copy that evaluates and checkpoints), with
 * every partition an OS process and every message a NATS message (NatsPool).
 */
export async function startNatsEngine(
  network: Network,
  plan: NetworkPlan,
  prng: Prng,
  optimizer: OptimizerSpec,
  options: NatsOptions = {},
): Promise<WorkerEngine> {
  const run = checkRunId(options.run ?? randomBytes(4).toString('hex'));
  const server: LocalNatsServer | undefined = options.url === undefined ? await startNatsServer() : undefined;
  const url = options.url ?? server!.url;
  let link: NatsLink;
  try {
    link = new NatsLink(await connectNats(url, `dniflow-${run}-coordinator`, options.creds));
  } catch (error) {
    await server?.stop();
    throw error;
  }
  try {
    return await startCoordinator(network, plan, prng, optimizer, options, link, url, run, server);
  } catch (error) {
    // Already done if the pool had started (the engine disposes it); not if placement failed first.
    if (!link.connection.isClosed()) await link.connection.close().catch(() => undefined);
    await server?.stop();
    throw error;
  }
}

function startCoordinator(
  network: Network,
  plan: NetworkPlan,
  prng: Prng,
  optimizer: OptimizerSpec,
  options: NatsOptions,
  link: NatsLink,
  url: string,
  run: string,
  server: LocalNatsServer | undefined,
): Promise<WorkerEngine> {
  return WorkerEngine.start(network, plan, prng, optimizer, {
    ...options,
    pool: (inits, _transfer, onMessage, onFailure, lastStep) =>
      new NatsPool(inits, onMessage, onFailure, lastStep, {
        link,
        url,
        creds: options.creds,
        run,
        remote: remoteIndices(
          options.remote ?? [],
          inits.map((init) => init.nodes),
        ),
        silenceMs: options.silenceMs,
        log: options.log,
        onClosed: async () => server?.stop(),
      }),
  });
}

function remoteIndices(remote: string[], groups: string[][]): Set<number> {
  const out = new Set<number>();
  for (const name of remote) {
    const index = /^\d+$/.test(name) ? Number(name) : groups.findIndex((group) => group.includes(name));
    if (!(index >= 0 && index < groups.length))
      throw new Error(
        `dniflow/runtime: --nats-remote '${name}' is neither a partition (0 to ${groups.length - 1}) nor a placed module`,
      );
    out.add(index);
  }
  return out;
}
