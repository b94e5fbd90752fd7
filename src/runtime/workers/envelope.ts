import type { BatchContext, EdgeEvent, GradientKind } from '../../operators/messages.ts';
import { Tensor } from '../../tensor/tensor.ts';
import type { Work } from '../partition.ts';

/**
 * A unit of work as it crosses a thread (DESIGN.md, "Messages"): plain data only, every tensor its
 * own Float32Array so that its buffer can be moved with `transferList` (the sender never touches it
 * again). Activations carry nothing but the activation: labels travel to losses as 'target' messages
 * and to the interfaces that declared a need for them as 'context' messages.
 */
export interface Envelope {
  /** 'edge': put on `edge` (its interface has not seen it); 'node': delivered to `node` from `edge`. */
  to: 'edge' | 'node';
  node?: string;
  /** For a message between the halves of a split edge: the half it goes to. */
  half?: 'sender' | 'receiver';
  edge: string;
  direction: 'forward' | 'backward' | 'input' | 'context' | 'target';
  step: number;
  tick: number;
  /** The tensor of an activation, a gradient or a network input. */
  shape?: number[];
  data?: Float32Array;
  kind?: GradientKind;
  /** A stale gradient's separate parameter update (paper §3.1). */
  update?: Float32Array;
  labels?: Uint8Array | Int32Array;
  classes?: number;
  examples?: Uint32Array;
}

/** The envelope for a unit of work, with copies of its tensors and arrays, and the buffers to transfer. */
export function toEnvelope(work: Work): { envelope: Envelope; transfer: ArrayBuffer[] } {
  type TargetEvent = { type: 'target'; message: Extract<Work, { direction: 'target' }>['message'] };
  const event = (work.to === 'edge' ? work.event : { type: work.direction, message: work.message }) as
    | EdgeEvent
    | TargetEvent;
  const { step, tick } = event.message;
  const envelope: Envelope = { to: work.to, edge: work.edge, direction: event.type, step, tick };
  if (work.to === 'node') envelope.node = work.node;
  if (work.to === 'edge' && work.half) envelope.half = work.half;
  const transfer: ArrayBuffer[] = [];
  const carry = (tensor: Tensor) => {
    envelope.shape = [...tensor.shape];
    envelope.data = tensor.data.slice();
    transfer.push(envelope.data.buffer as ArrayBuffer);
  };
  switch (event.type) {
    case 'forward':
      carry(event.message.activation);
      break;
    case 'input':
      carry(event.message.input);
      break;
    case 'backward':
      carry(event.message.gradient);
      envelope.kind = event.message.kind;
      if (event.message.update) {
        envelope.update = event.message.update.data.slice();
        transfer.push(envelope.update.buffer as ArrayBuffer);
      }
      break;
    case 'context': {
      const { labels, classes, examples } = event.message.context;
      if (labels) envelope.labels = labels.slice();
      if (classes !== undefined) envelope.classes = classes;
      if (examples) envelope.examples = examples.slice();
      break;
    }
    case 'target':
      envelope.labels = event.message.labels.slice();
      break;
  }
  return { envelope, transfer };
}

/** The unit of work an envelope carries, its tensors viewing the envelope's buffers (no copy). */
export function fromEnvelope(envelope: Envelope): Work {
  const { step, tick, edge, node } = envelope;
  const half = envelope.half ? { half: envelope.half } : {};
  const tensor = () => new Tensor(envelope.data!, envelope.shape!);
  switch (envelope.direction) {
    case 'forward': {
      const message = { step, tick, activation: tensor() };
      return envelope.to === 'edge'
        ? { to: 'edge', edge, event: { type: 'forward', message }, ...half }
        : { to: 'node', node: node!, edge, direction: 'forward', message };
    }
    case 'backward': {
      const gradient = tensor();
      const update = envelope.update ? new Tensor(envelope.update, gradient.shape) : undefined;
      const message = { step, tick, gradient, kind: envelope.kind!, ...(update ? { update } : {}) };
      return envelope.to === 'edge'
        ? { to: 'edge', edge, event: { type: 'backward', message }, ...half }
        : { to: 'node', node: node!, edge, direction: 'backward', message };
    }
    case 'input':
      return { to: 'edge', edge, event: { type: 'input', message: { step, tick, input: tensor() } } };
    case 'context': {
      const context: BatchContext = {};
      if (envelope.labels) context.labels = envelope.labels;
      if (envelope.classes !== undefined) context.classes = envelope.classes;
      if (envelope.examples) context.examples = envelope.examples;
      return { to: 'edge', edge, event: { type: 'context', message: { step, tick, context } } };
    }
    case 'target':
      return {
        to: 'node',
        node: node!,
        edge,
        direction: 'target',
        message: { step, tick, labels: envelope.labels! },
      };
  }
}
