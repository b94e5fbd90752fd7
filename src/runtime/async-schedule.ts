import { EventQueue } from './event-queue.ts';
import type { Partition, Work } from './partition.ts';
import { StepWindow } from './step-window.ts';

/**
 * The asynchronous scheduler's settings: each module on its own clock. Costs and latencies are in
 * virtual seconds; a module's rate is how long its forward and its backward-and-update take.
 */
export interface AsyncScheduleOptions {
  /** Per-module compute times; modules not named use `defaultCost`. */
  costs?: Record<string, { forward: number; backward: number }>;
  defaultCost?: { forward: number; backward: number };
  /** Time a message spends on an edge. */
  latency?: number;
  /** Time between two batches leaving the source. */
  sourcePeriod?: number;
  /** Steps that may be in flight (some module or loss has not had them yet) before the source waits. */
  maxInFlight?: number;
}

export interface ModuleTimes {
  /** Time spent computing. */
  busy: number;
  /** Time between a forward and the gradient that releases it: update/backward locking (paper §1). */
  locked: number;
  /** Time activations waited in the mailbox (module busy, or locked). */
  queued: number;
}

type NodeWork = Extract<Work, { to: 'node' }>;

/**
 * Per-module mailboxes on virtual time (DESIGN.md: "async: virtual time, compute costs and edge
 * latencies"). Interface operators and losses answer at once; a module handles one message at a time,
 * for as long as its cost, and the messages it produces leave when that work ends. A gradient is
 * always accepted, but an activation waits in the mailbox while the module awaits a gradient: that
 * wait is locking, and it is measured per module. Each step leaves the source at the source's own
 * rate, and the clock runs until the next one is due (or until few enough steps are in flight), so
 * one training step may complete none, one or several steps.
 */
export class AsyncScheduler {
  readonly times = new Map<string, ModuleTimes>();
  private readonly queue = new EventQueue();
  private readonly inboxes = new Map<string, { work: NodeWork; arrived: number }[]>();
  private readonly busyUntil = new Map<string, number>();
  private readonly awaitingSince = new Map<string, number>();
  private readonly options: Required<Omit<AsyncScheduleOptions, 'costs'>> &
    Pick<AsyncScheduleOptions, 'costs'>;
  private nextSourceTime = 0;
  private readonly window: StepWindow;

  constructor(
    private readonly partition: Partition,
    options: AsyncScheduleOptions = {},
  ) {
    this.options = {
      costs: options.costs,
      defaultCost: options.defaultCost ?? { forward: 1, backward: 2 },
      latency: options.latency ?? 0.1,
      sourcePeriod: options.sourcePeriod ?? 1,
      maxInFlight: options.maxInFlight ?? 4,
    };
    for (const [name, cost] of Object.entries(options.costs ?? {})) {
      if (!partition.modules.has(name))
        throw new Error(`dniflow/runtime: async schedule names an unknown module '${name}'`);
      if (!(cost.forward >= 0 && cost.backward >= 0)) {
        throw new Error(`dniflow/runtime: async schedule cost of '${name}' must be non-negative`);
      }
    }
    this.window = new StepWindow(this.options.maxInFlight, partition.modules.size + partition.lossNodes.size);
    for (const name of partition.modules.keys()) {
      this.inboxes.set(name, []);
      this.busyUntil.set(name, 0);
      this.times.set(name, { busy: 0, locked: 0, queued: 0 });
    }
  }

  /**
   * Runs the clock until the source may send `step` (few enough steps in flight), schedules its first
   * work, and runs on until the next step is due.
   */
  launch(step: number, work: Work[], stopped: () => boolean): void {
    this.queue.runWhile(() => !stopped() && this.window.full);
    const at = Math.max(this.queue.now, this.nextSourceTime);
    this.nextSourceTime = at + this.options.sourcePeriod;
    this.window.openStep(step);
    this.queue.schedule(at, () => this.dispatch(work));
    this.queue.runWhile(() => !stopped() && this.queue.peekTime() < this.nextSourceTime);
  }

  /** Steps in flight, and the longest mailbox (for tests of bounded memory). */
  load(): { steps: number; longestInbox: number } {
    const longestInbox = Math.max(0, ...[...this.inboxes.values()].map((inbox) => inbox.length));
    return { steps: this.window.size, longestInbox };
  }

  /** Runs the clock until every step in flight has completed (or something failed). */
  drain(stopped: () => boolean): void {
    this.queue.runWhile(() => !stopped());
  }

  /** Edges and losses at once; modules through their mailboxes, after the edge latency. */
  private dispatch(work: Work[]): void {
    const pending = [...work];
    while (pending.length > 0) {
      const next = pending.shift()!;
      if (next.to === 'node' && this.partition.modules.has(next.node)) {
        this.post(next);
        continue;
      }
      if (next.to === 'node' && next.direction === 'forward') this.window.done(next.message.step); // a loss
      pending.push(...this.partition.handle(next));
    }
  }

  private post(work: NodeWork): void {
    this.queue.schedule(this.queue.now + this.options.latency, () => {
      this.inboxes.get(work.node)!.push({ work, arrived: this.queue.now });
      this.tryStart(work.node);
    });
  }

  private cost(module: string, work: NodeWork): number {
    const cost = this.options.costs?.[module] ?? this.options.defaultCost;
    return work.direction === 'forward' ? cost.forward : cost.backward;
  }

  private tryStart(module: string): void {
    const now = this.queue.now;
    if (this.busyUntil.get(module)! > now) return;
    const inbox = this.inboxes.get(module)!;
    const process = this.partition.modules.get(module)!;
    const index = inbox.findIndex(({ work }) => work.direction === 'backward' || process.ready);
    if (index < 0) return;
    const [{ work, arrived }] = inbox.splice(index, 1);
    const times = this.times.get(module)!;
    if (work.direction === 'forward') times.queued += now - arrived;
    const cost = this.cost(module, work);
    times.busy += cost;
    this.busyUntil.set(module, now + cost);
    // The work happens over [now, now + cost]; its messages leave when it ends.
    this.queue.schedule(now + cost, () => {
      const produced = this.partition.handle(work);
      if (work.direction === 'forward') this.window.done(work.message.step);
      const since = this.awaitingSince.get(module);
      if (!process.ready && since === undefined) this.awaitingSince.set(module, this.queue.now);
      if (process.ready && since !== undefined) {
        times.locked += this.queue.now - since;
        this.awaitingSince.delete(module);
      }
      this.dispatch(produced);
      this.tryStart(module);
    });
  }
}
