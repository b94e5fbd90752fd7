import type { OperatorFunction } from 'rxjs';
import type { SyntheticModel } from '../dni/synthetic-model.ts';
import type { EdgeEvent, ForwardMessage, InputMessage, InterfaceMetric, RoutedMessage } from './messages.ts';
import { routeEdge, toMetrics, toReceiver, toSender } from './route-edge.ts';

/**
 * One subscription's synthetic-input bookkeeping for I_B on edge A→B (paper §3.1, DESIGN item 5),
 * shared by `syntheticInput` and `unlock`. Pure state and math: no routing.
 */
export interface SyntheticInputState {
  /** ĥ_A = I_B(x) for the input's step, as a forward message owned by the caller. */
  predict(message: InputMessage): ForwardMessage;
  /** Regresses the step's ĥ_A onto the real h_A that arrived. */
  learn(message: ForwardMessage): InterfaceMetric;
  hasPrediction(step: number): boolean;
  forgetAll(): void;
}

export function syntheticInputState(model: SyntheticModel, who = 'syntheticInput'): SyntheticInputState {
  const pending = new Set<number>();
  return {
    predict(message) {
      const { step } = message;
      if (pending.has(step)) {
        throw new Error(
          `dniflow/operators: ${who} got a second input for step ${step} while its prediction is pending`,
        );
      }
      const prediction = model.predict(step, message.input);
      pending.add(step);
      // Cloned: the message owns its tensor, and the model may reuse its output buffer.
      const activation = prediction.clone();
      return { step, tick: message.tick, activation };
    },

    learn(message) {
      const { step } = message;
      if (!pending.has(step)) {
        throw new Error(
          `dniflow/operators: ${who} got an activation for step ${step} with no synthetic input`,
        );
      }
      const { loss } = model.learn(step, message.activation);
      pending.delete(step);
      // No cosine for activations (InterfaceMetric's contract): it is a gradient-direction measure.
      return { step, tick: message.tick, loss, targetKind: 'activation' };
    },

    hasPrediction: (step) => pending.has(step),

    forgetAll() {
      for (const step of pending) model.forget(step);
      pending.clear();
    },
  };
}

/**
 * Holds real activations that reach an edge before the network input of their step (a scheduler
 * that runs modules in parallel does not order the two), until that input has been turned into ĥ.
 */
export function earlyActivations(who: string) {
  const held = new Map<number, ForwardMessage>();
  return {
    hold(message: ForwardMessage): void {
      if (held.has(message.step))
        throw new Error(
          `dniflow/operators: ${who} got a second activation for step ${message.step} before its input`,
        );
      held.set(message.step, message);
    },
    /** The activation held for `step`, if any, no longer held. */
    release(step: number): ForwardMessage | undefined {
      const message = held.get(step);
      held.delete(step);
      return message;
    },
    clear: () => held.clear(),
  };
}

/**
 * Synthetic input on edge A→B (forward unlock, paper §3.1). On the network input x of step s it
 * routes ĥ_A = I_B(x) to the receiver at once, so B need not wait for A. When A's real h_A for step
 * s arrives, I_B regresses onto it and a metric (targetKind 'activation') is routed; h_A itself is
 * not passed on. An h_A that arrives before its step's x is held until x has been answered. B's
 * gradients go back to A unchanged (the edge is still backward-locked).
 */
export function syntheticInput(model: SyntheticModel): OperatorFunction<EdgeEvent, RoutedMessage> {
  return routeEdge(() => {
    const input = syntheticInputState(model);
    const early = earlyActivations('syntheticInput');
    return {
      input(message, route) {
        route(toReceiver(input.predict(message)));
        const held = early.release(message.step);
        if (held) route(toMetrics(input.learn(held)));
      },
      forward(message, route) {
        if (input.hasPrediction(message.step)) route(toMetrics(input.learn(message)));
        else early.hold(message);
      },
      backward: (message, route) => route(toSender(message)),
      finalize() {
        early.clear();
        input.forgetAll();
      },
    };
  });
}
