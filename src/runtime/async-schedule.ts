import type { Actor } from 'xstate';
import { EventQueue } from './event-queue.ts';
import type { ModuleEvent, moduleMachine } from './module-machine.ts';

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
  /** Steps that may be in flight (sent by the source, loss not yet computed) before the source waits. */
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

/**
 * Per-module mailboxes on virtual time (DESIGN: "async: each module on its own clock and rate").
 * A module handles one event at a time, for as long as its cost; a gradient is always accepted, but
 * an activation waits in the mailbox while the module awaits a gradient — that wait is locking, and
 * it is measured per module.
 */
export class AsyncSchedule {
  readonly queue = new EventQueue();
  readonly times = new Map<string, ModuleTimes>();
  private readonly inboxes = new Map<string, { event: ModuleEvent; arrived: number }[]>();
  private readonly busyUntil = new Map<string, number>();
  private readonly awaitingSince = new Map<string, number>();
  private readonly options: Required<Omit<AsyncScheduleOptions, 'costs'>> &
    Pick<AsyncScheduleOptions, 'costs'>;

  constructor(
    private readonly actors: Map<string, Actor<typeof moduleMachine>>,
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
      if (!actors.has(name))
        throw new Error(`dniflow/runtime: async schedule names an unknown module '${name}'`);
      if (!(cost.forward >= 0 && cost.backward >= 0)) {
        throw new Error(`dniflow/runtime: async schedule cost of '${name}' must be non-negative`);
      }
    }
    for (const name of actors.keys()) {
      this.inboxes.set(name, []);
      this.busyUntil.set(name, 0);
      this.times.set(name, { busy: 0, locked: 0, queued: 0 });
    }
  }

  get latency(): number {
    return this.options.latency;
  }

  get sourcePeriod(): number {
    return this.options.sourcePeriod;
  }

  get maxInFlight(): number {
    return this.options.maxInFlight;
  }

  /** An event sent to a module now arrives after the edge latency. */
  post(module: string, event: ModuleEvent): void {
    this.queue.schedule(this.queue.now + this.options.latency, () => {
      this.inboxes.get(module)!.push({ event, arrived: this.queue.now });
      this.tryStart(module);
    });
  }

  private cost(module: string, event: ModuleEvent): number {
    const cost = this.options.costs?.[module] ?? this.options.defaultCost;
    return event.type === 'FORWARD' ? cost.forward : cost.backward;
  }

  private tryStart(module: string): void {
    const now = this.queue.now;
    if (this.busyUntil.get(module)! > now) return;
    const inbox = this.inboxes.get(module)!;
    const actor = this.actors.get(module)!;
    const ready = actor.getSnapshot().matches('ready');
    const index = inbox.findIndex(({ event }) => event.type === 'GRADIENT' || ready);
    if (index < 0) return;
    const [{ event, arrived }] = inbox.splice(index, 1);
    const times = this.times.get(module)!;
    if (event.type === 'FORWARD') times.queued += now - arrived;
    const cost = this.cost(module, event);
    times.busy += cost;
    this.busyUntil.set(module, now + cost);
    // The work happens over [now, now + cost]; its messages leave when it ends.
    this.queue.schedule(now + cost, () => {
      actor.send(event);
      const awaiting = actor.getSnapshot().matches('awaitingGradient');
      const since = this.awaitingSince.get(module);
      if (awaiting && since === undefined) this.awaitingSince.set(module, this.queue.now);
      if (!awaiting && since !== undefined) {
        times.locked += this.queue.now - since;
        this.awaitingSince.delete(module);
      }
      this.tryStart(module);
    });
  }
}
