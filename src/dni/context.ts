import type { Tensor } from '../tensor/tensor.ts';
import type { SyntheticContext } from './synthetic-model.ts';

/**
 * cDNI's label context (paper §3.1): the synthetic-gradient model also sees the one-hot label.
 * - Flat model inputs get the one-hot vector concatenated: [B, D] → [B, D + K].
 * - Conv model inputs get one-hot *channel masks*: K extra channels, channel c all ones for an
 *   example of class c and zeros otherwise: [B, C, H, W] → [B, C + K, H, W].
 * Both write into a caller-owned output (no allocation) and overwrite all of it.
 */

/** Throws unless there is one valid label per example, naming `who` (the model) in the message. */
export function checkContext(who: string, context: SyntheticContext, batch: number, classes: number): void {
  if (context.classes !== classes) {
    throw new Error(
      `dniflow/dni: ${who} was built for ${classes} classes, got context with ${context.classes}`,
    );
  }
  const labels = context.labels;
  if (labels.length !== batch) {
    throw new Error(`dniflow/dni: ${who} got ${labels.length} labels for a batch of ${batch}`);
  }
  for (let i = 0; i < batch; i++) {
    const label = labels[i];
    if (!Number.isInteger(label) || label < 0 || label >= classes) {
      throw new Error(
        `dniflow/dni: ${who} got label ${label} at example ${i}; labels must be in [0, ${classes})`,
      );
    }
  }
}

/** out[b] = [input[b] flattened, onehot(labels[b])]; out is [B, D + classes] with D = input per-sample size. */
export function appendOneHot(input: Tensor, labels: ArrayLike<number>, classes: number, out: Tensor): void {
  const batch = input.shape[0];
  const width = input.size / batch;
  const outWidth = width + classes;
  if (out.size !== batch * outWidth) {
    throw new Error(
      `dniflow/dni: appendOneHot needs an output of ${batch}x${outWidth} values, got [${out.shape.join(', ')}]`,
    );
  }
  const x = input.data;
  const y = out.data;
  for (let b = 0; b < batch; b++) {
    const row = b * outWidth;
    y.set(x.subarray(b * width, (b + 1) * width), row);
    y.fill(0, row + width, row + outWidth);
    y[row + width + labels[b]] = 1;
  }
}

/** out[b] = [input[b] (C channels), K channel masks]; input [B, C, H, W], out [B, C + classes, H, W]. */
export function appendChannelMasks(
  input: Tensor,
  labels: ArrayLike<number>,
  classes: number,
  out: Tensor,
): void {
  if (input.rank !== 4) {
    throw new Error(
      `dniflow/dni: channel masks need a conv input [B, C, H, W], got [${input.shape.join(', ')}]`,
    );
  }
  const [batch, channels, height, width] = input.shape;
  const plane = height * width;
  const sample = channels * plane;
  const outSample = (channels + classes) * plane;
  if (out.size !== batch * outSample) {
    throw new Error(
      `dniflow/dni: appendChannelMasks needs an output [${batch}, ${channels + classes}, ${height}, ${width}], got [${out.shape.join(', ')}]`,
    );
  }
  const x = input.data;
  const y = out.data;
  for (let b = 0; b < batch; b++) {
    const base = b * outSample;
    y.set(x.subarray(b * sample, (b + 1) * sample), base);
    y.fill(0, base + sample, base + outSample);
    const mask = base + sample + labels[b] * plane;
    y.fill(1, mask, mask + plane);
  }
}
