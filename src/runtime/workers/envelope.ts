import type { BatchContext, EdgeEvent, GradientKind } from '../../operators/messages.ts';
import { Tensor } from '../../tensor/tensor.ts';
import type { Work } from '../partition.ts';

/**
 * A unit of work as it crosses a thread (DESIGN.md, "Messages"): plain data only, every tensor its
 * own Float32Array so that its buffer can be moved with `transferList` (the sender never touches it
 * again). The network input x does not travel on activations: an edge with a synthetic-input model
 * receives it as its own 'input' message.
 */
export interface Envelope {
  /** 'edge': put on `edge` (its interface has not seen it); 'node': delivered to `node` from `edge`. */
  to: 'edge' | 'node';
  node?: string;
  edge: string;
  direction: 'forward' | 'backward' | 'input';
  step: number;
  tick: number;
  shape: number[];
  data: Float32Array;
  kind: 'activation' | GradientKind;
  /** A stale gradient's separate parameter update (paper §3.1). */
  update?: Float32Array;
  labels?: Uint8Array | Int32Array;
  classes?: number;
  examples?: Uint32Array;
}

/** The envelope for a unit of work, with copies of its tensors, and the buffers to transfer. */
export function toEnvelope(work: Work): { envelope: Envelope; transfer: ArrayBuffer[] } {
  const { event, edge, node } =
    work.to === 'edge'
      ? { event: work.event, edge: work.edge, node: undefined }
      : {
          event: { type: work.direction, message: work.message } as EdgeEvent,
          edge: work.edge,
          node: work.node,
        };
  const tensor =
    event.type === 'forward'
      ? event.message.activation
      : event.type === 'backward'
        ? event.message.gradient
        : event.message.input;
  const data = tensor.data.slice();
  const envelope: Envelope = {
    to: work.to,
    edge,
    direction: event.type,
    step: event.message.step,
    tick: event.message.tick,
    shape: [...tensor.shape],
    data,
    kind: event.type === 'backward' ? event.message.kind : 'activation',
  };
  const transfer: ArrayBuffer[] = [data.buffer as ArrayBuffer];
  if (node !== undefined) envelope.node = node;
  if (event.type === 'backward' && event.message.update) {
    envelope.update = event.message.update.data.slice();
    transfer.push(envelope.update.buffer as ArrayBuffer);
  }
  const context = event.type === 'backward' ? undefined : event.message.context;
  if (context?.labels) envelope.labels = context.labels.slice();
  if (context?.classes !== undefined) envelope.classes = context.classes;
  if (context?.examples) envelope.examples = context.examples.slice();
  return { envelope, transfer };
}

/** The unit of work an envelope carries, its tensors viewing the envelope's buffers (no copy). */
export function fromEnvelope(envelope: Envelope): Work {
  const { step, tick, edge } = envelope;
  const tensor = new Tensor(envelope.data, envelope.shape);
  let event: EdgeEvent;
  if (envelope.direction === 'backward') {
    const message = { step, tick, gradient: tensor, kind: envelope.kind as GradientKind };
    event = {
      type: 'backward',
      message: envelope.update
        ? { ...message, update: new Tensor(envelope.update, envelope.shape) }
        : message,
    };
  } else {
    const context: BatchContext = {};
    if (envelope.labels) context.labels = envelope.labels;
    if (envelope.classes !== undefined) context.classes = envelope.classes;
    if (envelope.examples) context.examples = envelope.examples;
    event =
      envelope.direction === 'forward'
        ? { type: 'forward', message: { step, tick, activation: tensor, context } }
        : { type: 'input', message: { step, tick, input: tensor, context } };
  }
  if (envelope.to === 'edge') return { to: 'edge', edge, event };
  if (event.type === 'input')
    throw new Error(`dniflow/runtime: an input message for node '${envelope.node}' on ${edge}`);
  return event.type === 'forward'
    ? { to: 'node', node: envelope.node!, edge, direction: 'forward', message: event.message }
    : { to: 'node', node: envelope.node!, edge, direction: 'backward', message: event.message };
}
