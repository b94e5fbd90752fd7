import { MessageChannel, Worker } from 'node:worker_threads';
import type { Network } from '../../graph/network.ts';
import { networkToJSON } from '../../graph/serialize.ts';
import type { SystemOptions } from './build-system.ts';
import type { HeldOutAccuracy } from './evaluate.ts';
import type { EpochCounts, SystemSchedule } from './schedule.ts';
import type { FromSystemWorker, SystemWorkerInit, ToSystemWorker } from './worker-protocol.ts';

type Role = 'A' | 'B';

/** A network's worker failed: the run stops, naming it. */
export class SystemWorkerFailed extends Error {
  override readonly name = 'SystemWorkerFailed';
  constructor(
    readonly role: Role,
    why: string,
  ) {
    super(`dniflow/runtime: network ${role}'s worker failed: ${why}`);
  }
}

/**
 * The workers schedule of a two-clock system: A and B each in a worker thread, joined by their own
 * MessageChannel, so that they really run at the same time; this thread only starts epochs and
 * evaluations and collects what they report. Times are wall-clock seconds measured by the workers.
 * A worker that throws or exits fails the run at once with its network's name.
 */
export class WorkerSchedule implements SystemSchedule {
  private readonly workers = new Map<Role, Worker>();
  private waiting: {
    want: Set<string>;
    got: FromSystemWorker[];
    resolve: () => void;
    reject: (e: Error) => void;
  } | null = null;
  private failure: SystemWorkerFailed | null = null;
  private disposed = false;

  constructor(network: Network, seed: number, options: SystemOptions) {
    const channel = new MessageChannel();
    const signal = new SharedArrayBuffer(4);
    for (const [role, peer] of [
      ['A', channel.port1],
      ['B', channel.port2],
    ] as const) {
      const worker = new Worker(new URL('./system-worker-entry.mjs', import.meta.url), {
        workerData: {
          role,
          network: networkToJSON(network),
          seed,
          options,
          peer,
          signal,
        } satisfies SystemWorkerInit,
        transferList: [peer],
      });
      worker.on('message', (message: FromSystemWorker) => this.receive(message));
      worker.on('error', (error) => this.fail(new SystemWorkerFailed(role, error.message)));
      worker.on('exit', (code) => {
        if (!this.disposed) this.fail(new SystemWorkerFailed(role, `its thread exited (code ${code})`));
      });
      this.workers.set(role, worker);
    }
  }

  /** Resolves when both workers have said `type`, with what they said. */
  expect(type: FromSystemWorker['type']): Promise<FromSystemWorker[]> {
    if (this.failure !== null) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => {
      const waiting = {
        want: new Set(['A', 'B'].map((role) => `${type}:${role}`)),
        got: [] as FromSystemWorker[],
        resolve: () => resolve(waiting.got),
        reject,
      };
      this.waiting = waiting;
    });
  }

  private receive(message: FromSystemWorker): void {
    const waiting = this.waiting;
    if (waiting === null || !waiting.want.delete(`${message.type}:${message.role}`)) return;
    waiting.got.push(message);
    if (waiting.want.size === 0) {
      this.waiting = null;
      waiting.resolve();
    }
  }

  private fail(error: SystemWorkerFailed): void {
    if (this.failure !== null || this.disposed) return;
    this.failure = error;
    this.waiting?.reject(error);
    this.waiting = null;
  }

  /** A network's thread (for monitoring, and for tests that make one fail). */
  threadOf(role: Role): Worker {
    return this.workers.get(role)!;
  }

  private send(command: ToSystemWorker): void {
    this.workers.get('A')!.postMessage(command);
  }

  async run(blocks: number): Promise<EpochCounts> {
    const answers = this.expect('counts');
    this.send({ type: 'run', blocks });
    const counts = await answers;
    const a = counts.find((m) => m.type === 'counts' && m.role === 'A') as Extract<
      FromSystemWorker,
      { role: 'A'; type: 'counts' }
    >;
    const b = counts.find((m) => m.type === 'counts' && m.role === 'B') as Extract<
      FromSystemWorker,
      { role: 'B'; type: 'counts' }
    >;
    return { a: a.counts, b: b.counts, timing: { aLocked: a.locked, aBusy: a.busy, bBusy: b.busy } };
  }

  /** Both workers evaluate from the seed's own evaluation stream (the same digits as on lockstep). */
  async evaluate(
    _test: unknown,
    _prng: unknown,
    options: { lanes: number; blocks: number },
  ): Promise<HeldOutAccuracy> {
    const answers = this.expect('accuracy');
    this.send({ type: 'evaluate', ...options });
    const results = (await answers) as Extract<FromSystemWorker, { type: 'accuracy' }>[];
    const of = (role: Role) => results.find((r) => r.role === role)!;
    return { a: of('A').correct / of('A').predictions, b: of('B').correct / of('B').predictions };
  }

  async dispose(): Promise<void> {
    this.disposed = true;
    await Promise.all([...this.workers.values()].map((worker) => worker.terminate()));
  }
}

/** Starts A's and B's workers and resolves once both have built their network. */
export async function startWorkerSchedule(setup: {
  network: Network;
  seed: number;
  options: SystemOptions;
}): Promise<WorkerSchedule> {
  const schedule = new WorkerSchedule(setup.network, setup.seed, setup.options);
  try {
    await schedule.expect('ready');
  } catch (error) {
    await schedule.dispose();
    throw error;
  }
  return schedule;
}
