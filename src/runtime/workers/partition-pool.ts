import type { FromWorker, ToWorker } from './protocol.ts';

/** A partition (a worker thread, a NATS process) that threw, ended or went silent while the run needed it. */
export class WorkerFailedError extends Error {
  constructor(
    readonly modules: string[],
    readonly step: number | undefined,
    why: string,
    /** What ran them: 'worker', or 'process 12345 on host x' (ProcessFailedError). */
    where = 'worker',
  ) {
    super(
      `dniflow/runtime: the ${where} running ${modules.map((m) => `'${m}'`).join(', ')} failed` +
        (step === undefined ? '' : ` at step ${step}`) +
        `: ${why}`,
    );
  }
}

type Reply = { values: FromWorker[]; done: (values: FromWorker[]) => void };
export type Answer = Extract<FromWorker, { type: 'ready' | 'synced' | 'state' }>;

/**
 * The coordinator's side of a parallel scheduler's partitions, whatever carries the messages:
 * rounds of requests to every partition answered by id, and one failure that fails every round and
 * every wait, naming the modules of the partition. Subclasses move the messages (`send`) and feed
 * what arrives to `receive`.
 */
export abstract class PartitionPool {
  private readonly replies = new Map<number, Reply>();
  private nextId = 0;
  failure: WorkerFailedError | null = null;

  constructor(
    /** Module and loss names, by partition. */
    protected readonly groups: string[][],
    private readonly onMessage: (message: Exclude<FromWorker, Answer>) => void,
    private readonly onFailure: (error: WorkerFailedError) => void,
    /** The last step the coordinator opened (a failure names it when the partition could not). */
    protected readonly lastStep: () => number | undefined,
  ) {}

  get size(): number {
    return this.groups.length;
  }

  /** To partition `index`; `transfer` may be moved (the caller never touches it again). */
  abstract post(index: number, message: ToWorker, transfer?: ArrayBuffer[]): void;

  abstract terminate(): Promise<void>;

  /** What ran partition `index`, for errors: 'worker', or a process and its host. */
  protected where(_index: number): string {
    return 'worker';
  }

  /** The OS process running partition `index`, where it is one (nats). */
  pid(_index: number): number | undefined {
    return undefined;
  }

  broadcast(message: ToWorker): void {
    for (let index = 0; index < this.size; index++) this.post(index, message);
  }

  /** The error for partition `index` failing (at `node`'s work, when the partition could tell). */
  failed(index: number, why: string, node?: string, step?: number): WorkerFailedError {
    return new WorkerFailedError(
      node ? [node] : this.groups[index],
      step ?? this.lastStep(),
      why,
      this.where(index),
    );
  }

  /** Resolves once every partition has built its part of the network. */
  async ready(): Promise<void> {
    await this.round(-1, () => undefined);
  }

  /** Sends every partition a request and resolves with their answers (rejects on a failure). */
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

  /** A message from a partition. */
  protected receive(message: FromWorker): void {
    if (message.type !== 'ready' && message.type !== 'synced' && message.type !== 'state') {
      this.onMessage(message);
      return;
    }
    const id = message.type === 'ready' ? -1 : message.id;
    const reply = this.replies.get(id);
    if (!reply) return;
    reply.values.push(message);
    if (reply.values.length === this.size) {
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
}
