/**
 * The data source's credits (DESIGN.md: "credits bound what is in flight"): a step stays open until
 * every module has taken its activation and every loss has been computed, and the source may open a
 * new step only while fewer than `limit` are open. Every message of a step is caused by the source's
 * input, so this bounds the messages, buffers and mailboxes of every edge, however slow a module is
 * (including one whose output only feeds a synthetic-input model, which the loss never waits for).
 */
export class StepWindow {
  private readonly open = new Map<number, number>();

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
    this.open.set(step, this.perStep);
  }

  /** One module forward or one loss of `step` is done; true when that closes the step. */
  done(step: number): boolean {
    const left = this.open.get(step);
    if (left === undefined) return false;
    if (left > 1) {
      this.open.set(step, left - 1);
      return false;
    }
    this.open.delete(step);
    return true;
  }
}
