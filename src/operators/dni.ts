import type { OperatorFunction } from 'rxjs';
import type { SyntheticContext, SyntheticModel } from '../dni/synthetic-model.ts';
import { sameShape, Tensor } from '../tensor/tensor.ts';
import type {
  BackwardMessage,
  EdgeEvent,
  ForwardMessage,
  InterfaceMetric,
  RoutedMessage,
} from './messages.ts';
import { type Route, routeEdge, toMetrics, toReceiver, toSender } from './route-edge.ts';
import { stepContexts } from './step-contexts.ts';

export interface DniOptions {
  /**
   * Multiplies the synthetic gradient the sender receives (the paper scales by 0.1 for RNNs, §3.2).
   * The model itself is still trained on its unscaled prediction.
   */
  scale?: number;
  /** cDNI (paper §3.1): give the model the forward message's labels as context. */
  context?: 'label';
  /**
   * Forget a prediction still unanswered this many steps later (when the forward of step s arrives,
   * pending steps ≤ s − forgetAfter are forgotten). Needed when targets can go missing for good,
   * e.g. under sparse updates, where a module that skips a step never backpropagates it. A gradient
   * that arrives for a forgotten step is dropped silently. Default: keep until the stream ends.
   */
  forgetAfter?: number;
  /**
   * Hold a target that arrives before its step's prediction until the prediction is made, instead of
   * refusing it: complete unlock's sender half across threads, where the receiver runs on ĥ_A and may
   * answer before h_A reaches this edge.
   */
  holdEarlyTargets?: boolean;
}

/**
 * One subscription's synthetic-gradient bookkeeping for M_B on edge A→B (DESIGN item 1), shared by
 * `dni` and `unlock`. Pure state and math: no routing.
 */
export interface SyntheticGradientState {
  /** δ̂_A = scale · M_B(h_A, c) for the forward's step, as a message owned by the caller. */
  predict(message: ForwardMessage): BackwardMessage;
  /** Regresses the step's prediction onto the receiver's gradient; null for a forgotten step. */
  learn(message: BackwardMessage): InterfaceMetric | null;
  hasPrediction(step: number): boolean;
  /** Forgets every pending prediction in the model (end of stream: no leaks). */
  forgetAll(): void;
}

/** DniOptions with defaults applied and checked. */
export interface DniSettings {
  scale: number;
  context: 'label' | undefined;
  forgetAfter: number | undefined;
  holdEarlyTargets: boolean;
}

export function checkDniOptions(options: DniOptions): DniSettings {
  const scale = options.scale ?? 1;
  if (!Number.isFinite(scale)) throw new Error(`dniflow/operators: dni scale must be finite, got ${scale}`);
  if (options.context !== undefined && options.context !== 'label') {
    throw new Error(`dniflow/operators: dni context must be 'label', got '${String(options.context)}'`);
  }
  const forgetAfter = options.forgetAfter;
  if (forgetAfter !== undefined && !(Number.isInteger(forgetAfter) && forgetAfter > 0)) {
    throw new Error(`dniflow/operators: dni forgetAfter must be a positive integer, got ${forgetAfter}`);
  }
  return {
    scale,
    context: options.context,
    forgetAfter,
    holdEarlyTargets: options.holdEarlyTargets ?? false,
  };
}

/** `who` names the operator in error messages ('dni' or 'unlock'). */
export function syntheticGradientState(
  model: SyntheticModel,
  settings: DniSettings,
  who = 'dni',
): SyntheticGradientState {
  const pending = new Set<number>();
  // Steps at or below this were forgotten by `forgetAfter`; their late gradients are dropped.
  let forgottenThrough = Number.NEGATIVE_INFINITY;

  function expireBefore(step: number): void {
    if (settings.forgetAfter === undefined) return;
    const horizon = step - settings.forgetAfter;
    for (const old of pending) {
      if (old <= horizon) {
        pending.delete(old);
        model.forget(old);
      }
    }
    forgottenThrough = Math.max(forgottenThrough, horizon);
  }

  return {
    predict(message) {
      const { step, activation } = message;
      if (pending.has(step)) {
        throw new Error(
          `dniflow/operators: ${who} got a second activation for step ${step} while its prediction is pending`,
        );
      }
      expireBefore(step);
      const context = settings.context === 'label' ? labelContext(who, message) : undefined;
      const prediction = model.predict(step, activation, context);
      pending.add(step);
      if (!sameShape(prediction.shape, activation.shape)) {
        throw new Error(
          `dniflow/operators: ${who}'s model predicted a gradient of shape [${prediction.shape.join(', ')}] for an activation of shape [${activation.shape.join(', ')}] at step ${step}`,
        );
      }
      // A fresh tensor, because the message owns it and the model may reuse its output buffer.
      const gradient = new Float32Array(prediction.size);
      const predicted = prediction.data;
      for (let i = 0; i < gradient.length; i++) gradient[i] = settings.scale * predicted[i];
      return {
        step,
        tick: message.tick,
        gradient: new Tensor(gradient, prediction.shape),
        kind: 'synthetic',
      };
    },

    learn(message) {
      const { step } = message;
      if (!pending.has(step)) {
        if (step <= forgottenThrough) return null;
        throw new Error(`dniflow/operators: ${who} got a gradient for step ${step} with no prediction`);
      }
      // The receiver's gradient is the true one only at the top; one computed from the receiver's
      // own synthetic gradient makes a bootstrapped target (paper §2, DESIGN item 1).
      const targetKind = message.kind === 'true' ? 'true' : 'bootstrapped';
      const { loss, cosine } = model.learn(step, message.gradient);
      pending.delete(step);
      return { step, tick: message.tick, loss, cosine, targetKind };
    },

    hasPrediction: (step) => pending.has(step),

    forgetAll() {
      for (const step of pending) model.forget(step);
      pending.clear();
    },
  };
}

function labelContext(who: string, message: ForwardMessage): SyntheticContext {
  const labels = message.context?.labels;
  const classes = message.context?.classes;
  if (labels === undefined || classes === undefined) {
    throw new Error(
      `dniflow/operators: ${who} with context 'label' (cDNI) needs labels and classes on the activation of step ${message.step}`,
    );
  }
  return { labels, classes };
}

/**
 * A Decoupled Neural Interface on edge A→B (paper §2.1, DESIGN item 1). On each activation h_A it
 * routes h_A to the receiver and, at once, δ̂_A = scale · M_B(h_A, c) to the sender as a 'synthetic'
 * gradient, so A can update without waiting (update unlock). When B's gradient for that step comes
 * back (the loss gradient at the top, or itself computed from B's synthetic gradient — then a
 * 'bootstrapped' target), M_B learns from it and a metric is routed. The sender never receives B's
 * gradient. Order per activation: receiver, then sender.
 *
 * One subscription per model: the model keeps predictions by step, and this operator tells it to
 * forget those still pending when the stream ends (completion, error or unsubscribe).
 */
export function dni(
  model: SyntheticModel,
  options: DniOptions = {},
): OperatorFunction<EdgeEvent, RoutedMessage> {
  const settings = checkDniOptions(options);
  return routeEdge(() => {
    const syntheticGradient = syntheticGradientState(model, settings);
    const contexts = stepContexts('dni');
    const earlyTargets = new Map<number, BackwardMessage>();
    function activation(message: ForwardMessage, route: Route): void {
      const synthetic = syntheticGradient.predict(message);
      const target = earlyTargets.get(message.step);
      earlyTargets.delete(message.step);
      const metric = target === undefined ? null : syntheticGradient.learn(target);
      route(toReceiver(message));
      route(toSender(synthetic));
      if (metric !== null) route(toMetrics(metric));
    }
    return {
      forward(message, route) {
        // cDNI's labels arrive on their own message: h_A waits for them (and the prediction with it).
        const ready = settings.context === 'label' ? contexts.attach(message) : message;
        if (ready) activation(ready, route);
      },
      context(message, route) {
        const ready = contexts.arrive(message);
        if (ready) activation(ready, route);
      },
      backward(message, route) {
        if (settings.holdEarlyTargets && !syntheticGradient.hasPrediction(message.step)) {
          if (earlyTargets.has(message.step))
            throw new Error(
              `dniflow/operators: dni got a second gradient for step ${message.step} before its activation`,
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
