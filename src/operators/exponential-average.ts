import type { MonoTypeOperatorFunction } from 'rxjs';
import { type Shape, sameShape, Tensor } from '../tensor/tensor.ts';
import type { BackwardMessage } from './messages.ts';
import { operate } from './operate.ts';

/**
 * Averaged stale gradients (DESIGN item 7): each emitted message carries the running exponential
 * average of the gradients so far, ḡ_t = decay · ḡ_{t−1} + (1 − decay) · g_t, starting from
 * ḡ_1 = g_1 (no zero start, so no bias correction is needed). Step, tick and kind are the incoming
 * message's.
 *
 * The average lives in one buffer owned by the subscription; per message the only allocation is the
 * emitted tensor (the message owns it, so the receiver may keep or modify it). A gradient of another
 * shape — e.g. the smaller last batch of an epoch — restarts the average from it, since rows of
 * different batch sizes do not line up.
 */
export function exponentialAverage(decay: number): MonoTypeOperatorFunction<BackwardMessage> {
  if (!(decay >= 0 && decay < 1)) {
    throw new Error(`dniflow/operators: exponentialAverage decay must be in [0, 1), got ${decay}`);
  }
  const keep = 1 - decay;
  return operate<BackwardMessage, BackwardMessage>(() => {
    let average: Float32Array | null = null;
    let shape: Shape = [];
    return {
      next(message, emit) {
        const gradient = message.gradient;
        const incoming = gradient.data;
        if (average === null || !sameShape(shape, gradient.shape)) {
          if (average === null || average.length !== incoming.length)
            average = new Float32Array(incoming.length);
          average.set(incoming);
          shape = gradient.shape;
        } else {
          for (let i = 0; i < average.length; i++) average[i] = decay * average[i] + keep * incoming[i];
        }
        emit({ ...message, gradient: new Tensor(average.slice(), gradient.shape) });
      },
      finalize() {
        average = null;
      },
    };
  });
}
