import { CharBatcher } from '../../data/char-batches.ts';
import type { CharIds } from '../../data/vocabulary.ts';
import { Tensor } from '../../tensor/tensor.ts';
import type { TokenWindow } from './window-loss.ts';

/**
 * A character split as windows for a recurrent net: contiguous lanes (CharBatcher), each tick's
 * character one-hot [T, B, V], the next character as its label. Only whole windows of T ticks (the
 * truncation is the same for every window); at the end of the split the lanes start over, and that
 * window is marked fresh so the carried state is reset rather than carried across the jump.
 */
export class TextWindows {
  readonly batcher: CharBatcher;
  readonly vocabulary: number;
  private readonly oneHot: Tensor;
  private readonly labels: Int32Array;
  /** Completed passes over the split. */
  passes = 0;

  constructor(ids: CharIds, vocabulary: number, batch: number, window: number) {
    this.batcher = new CharBatcher(ids, batch, window, { dropLast: true });
    this.vocabulary = vocabulary;
    this.oneHot = Tensor.zeros([window, batch, vocabulary]);
    this.labels = new Int32Array(window * batch);
  }

  /** Windows in one pass over the split. */
  get windowsPerPass(): number {
    return this.batcher.windowsPerEpoch;
  }

  next(): TokenWindow {
    let chars = this.batcher.next();
    if (chars === null) {
      this.passes++;
      this.batcher.reset();
      chars = this.batcher.next()!;
    }
    const V = this.vocabulary;
    const data = this.oneHot.data;
    data.fill(0);
    for (let row = 0; row < chars.inputs.length; row++) data[row * V + chars.inputs[row]] = 1;
    this.labels.set(chars.targets);
    return { inputs: this.oneHot, labels: this.labels, fresh: chars.index === 0 };
  }
}
