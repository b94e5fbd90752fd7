import type { OperatorFunction } from 'rxjs';
import type {
  BackwardMessage,
  ContextMessage,
  EdgeEvent,
  ForwardMessage,
  InputMessage,
  InterfaceMetric,
  RoutedMessage,
} from './messages.ts';
import { type Emit, operate } from './operate.ts';

export type Route = Emit<RoutedMessage>;

/**
 * What an interface does with each kind of edge traffic, for one subscription. Handlers route
 * messages to the receiver, the sender or metrics; a throw becomes the stream's error.
 */
export interface EdgeRouter {
  /** The sender's activation h_A for a step. */
  forward(message: ForwardMessage, route: Route): void;
  /** The receiver's gradient with respect to its input, for a step. */
  backward(message: BackwardMessage, route: Route): void;
  /** The network input x for a step; interfaces without a synthetic-input model leave this out and ignore it. */
  input?(message: InputMessage, route: Route): void;
  /** The step's context, for interfaces that declared they need one; the others ignore it. */
  context?(message: ContextMessage, route: Route): void;
  /** Once, when the subscription ends for any reason: forget whatever is still pending. */
  finalize?(): void;
}

/** The shared helper every interface operator is built on: dispatches edge events to a router. */
export function routeEdge(createRouter: () => EdgeRouter): OperatorFunction<EdgeEvent, RoutedMessage> {
  return operate<EdgeEvent, RoutedMessage>(() => {
    const router = createRouter();
    return {
      next(event, route) {
        switch (event.type) {
          case 'forward':
            router.forward(event.message, route);
            break;
          case 'backward':
            router.backward(event.message, route);
            break;
          case 'input':
            router.input?.(event.message, route);
            break;
          case 'context':
            router.context?.(event.message, route);
            break;
          default:
            throw new Error(
              `dniflow/operators: unknown edge event type '${(event as { type: unknown }).type}'`,
            );
        }
      },
      finalize: () => router.finalize?.(),
    };
  });
}

export const toReceiver = (message: ForwardMessage): RoutedMessage => ({ to: 'receiver', message });
export const toSender = (message: BackwardMessage): RoutedMessage => ({ to: 'sender', message });
export const toMetrics = (metric: InterfaceMetric): RoutedMessage => ({ to: 'metrics', metric });
