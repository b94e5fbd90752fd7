import { Observable, type OperatorFunction } from 'rxjs';

/** Hands one value downstream (a no-op once the downstream has unsubscribed). */
export type Emit<R> = (value: R) => void;

/**
 * One subscription's worth of operator logic, in the spirit of RxJS's internal `operate` /
 * `createOperatorSubscriber`: the operator is plain per-subscription state plus handlers, and this
 * file owns the stream plumbing (errors, completion, teardown) once for every operator.
 */
export interface Operation<T, R> {
  /** Handles one source value; a throw becomes the stream's error. */
  next(value: T, emit: Emit<R>): void;
  /** Runs when the source completes, before completion passes downstream (may flush held values). */
  complete?(emit: Emit<R>): void;
  /** Runs exactly once when the subscription ends (completion, error or unsubscribe): release state. */
  finalize?(): void;
}

/**
 * Builds an operator from a factory of per-subscription state. `init` runs at subscribe time, so
 * two subscriptions never share an operation's state (they may still share what `init` closes over,
 * such as a model or a PRNG).
 *
 * State changes made by a handler before it emits are seen by `finalize` even when the emission
 * itself makes the downstream unsubscribe (e.g. `take(1)`), so nothing is leaked that way.
 */
export function operate<T, R>(init: () => Operation<T, R>): OperatorFunction<T, R> {
  return (source) =>
    new Observable<R>((subscriber) => {
      const operation = init();
      const emit: Emit<R> = (value) => subscriber.next(value);
      if (operation.finalize) subscriber.add(() => operation.finalize?.());
      // Added to the subscriber, so the source is unsubscribed when we error, complete or are
      // unsubscribed; if that already happened during a synchronous subscribe, `add` tears down at once.
      subscriber.add(
        source.subscribe({
          next: (value) => {
            if (subscriber.closed) return;
            try {
              operation.next(value, emit);
            } catch (error) {
              subscriber.error(error);
            }
          },
          error: (error) => subscriber.error(error),
          complete: () => {
            if (subscriber.closed) return;
            try {
              operation.complete?.(emit);
            } catch (error) {
              subscriber.error(error);
              return;
            }
            subscriber.complete();
          },
        }),
      );
    });
}
