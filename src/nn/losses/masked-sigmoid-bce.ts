import type { Tensor } from '../../tensor/tensor.ts';
import { formatShape, reuse } from '../buffers.ts';
import type { Loss } from './loss.ts';

/** Per-tick targets of a window: rows are ticks × lanes, the mask picks the rows that count. */
export interface MaskedTargets {
  /** [rows, C]. */
  targets: Tensor;
  /** [rows]: a weight per row, 0 for rows without a target. */
  mask: Tensor;
  /** Lanes (B) the loss is averaged over. */
  lanes: number;
}

/**
 * Sigmoid cross-entropy per channel, summed over the channels and the masked ticks of a window and
 * averaged over the lanes: the per-tick loss of Copy / Repeat Copy summed over a truncation window
 * (paper §3.2). Stable for any logit (as SigmoidBCE). After `forward`, `bits` and `ticks` give the
 * error in bits summed over the masked ticks and their count: bits / ticks is the error per target
 * tick that the curriculum watches.
 */
export class MaskedSigmoidBCE implements Loss<MaskedTargets> {
  readonly name: string;
  private gradient: Tensor | null = null;
  bits = 0;
  ticks = 0;

  constructor(name = 'maskedSigmoidBce') {
    this.name = name;
  }

  forward(logits: Tensor, { targets, mask, lanes }: MaskedTargets): number {
    const rows = mask.size;
    if (logits.size !== targets.size || rows === 0 || targets.size % rows !== 0) {
      throw new Error(
        `dniflow/nn: MaskedSigmoidBCE '${this.name}' needs logits and targets of one size with a whole number of channels per mask row; got logits ${formatShape(logits.shape)}, targets ${formatShape(targets.shape)}, mask ${formatShape(mask.shape)}`,
      );
    }
    if (!(Number.isInteger(lanes) && lanes >= 1 && rows % lanes === 0)) {
      throw new Error(
        `dniflow/nn: MaskedSigmoidBCE '${this.name}' needs a lane count dividing the ${rows} rows, got ${lanes}`,
      );
    }
    const gradient = reuse(this.gradient, logits.shape);
    this.gradient = gradient;
    const channels = targets.size / rows;
    const x = logits.data;
    const t = targets.data;
    const m = mask.data;
    const grad = gradient.data;
    const inv = 1 / lanes;
    let nats = 0;
    let ticks = 0;
    for (let row = 0; row < rows; row++) {
      const weight = m[row];
      const start = row * channels;
      const end = start + channels;
      if (weight === 0) {
        grad.fill(0, start, end);
        continue;
      }
      let sum = 0;
      for (let i = start; i < end; i++) {
        const v = x[i];
        const e = Math.exp(-Math.abs(v)); // in (0, 1]: never overflows
        sum += Math.max(v, 0) - v * t[i] + Math.log1p(e);
        const sigma = v >= 0 ? 1 / (1 + e) : e / (1 + e);
        grad[i] = weight * (sigma - t[i]) * inv;
      }
      nats += weight * sum;
      ticks += weight;
    }
    this.bits = nats / Math.LN2;
    this.ticks = ticks;
    return nats * inv;
  }

  backward(): Tensor {
    if (this.gradient === null)
      throw new Error(`dniflow/nn: MaskedSigmoidBCE '${this.name}' backward called before forward`);
    return this.gradient;
  }
}
