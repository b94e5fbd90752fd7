import type { LossKind } from '../graph/network.ts';
import type { Loss } from '../nn/losses/loss.ts';
import { MSELoss } from '../nn/losses/mse-loss.ts';
import { SigmoidBCE } from '../nn/losses/sigmoid-bce.ts';
import { SoftmaxCrossEntropy } from '../nn/losses/softmax-cross-entropy.ts';
import type { ForwardMessage, TargetMessage } from '../operators/messages.ts';
import { Tensor } from '../tensor/tensor.ts';
import type { Outbound } from './module-process.ts';

/** A step's loss, and the true gradient it sends back on its input edge. */
export interface LossDone {
  step: number;
  loss: number;
  out: Outbound[];
}

/**
 * A loss node as a process with two inputs: the prediction on its input edge and the target the data
 * source sends on its own message (they may arrive in either order; each waits for the other). It
 * answers on the input edge with the true gradient: the top of the chain of bootstrapped targets
 * (DESIGN item 1). Softmax cross-entropy takes the labels; sigmoid BCE and MSE take them one-hot
 * (multi-label and regression readings of the same classes). One process per loss node, so a
 * gradient's buffer is rewritten only by that loss's own next step.
 */
export class LossProcess {
  private readonly loss: Loss<Uint8Array | Int32Array> | Loss<Tensor>;
  private readonly targets = new Map<number, TargetMessage>();
  private readonly predictions = new Map<number, ForwardMessage>();
  private oneHot: Tensor | null = null;

  constructor(
    readonly name: string,
    readonly kind: LossKind,
    private readonly edge: string,
    private readonly copyMessages: boolean,
  ) {
    this.loss =
      kind === 'softmaxCrossEntropy'
        ? new SoftmaxCrossEntropy(name)
        : kind === 'sigmoidBce'
          ? new SigmoidBCE(name)
          : new MSELoss(name);
  }

  target(message: TargetMessage): LossDone | undefined {
    const prediction = this.predictions.get(message.step);
    if (prediction === undefined) {
      this.targets.set(message.step, message);
      return undefined;
    }
    this.predictions.delete(message.step);
    return this.compute(prediction, message);
  }

  prediction(message: ForwardMessage): LossDone | undefined {
    const target = this.targets.get(message.step);
    if (target === undefined) {
      if (this.predictions.has(message.step))
        throw new Error(
          `dniflow/runtime: loss '${this.name}' got a second prediction for step ${message.step}`,
        );
      this.predictions.set(message.step, message);
      return undefined;
    }
    this.targets.delete(message.step);
    return this.compute(message, target);
  }

  private compute(prediction: ForwardMessage, target: TargetMessage): LossDone {
    const { step, tick, activation } = prediction;
    const loss =
      this.kind === 'softmaxCrossEntropy'
        ? (this.loss as Loss<Uint8Array | Int32Array>).forward(activation, target.labels)
        : (this.loss as Loss<Tensor>).forward(activation, this.oneHotOf(target.labels, activation.shape));
    const computed = this.loss.backward();
    const gradient = this.copyMessages ? computed.clone() : computed;
    return {
      step,
      loss,
      out: [
        { edge: this.edge, event: { type: 'backward', message: { step, tick, gradient, kind: 'true' } } },
      ],
    };
  }

  private oneHotOf(labels: ArrayLike<number>, shape: readonly number[]): Tensor {
    const [batch, classes] = shape;
    if (this.oneHot === null || this.oneHot.size !== batch * classes)
      this.oneHot = Tensor.zeros([batch, classes]);
    const data = this.oneHot.data;
    data.fill(0);
    for (let b = 0; b < batch; b++) {
      const label = labels[b];
      if (!(label >= 0 && label < classes))
        throw new Error(`dniflow/runtime: loss '${this.name}' got label ${label} for ${classes} outputs`);
      data[b * classes + label] = 1;
    }
    return this.oneHot;
  }
}
