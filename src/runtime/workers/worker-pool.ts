import { MessageChannel, Worker } from 'node:worker_threads';
import { type Answer, PartitionPool, type WorkerFailedError } from './partition-pool.ts';
import type { FromWorker, PartitionInit, ToWorker, WorkerInit } from './protocol.ts';

export { WorkerFailedError } from './partition-pool.ts';

/**
 * The threads of the workers scheduler: one per partition, each pair joined by a MessageChannel
 * (work between workers never passes through this thread). A worker that throws or ends fails the
 * run, naming its modules.
 */
export class WorkerPool extends PartitionPool {
  private readonly workers: Worker[] = [];
  private disposed = false;

  /**
   * `inits` without their peer ports (made here); `transfer` per worker moves its state's buffers.
   * `onMessage` gets everything but the answers to rounds; `onFailure` is told once, at the first.
   */
  constructor(
    inits: PartitionInit[],
    transfer: ArrayBuffer[][],
    onMessage: (message: Exclude<FromWorker, Answer>) => void,
    onFailure: (error: WorkerFailedError) => void,
    lastStep: () => number | undefined,
  ) {
    super(
      inits.map((init) => init.nodes),
      onMessage,
      onFailure,
      lastStep,
    );
    const count = inits.length;
    const ports = inits.map(() => new Array(count).fill(null));
    for (let a = 0; a < count; a++) {
      for (let b = a + 1; b < count; b++) {
        const channel = new MessageChannel();
        ports[a][b] = channel.port1;
        ports[b][a] = channel.port2;
      }
    }
    inits.forEach((init, index) => {
      const worker = new Worker(new URL('./worker-entry.mjs', import.meta.url), {
        workerData: { ...init, peers: ports[index] } satisfies WorkerInit,
        transferList: [...ports[index].filter((p) => p !== null), ...transfer[index]],
      });
      worker.on('message', (message: FromWorker) => this.receive(message));
      worker.on('error', (error) => this.fail(this.failed(index, error.message)));
      worker.on('exit', (code) => {
        if (!this.disposed) this.fail(this.failed(index, `its thread exited (code ${code})`));
      });
      this.workers.push(worker);
    });
  }

  post(index: number, message: ToWorker, transfer: ArrayBuffer[] = []): void {
    this.workers[index].postMessage(message, transfer);
  }

  async terminate(): Promise<void> {
    this.disposed = true;
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}
