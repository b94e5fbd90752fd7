import type { Actor } from 'xstate';
import { AsyncSchedule, type AsyncScheduleOptions, type ModuleTimes } from './async-schedule.ts';
import type { ModuleEvent, moduleMachine } from './module-machine.ts';

/**
 * Drives the graph engine's steps on the asynchronous schedule: each step leaves the source at the
 * source's own rate, and the virtual clock runs until the next one is due (or until few enough steps
 * are in flight). Modules work on their own clocks, so one call may complete none, one or several steps.
 */
export class AsyncDriver {
  private readonly schedule: AsyncSchedule;
  private nextSourceTime = 0;
  private inFlight = 0;

  constructor(actors: Map<string, Actor<typeof moduleMachine>>, options: AsyncScheduleOptions) {
    this.schedule = new AsyncSchedule(actors, options);
  }

  /** Schedules `emit` (the step leaving the source) and runs the clock until the next step is due. */
  launch(emit: () => void, stopped: () => boolean): void {
    const { queue, sourcePeriod, maxInFlight } = this.schedule;
    const at = Math.max(queue.now, this.nextSourceTime);
    this.nextSourceTime = at + sourcePeriod;
    this.inFlight++;
    queue.schedule(at, emit);
    queue.runWhile(
      () => !stopped() && (this.inFlight > maxInFlight || queue.peekTime() < this.nextSourceTime),
    );
  }

  /** A step's loss was computed: it is no longer in flight. */
  landed(): void {
    this.inFlight--;
  }

  /** Runs the clock until every step in flight has completed (or something failed). */
  drain(stopped: () => boolean): void {
    this.schedule.queue.runWhile(() => !stopped());
  }

  /** Into the module's mailbox after the edge latency. */
  post(node: string, event: ModuleEvent): void {
    this.schedule.post(node, event);
  }

  times(node: string): ModuleTimes | undefined {
    return this.schedule.times.get(node);
  }
}
