import { Tensor } from '../../tensor/tensor.ts';
import type { ModuleCompute } from '../module-compute.ts';
import { DivergenceError } from '../trainer.ts';
import type { BoundaryLearning, RecurrentCore } from './recurrent-core.ts';
import type { WindowInputs, WindowLoss } from './window-loss.ts';

export interface WindowReport extends BoundaryLearning {
  window: number;
  /** The window's loss: summed over its ticks, averaged over lanes. */
  loss: number;
  /** Error in bits summed over the ticks that count, and their number. */
  bits: number;
  ticks: number;
}

/**
 * One window of a recurrent network on the lockstep schedule: the core runs T ticks from its carried
 * state, the readout (a feed-forward module shared across ticks) maps every tick's h to logits, the
 * loss sums the per-tick losses (paper §3.2), and gradients flow back through the readout into the
 * core, whose state loop handles the boundary. The readout sees the T·B tick rows as one batch.
 */
export class RecurrentEngine<D extends WindowInputs = WindowInputs> {
  constructor(
    readonly core: RecurrentCore,
    readonly readout: ModuleCompute,
    readonly loss: WindowLoss<D>,
  ) {}

  get lossName(): string {
    return this.loss.name;
  }

  step(data: D): WindowReport {
    const window = this.core.windows;
    const [ticks, batch] = data.inputs.shape;
    if (data.fresh) this.core.resetState();
    const outputs = this.core.forward(data.inputs);
    const H = outputs.shape[2];
    const logits = this.readout.forward(new Tensor(outputs.data, [ticks * batch, H]), true);
    const loss = this.loss.forward(logits, data, batch);
    if (!Number.isFinite(loss)) throw new DivergenceError(this.loss.name, window, undefined);
    this.readout.accumulate(this.loss.backward());
    const gradient = this.readout.backwardAndUpdate();
    const learning = this.core.backward(new Tensor(gradient.data, [ticks, batch, H]));
    return { window, loss, bits: this.loss.bits, ticks: this.loss.ticks, ...learning };
  }

  /**
   * The loss of a window without learning, from the evaluation state `state` (carried across calls
   * like the training state, but apart from it): for validation and test bits per character.
   */
  evaluate(data: D, state: { h: Tensor; c: Tensor }): { bits: number; ticks: number } {
    const [ticks, batch] = data.inputs.shape;
    if (data.fresh) {
      state.h.data.fill(0);
      state.c.data.fill(0);
    }
    const outputs = this.core.evaluate(data.inputs, state);
    const logits = this.readout.layers.forward(
      new Tensor(outputs.data, [ticks * batch, outputs.shape[2]]),
      false,
    );
    this.loss.forward(logits, data, batch);
    return { bits: this.loss.bits, ticks: this.loss.ticks };
  }
}
