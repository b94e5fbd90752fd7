import { SoftmaxCrossEntropy } from '../../nn/losses/softmax-cross-entropy.ts';
import { Tensor } from '../../tensor/tensor.ts';
import type { ModuleCompute } from '../module-compute.ts';
import type { RecurrentCore } from '../recurrent/recurrent-core.ts';
import type { SystemMessage } from './messages.ts';
import type { SystemSpec } from './system-spec.ts';
import { checkLoss, correctPredictions, Tally } from './tally.ts';

export interface NetworkBParts {
  spec: SystemSpec;
  core: RecurrentCore;
  head: ModuleCompute;
  lanes: number;
  /** A window loss above this stops the run (train --max-loss). */
  maxLoss: number;
}

/**
 * Network B of the odd/3s system (paper §3.3) as a process on a clock of period T: at each of its
 * ticks it reads A's message (the one A sent at that tick), and at the end of every window of T of
 * its ticks (T² digits) its head counts the 3s among them. B sees the digits only through A's
 * messages; its count target reaches its loss on its own edge. After each window it sends A the
 * gradient for the T messages it read, unless the join is `none`.
 */
export class NetworkB {
  readonly tally = new Tally();
  updates = 0;
  /** The fast-clock ticks of the messages B has read, in order (B runs at these ticks only). */
  readonly ticksRead: number[] = [];
  private readonly T: number;
  private readonly loss: SoftmaxCrossEntropy;
  private inputs: Tensor | null = null;
  private received = 0;
  private readonly targets = new Map<number, Int32Array>();
  private gradOutputs: Tensor | null = null;
  /** Windows completed: the block whose messages B reads next. */
  private windows = 0;

  constructor(readonly parts: NetworkBParts) {
    this.T = parts.spec.b.core.window;
    this.loss = new SoftmaxCrossEntropy(parts.spec.b.loss.name);
  }

  /** B's live parameters: core, head. */
  parameters(): { name: string; value: Tensor }[] {
    return [...this.parts.core.lstm.parameters(), ...this.parts.head.layers.parameters()];
  }

  /** Whether nothing of B's is in flight: no message of an unfinished window, no target waiting. */
  get quiet(): boolean {
    return this.received === 0 && this.targets.size === 0;
  }

  /** B's counters beyond its modules': windows run (the block it reads next) and updates. */
  position(): { windows: number; updates: number } {
    return { windows: this.windows, updates: this.updates };
  }

  /** Continues from `position()` between windows (a resumed run; the modules are restored apart). */
  seek(position: { windows: number; updates: number }): void {
    if (!this.quiet)
      throw new Error('dniflow/runtime: network B resumes between windows, with nothing received');
    this.windows = position.windows;
    this.updates = position.updates;
  }

  handle(message: SystemMessage): SystemMessage[] {
    if (message.direction === 'target') {
      this.targets.set(message.step, message.labels);
      return this.runIfComplete();
    }
    if (message.direction !== 'forward')
      throw new Error(
        `dniflow/runtime: network B takes A's messages and its targets, got a ${message.direction} message`,
      );
    const T = this.T;
    const expected = this.windows * T + this.received;
    if (message.step !== expected)
      throw new Error(`dniflow/runtime: network B expects A's message ${expected}, got ${message.step}`);
    const [lanes, H] = message.shape;
    if (this.inputs === null) this.inputs = Tensor.zeros([T, lanes, H]);
    this.inputs.data.set(message.data, this.received * lanes * H);
    this.ticksRead.push(message.tick);
    this.received++;
    return this.runIfComplete();
  }

  /** Held-out evaluation of one window of A's messages, from `state`: how many 3s counts were right. */
  evaluateWindow(messages: Tensor, labels: Int32Array, state: { h: Tensor; c: Tensor }): number {
    const { core, head, spec } = this.parts;
    const outputs = core.evaluate(messages, state);
    const [T, lanes, H] = outputs.shape;
    const last = new Tensor(outputs.data.subarray((T - 1) * lanes * H), [lanes, H]);
    return correctPredictions(head.layers.forward(last, false).data, labels, spec.b.loss.classes);
  }

  /** The window runs once its T messages and its target are in. */
  private runIfComplete(): SystemMessage[] {
    const labels = this.targets.get(this.windows);
    if (this.received < this.T || labels === undefined) return [];
    this.targets.delete(this.windows);
    const { core, head, lanes, spec } = this.parts;
    const T = this.T;
    const outputs = core.forward(this.inputs!);
    const H = outputs.shape[2];
    const last = new Tensor(outputs.data.subarray((T - 1) * lanes * H), [lanes, H]);
    const logits = head.forward(last, true);
    const loss = this.loss.forward(logits, labels);
    checkLoss(loss, spec.b.loss.name, this.windows, this.parts.maxLoss);
    this.tally.add(loss, logits.data, labels, spec.b.loss.classes);
    head.accumulate(this.loss.backward());
    const gradLast = head.backwardAndUpdate();
    if (this.gradOutputs === null) this.gradOutputs = Tensor.zeros(outputs.shape);
    else this.gradOutputs.data.fill(0);
    this.gradOutputs.data.set(gradLast.data, (T - 1) * lanes * H);
    const step = this.windows;
    this.windows++;
    this.received = 0;
    this.updates++;
    if (spec.join === 'none') {
      core.backward(this.gradOutputs);
      return [];
    }
    const { gradInputs } = core.backward(this.gradOutputs, true);
    return [
      {
        direction: 'backward',
        edge: spec.messageEdge,
        step,
        tick: (step + 1) * T * spec.b.period - 1,
        shape: [...gradInputs.shape],
        data: gradInputs.data.slice(),
        kind: 'true',
      },
    ];
  }
}
