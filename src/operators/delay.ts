import type { MonoTypeOperatorFunction } from 'rxjs';
import { operate } from './operate.ts';

export interface DelayStepsOptions {
  /**
   * What becomes of the last k messages when the source completes: 'drop' (default) — they are
   * never released, as in a run that stops while k gradients are still in flight; 'flush' — they are
   * released in order, at once, just before completion.
   */
  onComplete?: 'drop' | 'flush';
}

/**
 * The stale-gradient baseline (DESIGN item 7): each message is released k messages later — when
 * the k-th message after it arrives — with its own `step` unchanged, so the consumer knows which
 * step it belongs to and how stale it is. Driven by message arrivals, never by time, so it is
 * deterministic under the lockstep scheduler. k = 0 passes everything straight through. On error or
 * unsubscribe the held messages are discarded.
 */
export function delaySteps<T extends { step: number }>(
  k: number,
  options: DelayStepsOptions = {},
): MonoTypeOperatorFunction<T> {
  if (!(Number.isInteger(k) && k >= 0)) {
    throw new Error(`dniflow/operators: delaySteps needs a non-negative integer k, got ${k}`);
  }
  const onComplete = options.onComplete ?? 'drop';
  if (onComplete !== 'drop' && onComplete !== 'flush') {
    throw new Error(
      `dniflow/operators: delaySteps onComplete must be 'drop' or 'flush', got '${String(onComplete)}'`,
    );
  }
  return operate<T, T>(() => {
    // A ring of the k messages in flight, oldest at `head`.
    const ring = new Array<T | undefined>(k).fill(undefined);
    let head = 0;
    let held = 0;
    return {
      next(message, emit) {
        if (k === 0) {
          emit(message);
          return;
        }
        if (held < k) {
          ring[(head + held) % k] = message;
          held++;
          return;
        }
        const released = ring[head] as T;
        ring[head] = message;
        head = (head + 1) % k;
        emit(released);
      },
      complete(emit) {
        if (onComplete === 'drop') return;
        const flushed: T[] = [];
        for (let i = 0; i < held; i++) flushed.push(ring[(head + i) % k] as T);
        held = 0;
        for (const message of flushed) emit(message);
      },
      finalize() {
        ring.fill(undefined);
        held = 0;
      },
    };
  });
}
