import type { Dataset } from '../../data/dataset.ts';
import type { Prng } from '../../tensor/prng.ts';
import type { AsyncScheduleOptions } from '../async-schedule.ts';
import { EventQueue } from '../event-queue.ts';
import type { TwoClockSystem } from './build-system.ts';
import { evaluateSystem } from './evaluate.ts';
import type { SystemMessage } from './messages.ts';
import { type EpochCounts, type MessageTap, type SystemSchedule, takeCounts } from './schedule.ts';
import type { NetworkSpec } from './system-spec.ts';

const DEFAULT_COST = { forward: 1e-3, backward: 2e-3 };

/** Virtual seconds one tick of a network takes, forward and backward (its modules' costs summed). */
function tickCost(network: NetworkSpec, options: AsyncScheduleOptions) {
  const names = [network.encoder?.name, network.core.name, network.head.name].filter((n) => n !== undefined);
  const cost = { forward: 0, backward: 0 };
  for (const name of names) {
    const own = options.costs?.[name] ?? options.defaultCost ?? DEFAULT_COST;
    cost.forward += own.forward;
    cost.backward += own.backward;
  }
  return cost;
}

/**
 * The async schedule of a two-clock system (DESIGN.md, "async"): A and B each on their own virtual
 * clock, with compute costs per tick and a latency per message. A starts its next unit of work as
 * soon as it is free and not locked; B runs a window when its T messages and its target are in.
 * B's gradients reach A after the latency and are handled when A is next free (under dni they are
 * M's targets; under backprop A was locked waiting for them). Deterministic, like lockstep, but in
 * the order that time dictates; what it measures is A's locked time (paper §3.3: none under dni).
 */
export class VirtualTimeSchedule implements SystemSchedule {
  private readonly queue = new EventQueue();
  private readonly costA;
  private readonly costB;
  private readonly latency: number;
  private readonly T: number;
  private aFree = 0;
  private bFree = 0;
  private lockedSince: number | null = null;
  private readonly inboxA: SystemMessage[] = [];
  private readonly timing = { aLocked: 0, aBusy: 0, bBusy: 0 };
  private unitsLeft = 0;
  private running = false;

  constructor(
    readonly system: TwoClockSystem,
    options: AsyncScheduleOptions,
    private readonly tap?: MessageTap,
  ) {
    this.costA = tickCost(system.spec.a, options);
    this.costB = tickCost(system.spec.b, options);
    this.latency = options.latency ?? 0;
    this.T = system.spec.a.core.window;
  }

  async run(blocks: number): Promise<EpochCounts> {
    const { a } = this.system;
    this.unitsLeft = blocks * (a.join === 'backprop' ? 1 : this.T);
    this.queue.schedule(Math.max(this.queue.now, this.aFree), () => this.stepA());
    this.queue.runWhile(() => true);
    if (this.unitsLeft > 0 || a.locked)
      throw new Error(
        'dniflow/runtime: the virtual-time schedule stopped with work left (a message was lost)',
      );
    return takeCounts(this.system, { ...this.timing });
  }

  /** A, free: handles what arrived, then starts its next unit unless locked or done. */
  private stepA(): void {
    const { a } = this.system;
    const now = this.queue.now;
    if (this.running || now < this.aFree) return;
    while (this.inboxA.length > 0) {
      const message = this.inboxA.shift()!;
      const wasLocked = a.locked;
      a.handle(message);
      if (wasLocked && !a.locked) {
        // Released: A backpropagates its whole block now.
        this.timing.aLocked += now - this.lockedSince!;
        this.lockedSince = null;
        this.busyA(this.T * this.T * this.costA.backward);
        return;
      }
    }
    if (a.locked || this.unitsLeft === 0) return;
    this.unitsLeft--;
    const sent = a.advance();
    const ticks = a.join === 'backprop' ? this.T * this.T : this.T;
    const duration =
      ticks * (a.join === 'backprop' ? this.costA.forward : this.costA.forward + this.costA.backward);
    const done = now + duration;
    for (const message of sent) this.queue.schedule(done + this.latency, () => this.arriveB(message));
    if (a.locked) this.queue.schedule(done, () => (this.lockedSince = this.queue.now));
    this.busyA(duration);
  }

  private busyA(duration: number): void {
    this.timing.aBusy += duration;
    this.aFree = this.queue.now + duration;
    this.running = true;
    this.queue.schedule(this.aFree, () => {
      this.running = false;
      this.stepA();
    });
  }

  private arriveB(message: SystemMessage): void {
    const { b } = this.system;
    this.tap?.(message);
    const start = Math.max(this.queue.now, this.bFree);
    const updates = b.updates;
    const replies = b.handle(message);
    // Storing a message costs nothing; a window that the message completed takes T of B's ticks.
    if (b.updates === updates) return;
    const duration = this.T * (this.costB.forward + this.costB.backward);
    this.bFree = start + duration;
    this.timing.bBusy += duration;
    for (const reply of replies)
      this.queue.schedule(this.bFree + this.latency, () => {
        this.tap?.(reply);
        this.inboxA.push(reply);
        this.stepA();
      });
  }

  /**
   * Between epochs (run() returns with its queue empty, A free and unlocked, its inbox read): the
   * virtual clock, when each network is next free, and the cumulative times the metrics report.
   */
  position(): Record<string, number> {
    if (this.queue.size > 0 || this.inboxA.length > 0 || this.lockedSince !== null || this.running)
      throw new Error('dniflow/runtime: the virtual-time schedule is saved only between epochs');
    return { now: this.queue.now, aFree: this.aFree, bFree: this.bFree, ...this.timing };
  }

  seek(position: Record<string, number>): void {
    const { now, aFree, bFree, aLocked, aBusy, bBusy } = position;
    if (![now, aFree, bFree, aLocked, aBusy, bBusy].every(Number.isFinite))
      throw new Error(
        'dniflow/runtime: a virtual-time position needs now, aFree, bFree, aLocked, aBusy, bBusy',
      );
    this.queue.resumeAt(now);
    this.aFree = aFree;
    this.bFree = bFree;
    Object.assign(this.timing, { aLocked, aBusy, bBusy });
  }

  async evaluate(test: Dataset, prng: Prng, options: { lanes: number; blocks: number }) {
    return evaluateSystem(this.system, test, prng, options);
  }

  async dispose(): Promise<void> {}
}
