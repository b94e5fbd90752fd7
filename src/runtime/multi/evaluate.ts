import type { Dataset } from '../../data/dataset.ts';
import { countsOver, DigitStream } from '../../data/digit-stream.ts';
import type { Prng } from '../../tensor/prng.ts';
import { Tensor } from '../../tensor/tensor.ts';
import type { TwoClockSystem } from './build-system.ts';
import { DIGIT_COUNTS } from './system-spec.ts';

export interface HeldOutAccuracy {
  /** A's odd counts and B's 3s counts on test digits: fraction right. */
  a: number;
  b: number;
}

/**
 * Both networks' count accuracy on held-out digits (MNIST's test split), without learning: `blocks`
 * of B's windows on `lanes` lanes from a fresh state, after one block of warm-up so that the state
 * is in the regime training sees. The same `prng` position gives the same digits every time.
 */
export function evaluateSystem(
  system: TwoClockSystem,
  test: Dataset,
  prng: Prng,
  options: { lanes: number; blocks: number },
): HeldOutAccuracy {
  const { spec } = system;
  const T = spec.a.core.window;
  const { lanes, blocks } = options;
  const stream = new DigitStream(test, lanes, prng);
  const state = (units: number) => ({ h: Tensor.zeros([lanes, units]), c: Tensor.zeros([lanes, units]) });
  const stateA = state(spec.a.core.units);
  const stateB = state(spec.b.core.units);
  let correctA = 0;
  let correctB = 0;
  for (let block = -1; block < blocks; block++) {
    const digits = stream.next(T * T);
    const { messages, correct } = system.a.evaluateBlock(digits, stateA);
    const labels = countsOver(digits, T * T, DIGIT_COUNTS[spec.b.loss.target]);
    const right = system.b.evaluateWindow(messages, labels, stateB);
    if (block < 0) continue;
    correctA += correct;
    correctB += right;
  }
  return { a: correctA / (blocks * T * lanes), b: correctB / (blocks * lanes) };
}
