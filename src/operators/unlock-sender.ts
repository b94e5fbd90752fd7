import type { OperatorFunction } from 'rxjs';
import type { SyntheticModel } from '../dni/synthetic-model.ts';
import { checkDniOptions, type DniOptions, syntheticGradientState } from './dni.ts';
import type { BackwardMessage, EdgeEvent, ForwardMessage, RoutedMessage } from './messages.ts';
import { type Route, routeEdge, toMetrics, toReceiver, toSender } from './route-edge.ts';
import { stepContexts } from './step-contexts.ts';

/**
 * The sender's half of complete unlock on edge A→B (paper §3.1), for when A and B run in different
 * threads: the synthetic-gradient model M_B lives beside A (DESIGN.md, "Where a synthetic-gradient
 * model lives"); the receiver's half is `syntheticInput` beside B. On A's h_A it routes δ̂_A to the
 * sender at once and h_A on towards the receiver's half (whose I_B regresses onto it; B itself runs
 * on ĥ_A). B's gradient comes back through the receiver's half as M_B's target; since B runs on ĥ_A,
 * it may arrive before h_A, and is then held until the prediction for its step is made.
 */
export function unlockSender(
  gradientModel: SyntheticModel,
  options: DniOptions = {},
): OperatorFunction<EdgeEvent, RoutedMessage> {
  const settings = checkDniOptions(options);
  return routeEdge(() => {
    const syntheticGradient = syntheticGradientState(gradientModel, settings, 'unlock');
    const earlyTargets = new Map<number, BackwardMessage>();
    const contexts = stepContexts('unlock');

    function activation(message: ForwardMessage, route: Route): void {
      const synthetic = syntheticGradient.predict(message);
      const target = earlyTargets.get(message.step);
      earlyTargets.delete(message.step);
      const metric = target === undefined ? null : syntheticGradient.learn(target);
      route(toSender(synthetic));
      route(toReceiver(message));
      if (metric !== null) route(toMetrics(metric));
    }

    return {
      forward(message, route) {
        const ready = settings.context === 'label' ? contexts.attach(message) : message;
        if (ready) activation(ready, route);
      },
      context(message, route) {
        const ready = contexts.arrive(message);
        if (ready) activation(ready, route);
      },
      backward(message, route) {
        if (!syntheticGradient.hasPrediction(message.step)) {
          if (earlyTargets.has(message.step))
            throw new Error(
              `dniflow/operators: unlock got a second gradient for step ${message.step} before its activation`,
            );
          earlyTargets.set(message.step, message);
          return;
        }
        const metric = syntheticGradient.learn(message);
        if (metric !== null) route(toMetrics(metric));
      },
      finalize() {
        contexts.clear();
        earlyTargets.clear();
        syntheticGradient.forgetAll();
      },
    };
  });
}
