import type { MaskedSigmoidBCE } from '../../nn/losses/masked-sigmoid-bce.ts';
import { Tensor } from '../../tensor/tensor.ts';
import type { ModuleCompute } from '../module-compute.ts';
import { DivergenceError } from '../trainer.ts';
import type { BoundaryLearning, RecurrentCore } from './recurrent-core.ts';

/** One truncation window of per-tick data, time-major. */
export interface WindowData {
  /** [T, B, I]. */
  inputs: Tensor;
  /** [T, B, C]. */
  targets: Tensor;
  /** [T, B]: which ticks carry a target. */
  mask: Tensor;
}

export interface WindowReport extends BoundaryLearning {
  window: number;
  /** The window's loss: summed over its masked ticks, averaged over lanes. */
  loss: number;
  /** Error in bits summed over the masked ticks, and their count. */
  bits: number;
  ticks: number;
}

/**
 * One window of a recurrent network on the lockstep schedule: the core runs T ticks from its carried
 * state, the readout (a feed-forward module shared across ticks) maps every tick's h to logits, the
 * loss sums the per-tick losses (paper §3.2), and gradients flow back through the readout into the
 * core, whose state loop handles the boundary. The readout sees the T·B tick rows as one batch.
 */
export class RecurrentEngine {
  constructor(
    readonly core: RecurrentCore,
    readonly readout: ModuleCompute,
    readonly loss: MaskedSigmoidBCE,
    readonly lossName: string,
  ) {}

  step(data: WindowData): WindowReport {
    const window = this.core.windows;
    const [ticks, batch] = data.inputs.shape;
    const outputs = this.core.forward(data.inputs);
    const H = outputs.shape[2];
    const logits = this.readout.forward(new Tensor(outputs.data, [ticks * batch, H]), true);
    const rows = ticks * batch;
    const targets = new Tensor(data.targets.data, [rows, data.targets.size / rows]);
    const mask = new Tensor(data.mask.data, [rows]);
    const loss = this.loss.forward(logits, { targets, mask, lanes: batch });
    if (!Number.isFinite(loss)) throw new DivergenceError(this.lossName, window, undefined);
    this.readout.accumulate(this.loss.backward());
    const gradient = this.readout.backwardAndUpdate();
    const learning = this.core.backward(new Tensor(gradient.data, [ticks, batch, H]));
    return { window, loss, bits: this.loss.bits, ticks: this.loss.ticks, ...learning };
  }
}
