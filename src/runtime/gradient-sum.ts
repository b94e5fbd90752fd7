import type { Tensor } from '../tensor/tensor.ts';

/**
 * A step's sum of received gradients. The first one is kept by reference (nobody writes to a
 * received tensor, and it stays valid until the step's backward: see ModuleWiring.copyMessages), and copied
 * only if a second one must be added to it: a module with one gradient edge, the usual case, copies
 * nothing.
 */
export class GradientSum {
  private sum: Tensor | null = null;
  /** Whether `sum` is this sum's own copy (false: it is the first message's tensor). */
  private owned = false;

  add(gradient: Tensor): void {
    if (this.sum === null) {
      this.sum = gradient;
      this.owned = false;
      return;
    }
    if (!this.owned) {
      this.sum = this.sum.clone();
      this.owned = true;
    }
    const sum = this.sum.data;
    const add = gradient.data;
    for (let i = 0; i < sum.length; i++) sum[i] += add[i];
  }

  /** The sum so far (not to be written to), or null when nothing was added. */
  peek(): Tensor | null {
    return this.sum;
  }

  /** The sum, emptied for the next step. */
  take(): Tensor | null {
    const sum = this.sum;
    this.sum = null;
    return sum;
  }
}
