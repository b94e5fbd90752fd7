import { type Shape, sizeOf } from '../tensor/tensor.ts';

/** Integer class labels; image datasets use bytes, generated tasks may need wider types. */
export type LabelArray = Uint8Array | Uint16Array | Int32Array;

/**
 * A labelled dataset held in memory: `count` examples of per-example `shape`, stored row-major one
 * after another in `images` (`count × sizeOf(shape)` floats). The arrays may be shared with a
 * process-wide cache or with the dataset a `subset` came from: treat them as read-only.
 */
export interface Dataset<L extends LabelArray = Uint8Array> {
  readonly images: Float32Array;
  readonly labels: L;
  readonly count: number;
  /** Per-example shape without the batch dimension, e.g. [1, 28, 28]. */
  readonly shape: Shape;
  /** Number of classes; every label lies in [0, classes). */
  readonly classes: number;
}

/** Checks that the arrays agree with `count` and `shape`; `where` names the dataset in errors. */
export function checkDataset<L extends LabelArray>(dataset: Dataset<L>, where: string): void {
  const { images, labels, count, shape } = dataset;
  if (!Number.isInteger(count) || count < 0) {
    throw new Error(`dniflow/data: ${where} has a bad example count ${count}`);
  }
  const rowSize = sizeOf(shape);
  if (images.length !== count * rowSize) {
    throw new Error(
      `dniflow/data: ${where} has ${images.length} image values, expected ${count} × ${rowSize} ` +
        `(shape [${shape.join(', ')}])`,
    );
  }
  if (labels.length !== count) {
    throw new Error(`dniflow/data: ${where} has ${labels.length} labels for ${count} examples`);
  }
}

/** Throws unless every label is an integer in [0, classes); `where` names the file or dataset. */
export function checkLabels(labels: ArrayLike<number>, classes: number, where: string): void {
  for (let i = 0; i < labels.length; i++) {
    const label = labels[i];
    if (!(label >= 0 && label < classes)) {
      throw new Error(`dniflow/data: ${where}: label ${label} at index ${i} is outside 0..${classes - 1}`);
    }
  }
}
