import type { OperatorFunction } from 'rxjs';
import type { EdgeEvent, RoutedMessage } from './messages.ts';
import { routeEdge, toReceiver, toSender } from './route-edge.ts';

/**
 * A locked interface (DESIGN item 4, the backprop baseline): the activation goes to the receiver and
 * the receiver's gradient goes back to the sender unchanged, whatever its kind. The sender therefore
 * waits for the whole forward and backward pass above it (forward-, update- and backward-locked).
 */
export function backprop(): OperatorFunction<EdgeEvent, RoutedMessage> {
  return routeEdge(() => ({
    forward: (message, route) => route(toReceiver(message)),
    backward: (message, route) => route(toSender(message)),
  }));
}
