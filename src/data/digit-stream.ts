import type { Prng } from '../tensor/prng.ts';
import { Tensor } from '../tensor/tensor.ts';
import type { Dataset } from './dataset.ts';

/** A stretch of the digit stream: `ticks` digits per lane, time-major. */
export interface DigitWindow {
  /** [ticks, lanes, pixels]: the digit each lane sees at each tick. */
  images: Tensor;
  /** The class of each of those digits, [ticks · lanes], time-major. */
  digits: Uint8Array;
  ticks: number;
  lanes: number;
}

/**
 * The odd/3s system's input (paper §3.3, DESIGN.md item 9): MNIST digits drawn one per tick per
 * lane, uniformly with replacement, from a seeded stream. Training reads the train split and
 * evaluation the test split, so held-out accuracy is measured on digits the networks never saw.
 * The stream runs on without episodes: the count targets are over fixed blocks of ticks aligned to
 * tick 0, so they are computed from the window alone (see `countsOver`).
 */
export class DigitStream {
  private readonly pixels: number;
  private window: DigitWindow | null = null;

  constructor(
    private readonly dataset: Dataset,
    private readonly lanes: number,
    private readonly prng: Prng,
  ) {
    if (!Number.isInteger(lanes) || lanes < 1)
      throw new Error(`dniflow/data: a digit stream needs a positive integer number of lanes, got ${lanes}`);
    if (dataset.count < 1) throw new Error('dniflow/data: a digit stream needs a non-empty dataset');
    this.pixels = dataset.images.length / dataset.count;
  }

  /**
   * The stream's position: its PRNG's, since every draw is fresh (no epochs, no per-lane cursor), so
   * a stream seeked to it draws the same digits on every lane as the stream it was read from.
   */
  position(): Float32Array {
    return this.prng.position();
  }

  seek(position: ArrayLike<number>): void {
    this.prng.seek(position);
  }

  /** The next `ticks` digits of every lane (a buffer reused by the next call of the same length). */
  next(ticks: number): DigitWindow {
    if (this.window === null || this.window.ticks !== ticks) {
      this.window = {
        images: Tensor.zeros([ticks, this.lanes, this.pixels]),
        digits: new Uint8Array(ticks * this.lanes),
        ticks,
        lanes: this.lanes,
      };
    }
    const { images, digits } = this.window;
    const { count, labels } = this.dataset;
    for (let row = 0; row < ticks * this.lanes; row++) {
      const index = this.prng.int(count);
      digits[row] = labels[index];
      images.data.set(
        this.dataset.images.subarray(index * this.pixels, (index + 1) * this.pixels),
        row * this.pixels,
      );
    }
    return this.window;
  }
}

/**
 * Per block of `span` ticks and per lane, how many of the block's digits satisfy `counts` (e.g. odd
 * digits over A's T ticks, 3s over B's T² ticks): [ticks / span · lanes] class labels, block-major.
 */
export function countsOver(
  window: Pick<DigitWindow, 'digits' | 'ticks' | 'lanes'>,
  span: number,
  counts: (digit: number) => boolean,
): Int32Array {
  const { digits, ticks, lanes } = window;
  if (ticks % span !== 0)
    throw new Error(`dniflow/data: a window of ${ticks} ticks does not split into blocks of ${span}`);
  const labels = new Int32Array((ticks / span) * lanes);
  for (let t = 0; t < ticks; t++) {
    const block = Math.floor(t / span);
    for (let lane = 0; lane < lanes; lane++)
      if (counts(digits[t * lanes + lane])) labels[block * lanes + lane]++;
  }
  return labels;
}
