import type { Tensor } from '../tensor/tensor.ts';

/**
 * What flows on an edge (DESIGN.md, "Messages"). `step` names the batch or time window a message
 * belongs to, so late, stale or dropped messages are matched correctly under asynchronous schedules.
 * Tensors in messages are owned by the message: a receiver may keep them (senders copy out of their
 * reusable layer buffers before emitting).
 */
export interface ForwardMessage {
  step: number;
  tick: number;
  activation: Tensor;
  /**
   * The step's context, attached by an interface that declared it needs one (cDNI's labels, paper
   * §3.1; the stale table's example indices). The runtime never sends it on activations: it sends a
   * 'context' message to each such edge.
   */
  context?: BatchContext;
}

export type GradientKind = 'true' | 'synthetic' | 'bootstrapped';

export interface BackwardMessage {
  step: number;
  tick: number;
  /** ∂L/∂h as this edge delivers it: what the sender backpropagates to its own inputs. */
  gradient: Tensor;
  kind: GradientKind;
  /**
   * What the sender's parameter update uses instead of `gradient`, when the interface says so: the
   * stale-gradient baseline with true targets (paper §3.1) delivers the true gradient to backpropagate
   * and the example's stale one to update with. Absent: the update uses `gradient`.
   */
  update?: Tensor;
}

export interface BatchContext {
  labels?: Uint8Array | Int32Array;
  classes?: number;
  /** The training-set index of each example in the batch, row by row (per-example stale gradients). */
  examples?: Uint32Array;
}

/** A step's context for an interface that declared it needs one, on its own message. */
export interface ContextMessage {
  step: number;
  tick: number;
  context: BatchContext;
}

/** What a loss compares its prediction with, sent by the data source on its own message. */
export interface TargetMessage {
  step: number;
  tick: number;
  labels: Uint8Array | Int32Array;
}

/**
 * The network input x of a step, as the runtime hands it to an edge that synthesises its receiver's
 * input: I_B(x) ≈ h_A (paper §3.1, forward unlock). Edges without a synthetic-input model ignore it.
 */
export interface InputMessage {
  step: number;
  tick: number;
  input: Tensor;
}

/** A metrics record an interface emits when its model learns (SG loss, cosine to the true gradient). */
export interface InterfaceMetric {
  step: number;
  tick: number;
  /** ‖δ̂ − δ‖² per example, or ‖ĥ − h‖² for synthetic inputs. */
  loss: number;
  /** cos(δ̂, δ) over the batch; undefined for synthetic inputs. */
  cosine?: number;
  targetKind: GradientKind | 'activation';
}

/**
 * An edge's traffic as one stream: what the sender emitted, what the receiver sent back, and (for
 * synthetic inputs) the network input x of each step.
 */
export type EdgeEvent =
  | { type: 'forward'; message: ForwardMessage }
  | { type: 'backward'; message: BackwardMessage }
  | { type: 'input'; message: InputMessage }
  | { type: 'context'; message: ContextMessage };

/** Where an interface operator routes each thing it emits. */
export type RoutedMessage =
  | { to: 'receiver'; message: ForwardMessage }
  | { to: 'sender'; message: BackwardMessage }
  | { to: 'metrics'; metric: InterfaceMetric };
