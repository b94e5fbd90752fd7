/** Time as the runtime sees it; injected so that math and operators never read the wall clock. */
export interface Clock {
  /** Seconds since an arbitrary origin. */
  now(): number;
}

/** A clock that only moves when told to: deterministic tests and virtual-time schedulers. */
export class ManualClock implements Clock {
  private seconds = 0;
  now(): number {
    return this.seconds;
  }
  advance(seconds: number): void {
    this.seconds += seconds;
  }
}
