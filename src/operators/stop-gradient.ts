import type { OperatorFunction } from 'rxjs';
import type { EdgeEvent, RoutedMessage } from './messages.ts';
import { routeEdge, toReceiver } from './route-edge.ts';

/**
 * The paper's "No Bprop" baseline (DESIGN item 3): activations pass forward, gradients stop here.
 * The sender receives nothing back, so it never updates from the loss above this edge.
 */
export function stopGradient(): OperatorFunction<EdgeEvent, RoutedMessage> {
  return routeEdge(() => ({
    forward: (message, route) => route(toReceiver(message)),
    backward: () => {},
  }));
}
