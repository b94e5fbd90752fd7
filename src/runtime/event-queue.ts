/**
 * A discrete-event queue on virtual time: callbacks run in (time, insertion) order, so a simulation
 * is deterministic however its events interleave. The clock only moves when an event runs.
 */
export class EventQueue {
  private events: { time: number; seq: number; run: () => void }[] = [];
  private seq = 0;
  private current = 0;

  get now(): number {
    return this.current;
  }

  get size(): number {
    return this.events.length;
  }

  /** Time of the next event, or +Infinity when none is left. */
  peekTime(): number {
    return this.events.length > 0 ? this.events[0].time : Number.POSITIVE_INFINITY;
  }

  schedule(time: number, run: () => void): void {
    if (!(time >= this.current)) {
      throw new Error(
        `dniflow/runtime: cannot schedule at virtual time ${time}, before now (${this.current})`,
      );
    }
    const event = { time, seq: this.seq++, run };
    // Binary search for the insertion point keeps the array sorted by (time, seq).
    let low = 0;
    let high = this.events.length;
    while (low < high) {
      const mid = (low + high) >> 1;
      const other = this.events[mid];
      if (other.time < time || (other.time === time && other.seq < event.seq)) low = mid + 1;
      else high = mid;
    }
    this.events.splice(low, 0, event);
  }

  /**
   * Moves an empty queue's clock to `time` (a resumed simulation continues from its checkpoint's
   * time). Insertion numbers restart, which orders new events as before: only their order matters.
   */
  resumeAt(time: number): void {
    if (this.events.length > 0 || !(time >= this.current))
      throw new Error(
        `dniflow/runtime: a virtual clock resumes empty and forward, not at ${time} with ${this.events.length} events`,
      );
    this.current = time;
  }

  /** Runs events in order while `until()` is false (or until the queue is empty). */
  runWhile(shouldContinue: () => boolean): void {
    while (this.events.length > 0 && shouldContinue()) {
      const event = this.events.shift()!;
      this.current = event.time;
      event.run();
    }
  }
}
