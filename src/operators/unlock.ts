import type { OperatorFunction } from 'rxjs';
import type { SyntheticModel } from '../dni/synthetic-model.ts';
import { checkDniOptions, type DniOptions, syntheticGradientState } from './dni.ts';
import type { BackwardMessage, EdgeEvent, ForwardMessage, RoutedMessage } from './messages.ts';
import { type Route, routeEdge, toMetrics, toReceiver, toSender } from './route-edge.ts';
import { stepContexts } from './step-contexts.ts';
import { earlyActivations, syntheticInputState } from './synthetic-input.ts';

/**
 * Complete unlock on edge A→B (paper §3.1, DESIGN item 5): a synthetic input and a synthetic
 * gradient on the same edge, so A and B train in parallel. It composes the `syntheticInput` and
 * `dni` bookkeeping unchanged:
 *
 * - input x of step s → ĥ_A = I_B(x) to the receiver at once.
 * - A's real h_A of step s → δ̂_A = scale · M_B(h_A, c) to the sender at once; then I_B learns
 *   ‖ĥ_A − h_A‖² (metric 'activation'). h_A is not passed to B.
 * - B's gradient δ of step s → M_B learns (metric 'true' or 'bootstrapped'); A never receives it.
 *
 * What the synthetic gradient regresses on: M_B's *input* is A's real activation h_A (that is where
 * A applies δ̂_A), but its *target* is B's gradient with respect to the input B actually consumed,
 * the synthetic ĥ_A — i.e. δ = ∂L/∂ĥ_A evaluated at ĥ_A, not at h_A. The two agree as I_B improves.
 *
 * A's h_A may reach the edge before the step's x (schedulers that run modules in parallel do not
 * order them); it is held until x has been answered.
 *
 * Because B runs on ĥ_A, its gradient for step s may arrive before A's h_A for s. Such a target is
 * held (the message owns its tensor, so holding costs no copy) and learned from right after the
 * prediction for s is made. A gradient for a step that had no input is an error.
 */
export function unlock(
  gradientModel: SyntheticModel,
  inputModel: SyntheticModel,
  options: DniOptions = {},
): OperatorFunction<EdgeEvent, RoutedMessage> {
  const settings = checkDniOptions(options);
  return routeEdge(() => {
    const syntheticGradient = syntheticGradientState(gradientModel, settings, 'unlock');
    const syntheticInput = syntheticInputState(inputModel, 'unlock');
    const earlyTargets = new Map<number, BackwardMessage>();
    const early = earlyActivations('unlock');
    const contexts = stepContexts('unlock');

    /** A real activation with its context (if cDNI): learn now, or hold it until its step's x. */
    function real(message: ForwardMessage, route: Route): void {
      if (syntheticInput.hasPrediction(message.step)) activation(message, route);
      else early.hold(message);
    }

    function activation(message: ForwardMessage, route: Route): void {
      // State first (see operate.ts), then routing: sender, input metric, then any early target's metric.
      const synthetic = syntheticGradient.predict(message);
      const inputMetric = syntheticInput.learn(message);
      const target = earlyTargets.get(message.step);
      earlyTargets.delete(message.step);
      const gradientMetric = target === undefined ? null : syntheticGradient.learn(target);
      route(toSender(synthetic));
      route(toMetrics(inputMetric));
      if (gradientMetric !== null) route(toMetrics(gradientMetric));
    }

    return {
      input(message, route) {
        route(toReceiver(syntheticInput.predict(message)));
        const held = early.release(message.step);
        if (held) activation(held, route);
      },

      forward(message, route) {
        const ready = settings.context === 'label' ? contexts.attach(message) : message;
        if (ready) real(ready, route);
      },

      context(message, route) {
        const ready = contexts.arrive(message);
        if (ready) real(ready, route);
      },

      backward(message, route) {
        const { step } = message;
        if (!syntheticGradient.hasPrediction(step) && syntheticInput.hasPrediction(step)) {
          if (earlyTargets.has(step)) {
            throw new Error(
              `dniflow/operators: unlock got a second gradient for step ${step} before its activation`,
            );
          }
          earlyTargets.set(step, message);
          return;
        }
        const metric = syntheticGradient.learn(message);
        if (metric !== null) route(toMetrics(metric));
      },

      finalize() {
        contexts.clear();
        early.clear();
        earlyTargets.clear();
        syntheticGradient.forgetAll();
        syntheticInput.forgetAll();
      },
    };
  });
}
