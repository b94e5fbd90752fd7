import type { EdgeEvent, GradientKind, RoutedMessage } from '../operators/messages.ts';
import type { Tensor } from '../tensor/tensor.ts';

/**
 * One message on an edge, as the sender put it in ('sent') or as the interface delivered it
 * ('delivered'): a DNI edge delivers a synthetic gradient the receiver never sent.
 */
export interface EdgeTraffic {
  edge: string;
  direction: 'forward' | 'backward';
  stage: 'sent' | 'delivered';
  step: number;
  kind: GradientKind | 'activation';
  tensor: Tensor;
  /** A delivered gradient's separate parameter update (stale gradients with true targets), if any. */
  update?: Tensor;
}

/** A message on an edge without its tensors: what a dashboard animates, and what crosses threads. */
export type TrafficSummary = Omit<EdgeTraffic, 'tensor' | 'update'>;

/** One synthetic-model regression of a step, named by edge and by what the model stands for. */
export interface InterfaceStepMetric {
  edge: string;
  kind: string;
  loss: number;
  cosine?: number;
  targetKind: string;
}

/** What a sender put on an edge, as traffic; network inputs for synthetic inputs are not traffic. */
export function sentTraffic(edge: string, event: EdgeEvent): EdgeTraffic | undefined {
  switch (event.type) {
    case 'input':
      return undefined;
    case 'forward':
      return {
        edge,
        direction: 'forward',
        stage: 'sent',
        step: event.message.step,
        kind: 'activation',
        tensor: event.message.activation,
      };
    case 'backward':
      return {
        edge,
        direction: 'backward',
        stage: 'sent',
        step: event.message.step,
        kind: event.message.kind,
        tensor: event.message.gradient,
      };
  }
}

/** What an interface delivered to an end of its edge, as traffic; metrics records are not traffic. */
export function deliveredTraffic(edge: string, routed: RoutedMessage): EdgeTraffic | undefined {
  switch (routed.to) {
    case 'metrics':
      return undefined;
    case 'receiver':
      return {
        edge,
        direction: 'forward',
        stage: 'delivered',
        step: routed.message.step,
        kind: 'activation',
        tensor: routed.message.activation,
      };
    case 'sender':
      return {
        edge,
        direction: 'backward',
        stage: 'delivered',
        step: routed.message.step,
        kind: routed.message.kind,
        tensor: routed.message.gradient,
        ...(routed.message.update ? { update: routed.message.update } : {}),
      };
  }
}
