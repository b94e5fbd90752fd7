import { SoftmaxCrossEntropy } from '../nn/losses/softmax-cross-entropy.ts';
import type { ForwardMessage } from '../operators/messages.ts';
import type { Outbound } from './module-process.ts';

/**
 * A loss node as a process: it receives the prediction on its input edge, with the labels the data
 * source attached, and answers on the same edge with the true gradient (DESIGN item 1: the top of the
 * chain of bootstrapped targets). One per loss node, so that a gradient's buffer is rewritten only by
 * that loss's own next step.
 */
export class LossProcess {
  private readonly loss: SoftmaxCrossEntropy;

  constructor(
    readonly name: string,
    private readonly edge: string,
    private readonly copyMessages: boolean,
  ) {
    this.loss = new SoftmaxCrossEntropy(name);
  }

  handle(message: ForwardMessage): { loss: number; out: Outbound[] } {
    const labels = message.context?.labels;
    if (!labels)
      throw new Error(`dniflow/runtime: loss '${this.name}' got no labels at step ${message.step}`);
    const loss = this.loss.forward(message.activation, labels);
    const computed = this.loss.backward();
    const gradient = this.copyMessages ? computed.clone() : computed;
    const backward = { step: message.step, tick: message.tick, gradient, kind: 'true' as const };
    return { loss, out: [{ edge: this.edge, event: { type: 'backward', message: backward } }] };
  }
}
