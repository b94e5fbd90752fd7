/**
 * The data source's credits (DESIGN.md: "credits bound what is in flight"): a step stays open until
 * every module has taken its activation, every loss has been computed and every gradient sent to
 * another thread for it has been taken there, and the source may open a new step only while fewer
 * than `limit` are open. Every message of a step is caused by the source's input, so this bounds the
 * messages, buffers and mailboxes of every edge, however slow a module is (including one whose output
 * only feeds a synthetic-input model, which the loss never waits for), and so how stale a synthetic-
 * gradient model's target can be when it arrives beside the sender.
 */
export class StepWindow {
  /** By open step: what it must still see done, and its gradients sent and not yet taken. */
  private readonly open = new Map<number, { left: number; unanswered: number }>();

  constructor(
    readonly limit: number,
    /** What each step must see done: one forward per module, one per loss. */
    private readonly perStep: number,
  ) {
    if (!(Number.isInteger(limit) && limit >= 1))
      throw new Error(`dniflow/runtime: steps in flight must be a positive integer, got ${limit}`);
  }

  get size(): number {
    return this.open.size;
  }

  get full(): boolean {
    return this.open.size >= this.limit;
  }

  openStep(step: number): void {
    this.open.set(step, { left: this.perStep, unanswered: 0 });
  }

  /** One module forward or one loss of `step` is done; true when that closes the step. */
  done(step: number): boolean {
    const entry = this.open.get(step);
    if (entry === undefined) return false;
    entry.left--;
    return this.closeIfDone(step, entry);
  }

  /**
   * A gradient of `step` left for another thread (parallel schedulers: the target of a synthetic-
   * gradient model beside its sender, or a locked edge's gradient). Report it no later than the
   * forward, loss or gradient taken that caused it, so that the step cannot close in between. True
   * when it closes the step (its taking was reported first).
   */
  gradientSent(step: number): boolean {
    const entry = this.open.get(step);
    if (entry === undefined) return false;
    entry.unanswered++;
    return this.closeIfDone(step, entry);
  }

  /**
   * A gradient of `step` was taken by the thread it was sent to; true when that closes the step. It
   * may be reported before its sending (the two threads report independently): the count goes below
   * zero until then, and the step stays open.
   */
  gradientTaken(step: number): boolean {
    const entry = this.open.get(step);
    if (entry === undefined) return false;
    entry.unanswered--;
    return this.closeIfDone(step, entry);
  }

  private closeIfDone(step: number, entry: { left: number; unanswered: number }): boolean {
    if (entry.left > 0 || entry.unanswered !== 0) return false;
    this.open.delete(step);
    return true;
  }
}
