import type { Schedule } from './optimizer.ts';

/**
 * Learning-rate multipliers for `Optimizer.schedule`, each a pure function of the 0-based step index.
 * Steps count optimiser updates (batches); for per-epoch schedules pass sizes in batches.
 */

/** gamma^⌊step / every⌋ (PyTorch's StepLR). */
export function stepDecay(every: number, gamma: number): Schedule {
  if (!(Number.isInteger(every) && every >= 1))
    throw new Error(`dniflow/nn: stepDecay needs every >= 1, got ${every}`);
  return (step) => gamma ** Math.floor(step / every);
}

/** gamma^step (PyTorch's ExponentialLR). */
export function exponentialDecay(gamma: number): Schedule {
  return (step) => gamma ** step;
}

/**
 * Cosine annealing from 1 down to `minFactor` over `totalSteps`, then held at `minFactor`
 * (PyTorch's CosineAnnealingLR with eta_min = minFactor·lr, without restarts).
 */
export function cosineDecay(totalSteps: number, minFactor = 0): Schedule {
  if (!(totalSteps >= 1)) throw new Error(`dniflow/nn: cosineDecay needs totalSteps >= 1, got ${totalSteps}`);
  return (step) => {
    const progress = Math.min(step, totalSteps) / totalSteps;
    return minFactor + ((1 - minFactor) * (1 + Math.cos(Math.PI * progress))) / 2;
  };
}

/** Rises linearly (step + 1)/warmupSteps up to 1, then stays at 1. */
export function linearWarmup(warmupSteps: number): Schedule {
  if (!(Number.isInteger(warmupSteps) && warmupSteps >= 1)) {
    throw new Error(`dniflow/nn: linearWarmup needs warmupSteps >= 1, got ${warmupSteps}`);
  }
  return (step) => Math.min(1, (step + 1) / warmupSteps);
}

/** The product of several schedules, e.g. warmup then cosine: chain(linearWarmup(100), cosineDecay(1e4)). */
export function chainSchedules(...schedules: Schedule[]): Schedule {
  return (step) => schedules.reduce((factor, schedule) => factor * schedule(step), 1);
}
