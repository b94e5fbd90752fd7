import type { Dataset } from '../../data/dataset.ts';
import type { Prng } from '../../tensor/prng.ts';
import type { TwoClockSystem } from './build-system.ts';
import { evaluateSystem, type HeldOutAccuracy } from './evaluate.ts';
import { runLockstep } from './lockstep.ts';
import type { SystemMessage } from './messages.ts';

/** What one network did over a stretch of training (sums, reset after each read). */
export interface NetworkCounts {
  loss: number;
  windows: number;
  correct: number;
  predictions: number;
  /** Optimiser steps so far (not reset). */
  updates: number;
}

export interface EpochCounts {
  a: NetworkCounts & { sgLoss: number; sgCosine: number; learns: number };
  b: NetworkCounts;
  /** Seconds A spent locked (waiting for B's gradient) and busy, and B busy, so far; null: no clock. */
  timing: { aLocked: number; aBusy: number; bBusy: number } | null;
}

/** Sees every message between the networks as it is delivered (the dashboard's feed). */
export type MessageTap = (message: SystemMessage) => void;

/** How a two-clock system's networks are run: in order, on virtual time, or in threads. */
export interface SystemSchedule {
  /** Runs `blocks` more of B's windows (T² ticks each) and returns what both networks did. */
  run(blocks: number): Promise<EpochCounts>;
  evaluate(test: Dataset, prng: Prng, options: { lanes: number; blocks: number }): Promise<HeldOutAccuracy>;
  dispose(): Promise<void>;
  /**
   * A deterministic schedule's own state between epochs, as JSON numbers (async: its virtual clock
   * and cumulative times), and its restore; absent where a schedule has none (lockstep) or cannot
   * resume (workers, nats).
   */
  position?(): Record<string, number>;
  seek?(position: Record<string, number>): void;
}

/** Reads and resets a local system's tallies. */
export function takeCounts(system: TwoClockSystem, timing: EpochCounts['timing']): EpochCounts {
  const { a, b } = system;
  const counts: EpochCounts = {
    a: {
      loss: a.tally.loss,
      windows: a.tally.windows,
      correct: a.tally.correct,
      predictions: a.tally.predictions,
      updates: a.updates,
      sgLoss: a.synthetic.loss,
      sgCosine: a.synthetic.cosine,
      learns: a.synthetic.learns,
    },
    b: {
      loss: b.tally.loss,
      windows: b.tally.windows,
      correct: b.tally.correct,
      predictions: b.tally.predictions,
      updates: b.updates,
    },
    timing,
  };
  a.tally.reset();
  b.tally.reset();
  a.synthetic.loss = 0;
  a.synthetic.cosine = 0;
  a.synthetic.learns = 0;
  return counts;
}

/** The lockstep schedule (deterministic): see runLockstep. */
export class LockstepSchedule implements SystemSchedule {
  constructor(
    readonly system: TwoClockSystem,
    private readonly tap?: MessageTap,
  ) {}
  async run(blocks: number): Promise<EpochCounts> {
    runLockstep(this.system, blocks, this.tap);
    return takeCounts(this.system, null);
  }
  async evaluate(test: Dataset, prng: Prng, options: { lanes: number; blocks: number }) {
    return evaluateSystem(this.system, test, prng, options);
  }
  async dispose(): Promise<void> {}
}
