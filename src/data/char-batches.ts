import type { CharIds } from './vocabulary.ts';

/**
 * One window of a character stream, time-major: entry t·B + b is lane b at tick t. `inputs` and
 * `targets` are views on the batcher's buffers: the next window overwrites them.
 */
export interface CharWindow {
  /** Position of the window within its epoch, from 0; 0 marks a fresh start of every lane. */
  readonly index: number;
  /** Ticks in this window: T, or fewer for the last window of an epoch (unless `dropLast`). */
  readonly ticks: number;
  /** [ticks, B] character ids. */
  readonly inputs: Int32Array;
  /** [ticks, B]: the character after each input. */
  readonly targets: Int32Array;
}

/** A CharBatcher's position: ticks taken per lane this epoch, windows this epoch, characters in all. */
export interface CharBatcherState {
  offset: number;
  windowIndex: number;
  seen: number;
}

export interface CharBatchOptions {
  /** Skip the short last window so that every window has exactly T ticks. */
  dropLast?: boolean;
}

/**
 * Contiguous batching for a character-level LM with truncated BPTT (paper §3.2): the text is cut
 * into B lanes, lane b being the L = floor(length / B) characters from b·L, and each window takes
 * the next T characters of every lane. Lane b of one window continues exactly where lane b of the
 * previous one stopped, so a recurrent net can carry its state from window to window (never reset
 * within an epoch). Inputs are lane positions [0, L−1) and targets their successors, so each lane
 * predicts only characters of its own segment: L−1 predictions per lane and epoch. The last
 * length mod B characters of the text are never used.
 */
export class CharBatcher {
  readonly ids: CharIds;
  readonly batch: number;
  readonly window: number;
  readonly dropLast: boolean;
  /** Characters per lane, L. */
  readonly laneLength: number;
  private offset = 0;
  private windowIndex = 0;
  private seen = 0;
  private readonly inputBuffer: Int32Array;
  private readonly targetBuffer: Int32Array;

  constructor(ids: CharIds, batch: number, window: number, options: CharBatchOptions = {}) {
    if (!Number.isInteger(batch) || batch < 1) {
      throw new Error(`dniflow/data: character batch size must be a positive integer, got ${batch}`);
    }
    if (!Number.isInteger(window) || window < 1) {
      throw new Error(
        `dniflow/data: character window must be a positive integer number of ticks, got ${window}`,
      );
    }
    const laneLength = Math.floor(ids.length / batch);
    // Every lane must hold at least one full window of inputs plus the target after it.
    if (laneLength < window + 1) {
      throw new Error(
        `dniflow/data: ${ids.length} characters in ${batch} lanes give lanes of ${laneLength}; ` +
          `a window of ${window} ticks needs at least ${window + 1} per lane ` +
          `(${batch * (window + 1)} characters in all)`,
      );
    }
    this.ids = ids;
    this.batch = batch;
    this.window = window;
    this.dropLast = options.dropLast ?? false;
    this.laneLength = laneLength;
    this.inputBuffer = new Int32Array(window * batch);
    this.targetBuffer = new Int32Array(window * batch);
  }

  /** Windows per epoch, counting the short last window unless `dropLast`. */
  get windowsPerEpoch(): number {
    const steps = this.laneLength - 1;
    return this.dropLast ? Math.floor(steps / this.window) : Math.ceil(steps / this.window);
  }

  /** Characters predicted (targets delivered, over all lanes) since construction; `reset` keeps it. */
  get charsSeen(): number {
    return this.seen;
  }

  /** Ticks already taken from each lane in this epoch. */
  get position(): number {
    return this.offset;
  }

  /** The next window, or null once the lanes have run out (until `reset`). */
  next(): CharWindow | null {
    const left = this.laneLength - 1 - this.offset;
    const ticks = Math.min(this.window, left);
    if (ticks <= 0 || (this.dropLast && ticks < this.window)) return null;
    const { ids, batch, laneLength, offset } = this;
    const size = ticks * batch;
    const inputs = this.inputBuffer.subarray(0, size);
    const targets = this.targetBuffer.subarray(0, size);
    for (let b = 0; b < batch; b++) {
      const start = b * laneLength + offset;
      for (let t = 0; t < ticks; t++) {
        inputs[t * batch + b] = ids[start + t];
        targets[t * batch + b] = ids[start + t + 1];
      }
    }
    this.offset += ticks;
    this.seen += size;
    return { index: this.windowIndex++, ticks, inputs, targets };
  }

  /** Where the lanes are, for a checkpoint: `seek` continues from here. */
  state(): CharBatcherState {
    return { offset: this.offset, windowIndex: this.windowIndex, seen: this.seen };
  }

  seek(state: CharBatcherState): void {
    if (!Number.isInteger(state.offset) || state.offset < 0 || state.offset > this.laneLength - 1)
      throw new Error(`dniflow/data: character lanes of ${this.laneLength} have no position ${state.offset}`);
    this.offset = state.offset;
    this.windowIndex = state.windowIndex;
    this.seen = state.seen;
  }

  /** Back to the start of every lane, for a new epoch (the caller resets its recurrent state). */
  reset(): void {
    this.offset = 0;
    this.windowIndex = 0;
  }
}
