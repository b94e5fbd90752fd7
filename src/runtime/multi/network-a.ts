import { countsOver, type DigitStream, type DigitWindow } from '../../data/digit-stream.ts';
import type { SyntheticGradientModel } from '../../dni/synthetic-gradient.ts';
import type { SyntheticLearnResult } from '../../dni/synthetic-model.ts';
import { SoftmaxCrossEntropy } from '../../nn/losses/softmax-cross-entropy.ts';
import { type Shape, Tensor } from '../../tensor/tensor.ts';
import type { ModuleCompute } from '../module-compute.ts';
import type { RecurrentCore } from '../recurrent/recurrent-core.ts';
import type { SystemMessage } from './messages.ts';
import { DIGIT_COUNTS, type Join, type SystemSpec } from './system-spec.ts';
import { checkLoss, correctPredictions, Tally } from './tally.ts';

export interface NetworkAParts {
  spec: SystemSpec;
  encoder: ModuleCompute | null;
  core: RecurrentCore;
  head: ModuleCompute;
  /** dni / cdni: B's synthetic-gradient model, held beside A (DESIGN.md, "Where a synthetic-gradient model lives"). */
  synthetic: SyntheticGradientModel | null;
  stream: DigitStream;
  lanes: number;
  /** A window loss above this stops the run (train --max-loss). */
  maxLoss: number;
}

/**
 * Network A of the odd/3s system (paper §3.3) as a process: a digit encoder, an LSTM core and a
 * head counting the odd digits of every window of T ticks. At the end of each window its h is the
 * message to B. What A does with B's gradient is the join:
 * - `none`: nothing; A trains on its own loss, window by window (updates every T ticks).
 * - `dni` / `cdni`: at each window's end the synthetic-gradient model predicts δ̂ = M(h) (cDNI: given
 *   B's count target for that block as context) and A injects scale·δ̂ at once, so it still updates
 *   every T ticks; B's true gradient for that message arrives later and is M's regression target.
 * - `backprop`: one graph. A is unrolled over B's whole window (T² ticks), sends its T messages, and
 *   is locked until B's gradient for them arrives; then it backpropagates both losses and updates:
 *   every T² ticks.
 *
 * Digits are drawn a block of T² ticks (one B window) at a time, so the block's targets, B's and
 * cDNI's context, are known when its first message leaves.
 */
export class NetworkA {
  readonly join: Join;
  readonly tally = new Tally();
  /** Optimiser steps of the core (A's updates), and synthetic-gradient regressions. */
  updates = 0;
  readonly synthetic = { loss: 0, cosine: 0, learns: 0 };
  private readonly T: number;
  private readonly classes: number;
  private readonly loss: SoftmaxCrossEntropy;
  private block: DigitWindow | null = null;
  private oddLabels: Int32Array | null = null;
  private threesLabels: Int32Array | null = null;
  /** Windows run so far: the step of A's next message. */
  private windows = 0;
  private awaiting: number | null = null;
  private gradOutputs: Tensor | null = null;
  private messages: Tensor | null = null;

  constructor(readonly parts: NetworkAParts) {
    this.join = parts.spec.join;
    this.T = parts.spec.a.core.window;
    this.classes = parts.spec.a.loss.classes;
    this.loss = new SoftmaxCrossEntropy(parts.spec.a.loss.name);
  }

  /** A's live parameters: encoder, core, head (writing into them changes the network). */
  parameters(): { name: string; value: Tensor }[] {
    const { encoder, core, head } = this.parts;
    return [...(encoder?.layers.parameters() ?? []), ...core.lstm.parameters(), ...head.layers.parameters()];
  }

  /** Whether A waits for B's gradient before it may run on (backprop only). */
  get locked(): boolean {
    return this.awaiting !== null;
  }

  /** Ticks of the digit stream consumed so far. */
  get ticks(): number {
    return this.windows * this.T;
  }

  /**
   * Whether nothing of A's is in flight: between blocks and not locked. A lockstep or async epoch
   * ends so (whole blocks, run until quiet), which is what makes its end a checkpoint.
   */
  get quiet(): boolean {
    return this.awaiting === null && this.windows % this.T === 0;
  }

  /** A's counters beyond its modules': windows run (the next message's step) and updates. */
  position(): { windows: number; updates: number } {
    return { windows: this.windows, updates: this.updates };
  }

  /** Continues from `position()` at a block boundary (a resumed run; the modules are restored apart). */
  seek(position: { windows: number; updates: number }): void {
    if (!Number.isInteger(position.windows) || position.windows % this.T !== 0 || this.locked)
      throw new Error(
        `dniflow/runtime: network A resumes between blocks of ${this.T} windows, not at window ${position.windows}`,
      );
    this.windows = position.windows;
    this.updates = position.updates;
  }

  /** Runs A's next unit of work: one window, or under backprop one whole block of T windows. */
  advance(): SystemMessage[] {
    if (this.locked)
      throw new Error(
        `dniflow/runtime: network A is locked until B's gradient for block ${this.awaiting} arrives`,
      );
    const T = this.T;
    const inBlock = this.windows % T;
    const out: SystemMessage[] = [];
    if (inBlock === 0) out.push(this.nextBlock());
    if (this.join === 'backprop') {
      out.push(...this.forwardBlock());
      return out;
    }
    out.push(this.trainWindow(inBlock));
    return out;
  }

  /** B's gradient for the T messages of a block: M's targets (dni), or what A was locked for (backprop). */
  handle(message: SystemMessage): SystemMessage[] {
    if (message.direction !== 'backward')
      throw new Error(
        `dniflow/runtime: network A takes only B's gradients, got a ${message.direction} message`,
      );
    if (this.join === 'backprop') this.backwardBlock(message);
    else if (this.parts.synthetic !== null) this.learnSynthetic(message);
    return [];
  }

  private nextBlock(): SystemMessage {
    const { stream, spec } = this.parts;
    const T = this.T;
    this.block = stream.next(T * T);
    this.oddLabels = countsOver(this.block, T, DIGIT_COUNTS[spec.a.loss.target]);
    this.threesLabels = countsOver(this.block, T * T, DIGIT_COUNTS[spec.b.loss.target]);
    const step = this.windows / T;
    return {
      direction: 'target',
      edge: spec.targetEdge,
      step,
      tick: (step + 1) * T * T - 1,
      labels: this.threesLabels.slice(),
    };
  }

  /** The core's outputs for `ticks` of the block from tick `from`: encoder, then LSTM. */
  private forwardCore(from: number, ticks: number): Tensor {
    const { encoder, core } = this.parts;
    const lanes = this.parts.lanes;
    const images = this.block!.images;
    const pixels = images.shape[2];
    const x = new Tensor(images.data.subarray(from * lanes * pixels, (from + ticks) * lanes * pixels), [
      ticks * lanes,
      pixels,
    ]);
    const encoded = encoder === null ? x : encoder.forward(x, true);
    return core.forward(encoded.reshape([ticks, lanes, encoded.shape[1]]));
  }

  /** One window of T ticks under none / dni / cdni: forward, A's own loss plus δ̂, update. */
  private trainWindow(inBlock: number): SystemMessage {
    const { head, synthetic, lanes } = this.parts;
    const T = this.T;
    const step = this.windows;
    const outputs = this.forwardCore(inBlock * T, T);
    const H = outputs.shape[2];
    const last = new Tensor(outputs.data.subarray((T - 1) * lanes * H, T * lanes * H), [lanes, H]);
    const message = last.data.slice();
    const labels = this.oddLabels!.subarray(inBlock * lanes, (inBlock + 1) * lanes);
    const logits = head.forward(last, true);
    const loss = this.loss.forward(logits, labels);
    checkLoss(loss, this.parts.spec.a.loss.name, step, this.parts.maxLoss);
    this.tally.add(loss, logits.data, labels, this.classes);
    head.accumulate(this.loss.backward());
    const gradLast = head.backwardAndUpdate();
    const grads = this.zeroedGradOutputs(outputs.shape);
    const tail = grads.data.subarray((T - 1) * lanes * H);
    tail.set(gradLast.data);
    if (synthetic !== null) {
      const context =
        this.join === 'cdni'
          ? { labels: this.threesLabels!, classes: this.parts.spec.b.loss.classes }
          : undefined;
      const predicted = synthetic.predict(step, new Tensor(message, [lanes, H]), context).data;
      // M predicts in per-lane units (B's loss is a mean over lanes); scale as the interface says.
      const factor = this.parts.spec.synthetic!.scale / lanes;
      for (let i = 0; i < tail.length; i++) tail[i] += factor * predicted[i];
    }
    this.backwardCore(grads);
    this.windows++;
    return this.messageOf(step, message, H);
  }

  /** backprop: the whole block forward, its T messages sent; the update waits for B. */
  private forwardBlock(): SystemMessage[] {
    const { head, lanes } = this.parts;
    const T = this.T;
    const outputs = this.forwardCore(0, T * T);
    const H = outputs.shape[2];
    if (this.messages === null || this.messages.shape[1] !== lanes)
      this.messages = Tensor.zeros([T, lanes, H]);
    const messages = this.messages;
    for (let i = 0; i < T; i++) {
      const tick = i * T + T - 1;
      messages.data.set(outputs.data.subarray(tick * lanes * H, (tick + 1) * lanes * H), i * lanes * H);
    }
    const logits = head.forward(messages.reshape([T * lanes, H]), true);
    const labels = this.oddLabels!;
    // The mean over T·B rows, times T: each window's loss summed over the block, as the none/dni
    // runs see them one window at a time.
    const loss = this.loss.forward(logits, labels) * T;
    checkLoss(loss / T, this.parts.spec.a.loss.name, this.windows, this.parts.maxLoss);
    for (let i = 0; i < T; i++)
      this.tally.add(
        loss / T,
        logits.data.subarray(i * lanes * this.classes, (i + 1) * lanes * this.classes),
        labels.subarray(i * lanes, (i + 1) * lanes),
        this.classes,
      );
    const gradient = this.loss.backward();
    for (let i = 0; i < gradient.data.length; i++) gradient.data[i] *= T;
    head.accumulate(gradient);
    const out: SystemMessage[] = [];
    for (let i = 0; i < T; i++) {
      out.push(this.messageOf(this.windows + i, messages.data.slice(i * lanes * H, (i + 1) * lanes * H), H));
    }
    this.awaiting = this.windows / T;
    this.windows += T;
    return out;
  }

  private backwardBlock(message: Extract<SystemMessage, { direction: 'backward' }>): void {
    if (message.step !== this.awaiting)
      throw new Error(
        `dniflow/runtime: network A awaits B's gradient for block ${this.awaiting}, got block ${message.step}`,
      );
    const { head, lanes } = this.parts;
    const T = this.T;
    const gradMessages = head.backwardAndUpdate();
    const H = gradMessages.shape[1];
    const grads = this.zeroedGradOutputs([T * T, lanes, H]);
    for (let i = 0; i < T; i++) {
      const rows = gradMessages.data.subarray(i * lanes * H, (i + 1) * lanes * H);
      const fromB = message.data.subarray(i * lanes * H, (i + 1) * lanes * H);
      const at = (i * T + T - 1) * lanes * H;
      for (let j = 0; j < rows.length; j++) grads.data[at + j] = rows[j] + fromB[j];
    }
    this.backwardCore(grads);
    this.awaiting = null;
  }

  /** Backpropagates [ticks, B, H] through the core and the encoder, and updates both. */
  private backwardCore(grads: Tensor): void {
    const { core, encoder } = this.parts;
    if (encoder === null) core.backward(grads);
    else {
      const { gradInputs } = core.backward(grads, true);
      encoder.accumulate(
        gradInputs.reshape([gradInputs.shape[0] * gradInputs.shape[1], gradInputs.shape[2]]),
      );
      encoder.updateWithoutInputGradient();
    }
    this.updates++;
  }

  private learnSynthetic(message: Extract<SystemMessage, { direction: 'backward' }>): void {
    const { lanes } = this.parts;
    const synthetic = this.parts.synthetic!;
    const [T, , H] = message.shape;
    for (let i = 0; i < T; i++) {
      const target = new Tensor(message.data.slice(i * lanes * H, (i + 1) * lanes * H), [lanes, H]);
      for (let j = 0; j < target.data.length; j++) target.data[j] *= lanes;
      const result: SyntheticLearnResult = synthetic.learn(message.step * T + i, target);
      this.synthetic.loss += result.loss;
      this.synthetic.cosine += result.cosine;
      this.synthetic.learns++;
    }
  }

  /**
   * Held-out evaluation of one block without learning, from the evaluation state `state` (carried
   * across calls, apart from the training state): A's messages [T, lanes, H] for B, and how many of
   * its odd counts were right.
   */
  evaluateBlock(block: DigitWindow, state: { h: Tensor; c: Tensor }): { messages: Tensor; correct: number } {
    const { encoder, core, head, spec } = this.parts;
    const T = this.T;
    const [ticks, lanes, pixels] = block.images.shape;
    const x = block.images.reshape([ticks * lanes, pixels]);
    const encoded = encoder === null ? x : encoder.layers.forward(x, false);
    const outputs = core.evaluate(encoded.reshape([ticks, lanes, encoded.shape[1]]), state);
    const H = outputs.shape[2];
    const messages = Tensor.zeros([T, lanes, H]);
    for (let i = 0; i < T; i++) {
      const tick = i * T + T - 1;
      messages.data.set(outputs.data.subarray(tick * lanes * H, (tick + 1) * lanes * H), i * lanes * H);
    }
    const logits = head.layers.forward(messages.reshape([T * lanes, H]), false);
    const labels = countsOver(block, T, DIGIT_COUNTS[spec.a.loss.target]);
    return { messages, correct: correctPredictions(logits.data, labels, this.classes) };
  }

  /** A's message of window `step`, sent at that window's last tick (B's tick: paper §3.3). */
  private messageOf(step: number, data: Float32Array, H: number): SystemMessage {
    return {
      direction: 'forward',
      edge: this.parts.spec.messageEdge,
      step,
      tick: (step + 1) * this.T - 1,
      shape: [this.parts.lanes, H],
      data,
    };
  }

  private zeroedGradOutputs(shape: Shape): Tensor {
    if (this.gradOutputs === null || this.gradOutputs.shape.join() !== shape.join())
      this.gradOutputs = Tensor.zeros(shape);
    else this.gradOutputs.data.fill(0);
    return this.gradOutputs;
  }
}
