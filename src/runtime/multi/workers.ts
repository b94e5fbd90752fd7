import { MessageChannel, Worker } from 'node:worker_threads';
import type { Network } from '../../graph/network.ts';
import { networkToJSON } from '../../graph/serialize.ts';
import type { SystemOptions } from './build-system.ts';
import { RemoteSchedule, type Role, SystemWorkerFailed } from './remote-schedule.ts';
import type { FromSystemWorker, SystemWorkerInit, ToSystemWorker } from './worker-protocol.ts';

export { SystemWorkerFailed } from './remote-schedule.ts';

/**
 * The workers schedule of a two-clock system: A and B each in a worker thread, joined by their own
 * MessageChannel, so that they really run at the same time; this thread only starts epochs and
 * evaluations. Times are wall-clock seconds measured by the workers. A worker that throws or exits
 * fails the run at once with its network's name.
 */
export class WorkerSchedule extends RemoteSchedule {
  private readonly workers = new Map<Role, Worker>();

  constructor(network: Network, seed: number, options: SystemOptions) {
    super();
    const channel = new MessageChannel();
    const signal = new SharedArrayBuffer(4);
    for (const [role, peer] of [
      ['A', channel.port1],
      ['B', channel.port2],
    ] as const) {
      const workerData = { role, network: networkToJSON(network), seed, options, peer, signal };
      const worker = new Worker(new URL('./system-worker-entry.mjs', import.meta.url), {
        workerData: workerData satisfies SystemWorkerInit,
        transferList: [peer],
      });
      worker.on('message', (message: FromSystemWorker) => this.receive(message));
      worker.on('error', (error) =>
        this.fail(new SystemWorkerFailed(role, `worker failed: ${error.message}`)),
      );
      worker.on('exit', (code) =>
        this.fail(new SystemWorkerFailed(role, `worker failed: its thread exited (code ${code})`)),
      );
      this.workers.set(role, worker);
    }
  }

  /** A network's thread (for monitoring, and for tests that make one fail). */
  threadOf(role: Role): Worker {
    return this.workers.get(role)!;
  }

  protected send(command: ToSystemWorker): void {
    this.workers.get('A')!.postMessage(command);
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
  return new WorkerSchedule(setup.network, setup.seed, setup.options).ready();
}
