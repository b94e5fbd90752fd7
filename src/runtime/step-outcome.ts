import type { InterfaceStepMetric } from './edge-traffic.ts';
import type { StepReport } from './engine.ts';
import { NonFiniteOutput } from './module-compute.ts';

/**
 * What one engine call (a training step, or a flush) produced: the losses of the steps it completed,
 * the interface metrics routed meanwhile, and the first error. Errors inside RxJS subscribers must not
 * escape (RxJS would rethrow them asynchronously), so they are recorded here and raised at the end.
 */
export class StepOutcome {
  losses: number[] = [];
  metrics: InterfaceStepMetric[] = [];
  failure: unknown = null;

  /** Starts a call. Lockstep clears the failure; asynchronous runs keep it (steps span calls). */
  begin(clearFailure: boolean): void {
    this.losses = [];
    this.metrics = [];
    if (clearFailure) this.failure = null;
  }

  fail(error: unknown): void {
    this.failure ??= error;
  }

  get failed(): boolean {
    return this.failure !== null;
  }

  /** A NaN report naming the module for a non-finite output; rethrows any other error; undefined if none. */
  failureReport(): StepReport | undefined {
    if (this.failure === null) return undefined;
    if (this.failure instanceof NonFiniteOutput) return { loss: Number.NaN, nonFinite: this.failure.module };
    throw this.failure;
  }

  /** The mean loss of the completed steps and the interface metrics, without their kinds' target. */
  summary(): StepReport {
    const losses = this.losses;
    const loss = losses.reduce((a, b) => a + b, 0) / Math.max(losses.length, 1);
    if (losses.some((l) => !Number.isFinite(l))) return { loss: Number.NaN, nonFinite: 'loss' };
    return {
      loss,
      completed: losses.length,
      interfaces: this.metrics.map(({ edge, kind, loss, cosine }) => ({ edge, kind, loss, cosine })),
    };
  }
}
