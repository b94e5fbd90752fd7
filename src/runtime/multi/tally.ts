import { DivergenceError } from '../trainer.ts';

/**
 * Stops a run whose window loss is not finite or above `limit` (train --max-loss), naming the loss
 * and the window (paper §3.3's networks run on, so a window is the step).
 */
export function checkLoss(loss: number, name: string, window: number, limit: number): void {
  if (!Number.isFinite(loss)) throw new DivergenceError(name, window, undefined);
  if (loss > limit) throw new DivergenceError(name, window, undefined, { value: loss, limit });
}

/** Running sums over one epoch of a network's windows: loss, count accuracy, updates. */
export class Tally {
  loss = 0;
  windows = 0;
  correct = 0;
  predictions = 0;

  /** Adds a window's loss and counts the rows of `logits` [rows, classes] whose argmax is the label. */
  add(loss: number, logits: Float32Array, labels: Int32Array, classes: number): void {
    this.loss += loss;
    this.windows++;
    this.correct += correctPredictions(logits, labels, classes);
    this.predictions += labels.length;
  }

  reset(): void {
    this.loss = 0;
    this.windows = 0;
    this.correct = 0;
    this.predictions = 0;
  }
}

/** Rows of `logits` [labels.length, classes] whose largest entry is at the row's label. */
export function correctPredictions(logits: Float32Array, labels: Int32Array, classes: number): number {
  let correct = 0;
  for (let row = 0; row < labels.length; row++) {
    let best = 0;
    for (let c = 1; c < classes; c++) if (logits[row * classes + c] > logits[row * classes + best]) best = c;
    if (best === labels[row]) correct++;
  }
  return correct;
}
