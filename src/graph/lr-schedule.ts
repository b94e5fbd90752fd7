/**
 * Learning-rate schedules on iterations (global steps). The paper trained for a budget of iterations
 * (500k at batch 256 with Adam, as PAPER.md recalls Jaderberg et al. 2017 §3.1), so a schedule that reads the step, not
 * only the epoch, is what a fixed-budget comparison needs: the same schedule then means the same
 * thing at any batch size or training-set size.
 */

import { cosineDecay, stepDecay } from '../nn/optim/schedules.ts';

/**
 * The multiplier of the base learning rate before global step `step` (0-based) of a run of
 * `totalSteps` steps. Pure: the same arguments give the same factor.
 */
export type StepSchedule = (step: number, totalSteps: number) => number;

/** A --lr-schedule text that does not parse, or names values out of range. */
export class LrScheduleError extends Error {
  override readonly name = 'LrScheduleError';
}

export const LR_SCHEDULE_GRAMMAR = 'constant | step:EVERY:FACTOR | cosine[:FLOOR]';

/**
 * Parses the CLI's schedule text: `constant`, `step:EVERY:FACTOR` (EVERY a positive integer of
 * steps, 0 < FACTOR ≤ 1) or `cosine[:FLOOR]` (0 ≤ FLOOR < 1, default 0). A FACTOR above 1 is refused:
 * a rate growing without bound is a typo for a decay far more often than a wish.
 */
export function parseLrSchedule(text: string): StepSchedule {
  const bad = (why: string): never => {
    throw new LrScheduleError(
      `dniflow/graph: --lr-schedule '${text}': ${why} (expected ${LR_SCHEDULE_GRAMMAR})`,
    );
  };
  const [kind, ...args] = text.trim().split(':');
  const number = (raw: string | undefined, what: string): number => {
    const value = Number(raw);
    if (raw === undefined || raw.trim() === '' || !Number.isFinite(value))
      return bad(`${what} is not a number`);
    return value;
  };
  switch (kind) {
    case 'constant':
      if (args.length > 0) bad('constant takes no arguments');
      return () => 1;
    case 'step': {
      if (args.length !== 2) bad('step needs EVERY and FACTOR');
      const every = number(args[0], 'EVERY');
      const factor = number(args[1], 'FACTOR');
      if (!(Number.isInteger(every) && every >= 1))
        bad(`EVERY must be a positive integer of steps, got ${every}`);
      if (!(factor > 0 && factor <= 1)) bad(`FACTOR must be in (0, 1], got ${factor}`);
      return stepDecay(every, factor);
    }
    case 'cosine': {
      if (args.length > 1) bad('cosine takes at most a FLOOR');
      const floor = args.length === 0 ? 0 : number(args[0], 'FLOOR');
      if (!(floor >= 0 && floor < 1)) bad(`FLOOR must be in [0, 1), got ${floor}`);
      // Half a cosine from the base rate down to FLOOR × it at the run's end (SGDR without restarts).
      return (step, totalSteps) => cosineDecay(totalSteps, floor)(step);
    }
    default:
      return bad(`unknown schedule '${kind}'`);
  }
}

/** The factor a schedule gives at a step, refused unless finite and ≥ 0 (it multiplies every module's rate). */
export function scheduleFactor(
  schedule: StepSchedule,
  step: number,
  totalSteps: number,
  owner: string,
): number {
  const factor = schedule(step, totalSteps);
  if (!(Number.isFinite(factor) && factor >= 0))
    throw new Error(
      `dniflow/graph: ${owner} gave ${factor} at step ${step} of ${totalSteps}; it must be a finite factor ≥ 0`,
    );
  return factor;
}
