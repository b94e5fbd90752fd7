import type { InterfaceStepMetric } from './edge-traffic.ts';
import type { StepReport } from './engine.ts';
import { NonFiniteOutput } from './module-compute.ts';
import type { LossRecord } from './partition.ts';

/** The mean loss of the steps completed, and the interface metrics routed meanwhile. */
export function reportResults(results: { losses: LossRecord[]; metrics: InterfaceStepMetric[] }): StepReport {
  const losses = results.losses.map((l) => l.loss);
  if (losses.some((l) => !Number.isFinite(l))) return { loss: Number.NaN, nonFinite: 'loss' };
  return {
    loss: losses.reduce((a, b) => a + b, 0) / Math.max(losses.length, 1),
    completed: losses.length,
    interfaces: results.metrics.map(({ edge, kind, loss, cosine }) => ({ edge, kind, loss, cosine })),
  };
}

/** A NaN report naming the module for a non-finite output; any other error is rethrown. */
export function stepFailure(error: unknown): StepReport {
  if (error instanceof NonFiniteOutput) return { loss: Number.NaN, nonFinite: error.module };
  throw error;
}
