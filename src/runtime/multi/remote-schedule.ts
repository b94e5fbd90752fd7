import type { HeldOutAccuracy } from './evaluate.ts';
import type { EpochCounts, SystemSchedule } from './schedule.ts';
import type { FromSystemWorker, ToSystemWorker } from './worker-protocol.ts';

export type Role = 'A' | 'B';

/** A network's thread or process failed: the run stops, naming it. */
export class SystemWorkerFailed extends Error {
  override readonly name = 'SystemWorkerFailed';
  constructor(
    readonly role: Role,
    why: string,
  ) {
    super(`dniflow/runtime: network ${role}'s ${why}`);
  }
}

/**
 * The coordinator's side of a two-clock system whose networks run elsewhere (threads or processes):
 * it only starts epochs and evaluations on A and collects what both report. A failure reported by
 * `fail` rejects what is awaited at once, and everything after.
 */
export abstract class RemoteSchedule implements SystemSchedule {
  private waiting: {
    want: Set<string>;
    got: FromSystemWorker[];
    resolve: () => void;
    reject: (e: Error) => void;
  } | null = null;
  private failure: SystemWorkerFailed | null = null;
  protected disposed = false;

  /** Sends a command to A. */
  protected abstract send(command: ToSystemWorker): void;
  abstract dispose(): Promise<void>;

  /** Resolves once both networks have built; disposes of everything started if either fails first. */
  async ready(): Promise<this> {
    try {
      await this.expect('ready');
    } catch (error) {
      await this.dispose();
      throw error;
    }
    return this;
  }

  /** Resolves when both networks have said `type`, with what they said. */
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

  protected receive(message: FromSystemWorker): void {
    const waiting = this.waiting;
    if (waiting === null || !waiting.want.delete(`${message.type}:${message.role}`)) return;
    waiting.got.push(message);
    if (waiting.want.size === 0) {
      this.waiting = null;
      waiting.resolve();
    }
  }

  protected fail(error: SystemWorkerFailed): void {
    if (this.failure !== null || this.disposed) return;
    this.failure = error;
    this.waiting?.reject(error);
    this.waiting = null;
  }

  async run(blocks: number): Promise<EpochCounts> {
    const answers = this.expect('counts');
    this.send({ type: 'run', blocks });
    const counts = await answers;
    type Counts<R> = Extract<FromSystemWorker, { role: R; type: 'counts' }>;
    const a = counts.find((m) => m.role === 'A') as Counts<'A'>;
    const b = counts.find((m) => m.role === 'B') as Counts<'B'>;
    return { a: a.counts, b: b.counts, timing: { aLocked: a.locked, aBusy: a.busy, bBusy: b.busy } };
  }

  /** Both networks evaluate from the seed's own evaluation stream (the same digits as on lockstep). */
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
}
