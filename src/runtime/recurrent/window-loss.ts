import { MaskedSigmoidBCE } from '../../nn/losses/masked-sigmoid-bce.ts';
import { SoftmaxCrossEntropy } from '../../nn/losses/softmax-cross-entropy.ts';
import type { Tensor } from '../../tensor/tensor.ts';

/** A window of per-tick inputs [T, B, I], time-major, and what its loss compares the outputs with. */
export interface WindowInputs {
  inputs: Tensor;
  /** The lanes start afresh (a new pass over a text): the carried state is reset to zero. */
  fresh?: boolean;
}

/** Copy / Repeat Copy: target bits [T, B, C] on the ticks the mask [T, B] selects. */
export interface BitsWindow extends WindowInputs {
  targets: Tensor;
  mask: Tensor;
}

/** A character stream: the next character's id at every tick, [T·B]. */
export interface TokenWindow extends WindowInputs {
  labels: Int32Array;
}

/**
 * A per-tick loss summed over a truncation window and averaged over the lanes (paper §3.2), on the
 * readout's logits for all T·B tick rows at once. After `forward`, `bits` is the error in bits
 * summed over the ticks that count and `ticks` their number.
 */
export interface WindowLoss<D extends WindowInputs> {
  readonly name: string;
  forward(logits: Tensor, data: D, lanes: number): number;
  backward(): Tensor;
  readonly bits: number;
  readonly ticks: number;
}

/** Sigmoid cross-entropy per target bit on the masked ticks (Copy, Repeat Copy). */
export class BitsLoss implements WindowLoss<BitsWindow> {
  private readonly loss: MaskedSigmoidBCE;
  constructor(readonly name: string) {
    this.loss = new MaskedSigmoidBCE(name);
  }
  forward(logits: Tensor, data: BitsWindow, lanes: number): number {
    const rows = logits.shape[0];
    const targets = data.targets.reshape([rows, data.targets.size / rows]);
    return this.loss.forward(logits, { targets, mask: data.mask.reshape([rows]), lanes });
  }
  backward(): Tensor {
    return this.loss.backward();
  }
  get bits(): number {
    return this.loss.bits;
  }
  get ticks(): number {
    return this.loss.ticks;
  }
}

/** Softmax cross-entropy on the next token at every tick (character-level language models). */
export class TokenLoss implements WindowLoss<TokenWindow> {
  private readonly loss: SoftmaxCrossEntropy;
  bits = 0;
  ticks = 0;
  constructor(readonly name: string) {
    this.loss = new SoftmaxCrossEntropy(name);
  }
  forward(logits: Tensor, data: TokenWindow, lanes: number): number {
    const rows = logits.shape[0];
    // SoftmaxCrossEntropy averages over all T·B rows; the window's loss sums over its T ticks.
    const mean = this.loss.forward(logits, data.labels);
    const gradient = this.loss.backward().data;
    const ticks = rows / lanes;
    for (let i = 0; i < gradient.length; i++) gradient[i] *= ticks;
    this.bits = (mean * rows) / Math.LN2;
    this.ticks = rows;
    return mean * ticks;
  }
  backward(): Tensor {
    return this.loss.backward();
  }
}
