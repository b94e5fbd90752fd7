import type { MonoTypeOperatorFunction } from 'rxjs';
import type { Prng } from '../tensor/prng.ts';
import type { BackwardMessage } from './messages.ts';
import { operate } from './operate.ts';

/**
 * Sparse updates (paper §3.1, DESIGN item 6): each gradient message passes with probability
 * `pUpdate` and is otherwise dropped. Put it in front of a module, and on the steps it drops that
 * module neither updates nor backpropagates. (SG models upstream then never get a target for those
 * steps; give their `dni` a `forgetAfter` so the unanswered predictions are released.)
 *
 * Exactly one number is drawn from `prng` per message, whatever `pUpdate` is, so the subset passed
 * depends only on the seed and the message count. Pass a stream of its own, e.g.
 * `prng.stream('sparse/fc2')`; subscriptions made with the same `prng` share its sequence.
 */
export function sparse(pUpdate: number, prng: Prng): MonoTypeOperatorFunction<BackwardMessage> {
  if (!(pUpdate >= 0 && pUpdate <= 1)) {
    throw new Error(`dniflow/operators: sparse pUpdate must be in [0, 1], got ${pUpdate}`);
  }
  return operate<BackwardMessage, BackwardMessage>(() => ({
    next(message, emit) {
      if (prng.uniform() < pUpdate) emit(message);
    },
  }));
}
