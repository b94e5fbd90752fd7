import { MessageChannel, Worker } from 'node:worker_threads';
import type { FromWorker, ToWorker, WorkerInit } from './protocol.ts';

/** A worker thread that threw, or ended, while the run needed it. */
export class WorkerFailedError extends Error {
  constructor(
    readonly modules: string[],
    readonly step: number | undefined,
    why: string,
  ) {
    super(
      `dniflow/runtime: the worker running ${modules.map((m) => `'${m}'`).join(', ')} failed` +
        (step === undefined ? '' : ` at step ${step}`) +
        `: ${why}`,
    );
  }
}

type Reply = { values: FromWorker[]; done: (values: FromWorker[]) => void };
type Answer = Extract<FromWorker, { type: 'ready' | 'synced' | 'state' }>;

/**
 * The threads of the workers scheduler: one per partition, each pair joined by a MessageChannel
 * (work between workers never passes through this thread). Rounds of requests to every worker are
 * answered by id; a worker that throws or ends fails every round and every wait, naming its modules.
 */
export class WorkerPool {
  private readonly workers: Worker[] = [];
  private readonly replies = new Map<number, Reply>();
  private nextId = 0;
  private disposed = false;
  failure: WorkerFailedError | null = null;

  /**
   * `inits` without their peer ports (made here); `transfer` per worker moves its state's buffers.
   * `onMessage` gets everything but the answers to rounds; `onFailure` is told once, at the first.
   */
  constructor(
    inits: Omit<WorkerInit, 'peers'>[],
    transfer: ArrayBuffer[][],
    onMessage: (message: Exclude<FromWorker, Answer>) => void,
    private readonly onFailure: (error: WorkerFailedError) => void,
    lastStep: () => number | undefined,
  ) {
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
      const modules = init.nodes;
      worker.on('message', (message: FromWorker) => {
        if (message.type === 'ready' || message.type === 'synced' || message.type === 'state')
          this.answer(message);
        else onMessage(message);
      });
      worker.on('error', (error) => this.fail(new WorkerFailedError(modules, lastStep(), error.message)));
      worker.on('exit', (code) => {
        if (!this.disposed)
          this.fail(new WorkerFailedError(modules, lastStep(), `its thread exited (code ${code})`));
      });
      this.workers.push(worker);
    });
  }

  get size(): number {
    return this.workers.length;
  }

  post(index: number, message: ToWorker, transfer: ArrayBuffer[] = []): void {
    this.workers[index].postMessage(message, transfer);
  }

  broadcast(message: ToWorker): void {
    for (const worker of this.workers) worker.postMessage(message);
  }

  /** Resolves once every worker has built its partition. */
  async ready(): Promise<void> {
    await this.round(-1, () => undefined);
  }

  /** Sends every worker a request and resolves with their answers (rejects on a failure). */
  request<T extends Answer['type']>(
    make: (id: number) => ToWorker,
  ): Promise<Extract<FromWorker, { type: T }>[]> {
    const id = this.nextId++;
    return this.round(id, () => this.broadcast(make(id))) as Promise<Extract<FromWorker, { type: T }>[]>;
  }

  private round(id: number, send: () => void): Promise<FromWorker[]> {
    return new Promise((resolve, reject) => {
      if (this.failure) return reject(this.failure);
      this.replies.set(id, {
        values: [],
        done: (values) => (this.failure ? reject(this.failure) : resolve(values)),
      });
      send();
    });
  }

  private answer(message: Answer): void {
    const id = message.type === 'ready' ? -1 : message.id;
    const reply = this.replies.get(id);
    if (!reply) return;
    reply.values.push(message);
    if (reply.values.length === this.workers.length) {
      this.replies.delete(id);
      reply.done(reply.values);
    }
  }

  fail(error: WorkerFailedError): void {
    if (this.failure) return;
    this.failure = error;
    for (const reply of this.replies.values()) reply.done([]);
    this.replies.clear();
    this.onFailure(error);
  }

  async terminate(): Promise<void> {
    this.disposed = true;
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}
