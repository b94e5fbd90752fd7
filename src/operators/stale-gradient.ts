import type { OperatorFunction } from 'rxjs';
import type { StaleGradientTarget } from '../graph/interfaces.ts';
import { sameShape, Tensor } from '../tensor/tensor.ts';
import type { EdgeEvent, ForwardMessage, InterfaceMetric, RoutedMessage } from './messages.ts';
import { type Route, routeEdge, toMetrics, toReceiver, toSender } from './route-edge.ts';
import type { StaleGradientTable } from './stale-gradient-table.ts';
import { stepContexts } from './step-contexts.ts';

export interface StaleGradientOptions {
  /**
   * Forget a step still unanswered this many steps later, as `dni` does: under sparse updates a
   * receiver that skips a step never sends its gradient. A gradient for a forgotten step is dropped.
   */
  forgetAfter?: number;
  /**
   * 'true' (the default): the sender waits for the receiver's gradient, backpropagates it, and
   * updates with the table's answer. 'bootstrapped': the sender gets the answer at once and uses it
   * for both. See below.
   */
  target?: StaleGradientTarget;
}

/**
 * The stale-gradient baseline on edge A→B (paper §3.1, "Stale gradients"; DESIGN item 7). On each
 * activation h_A of step s, with the batch's example indices in `context.examples`, it looks up, for
 * each example, the gradient the table holds: the one computed for the *same example* at its last
 * visit (≤ one epoch ago), or its exponential average over past visits; zero for an example never
 * seen. It routes h_A to the receiver. When B's gradient δ for step s comes back, the table stores it
 * for those examples (after the lookup: the answer is always a previous visit's), and a metric
 * compares the answer with δ (‖answer − δ‖² per example, and their cosine).
 *
 * - target 'true' (the paper's baseline: gradients "computed w.r.t. the model E epochs ago"): δ is
 *   the true ∂L/∂h_A when everything above is locked (backprop or true-target stale edges). The sender
 *   gets one message, when δ arrives: `gradient` δ, to backpropagate to its own inputs (so the next
 *   edge down stores a true gradient too), and `update` the stale answer, for its parameter update.
 *   The sender waits for the whole pass above it: locked compute, like backprop. Order per step:
 *   receiver, then (once δ is in) metrics, then sender.
 * - target 'bootstrapped': a non-parametric synthetic gradient. The sender gets the answer at once,
 *   as its gradient, and updates and backpropagates with it (update-unlocked); δ is then what B
 *   computed from the answer it got itself, so the loss reaches one interface further down per epoch.
 *   Order per activation: receiver, then sender.
 *
 * Never another batch's gradient for these activations (that would be a different example's).
 */
export function staleGradient(
  table: StaleGradientTable,
  options: StaleGradientOptions = {},
): OperatorFunction<EdgeEvent, RoutedMessage> {
  const { forgetAfter, target = 'true' } = options;
  if (target !== 'true' && target !== 'bootstrapped') {
    throw new Error(
      `dniflow/operators: staleGradient on ${table.name} target must be 'true' or 'bootstrapped', got '${String(target)}'`,
    );
  }
  if (forgetAfter !== undefined && !(Number.isInteger(forgetAfter) && forgetAfter > 0)) {
    throw new Error(
      `dniflow/operators: staleGradient forgetAfter must be a positive integer, got ${forgetAfter}`,
    );
  }
  return routeEdge(() => {
    const pending = new Map<number, { examples: Uint32Array; answer: Tensor }>();
    // Steps at or below this were forgotten by `forgetAfter`; their late gradients are dropped.
    let forgottenThrough = Number.NEGATIVE_INFINITY;
    const contexts = stepContexts(`staleGradient on ${table.name}`);
    function withExamples(message: ForwardMessage, route: Route): void {
      const { step, activation } = message;
      if (pending.has(step)) {
        throw new Error(
          `dniflow/operators: staleGradient on ${table.name} got a second activation for step ${step} while its answer is pending`,
        );
      }
      if (forgetAfter !== undefined) {
        forgetThrough(pending, step - forgetAfter);
        forgottenThrough = Math.max(forgottenThrough, step - forgetAfter);
      }
      const examples = message.context?.examples;
      if (examples === undefined) {
        throw new Error(
          `dniflow/operators: staleGradient on ${table.name} needs the batch's example indices (context.examples) on the activation of step ${step}`,
        );
      }
      if (examples.length !== activation.shape[0]) {
        throw new Error(
          `dniflow/operators: staleGradient on ${table.name} got ${examples.length} example indices for ${activation.shape[0]} activation rows at step ${step}`,
        );
      }
      // Looked up before h_A is routed on: under lockstep, B's gradient for this very step comes
      // back (and is stored) while h_A is routed, and the answer must be the previous visit's.
      // Owned by the message it goes out in (the sender may keep it), hence a fresh array.
      const gradient = new Float32Array(activation.size);
      table.lookup(examples, gradient, step);
      const answer = new Tensor(gradient, activation.shape);
      // Copied: the batcher reuses its index buffer, and B's gradient may come back steps later.
      pending.set(step, { examples: examples.slice(), answer });
      route(toReceiver(message));
      if (target === 'bootstrapped') {
        route(toSender({ step, tick: message.tick, gradient: answer, kind: 'synthetic' }));
      }
    }

    return {
      forward(message, route) {
        const ready = contexts.attach(message);
        if (ready) withExamples(ready, route);
      },

      context(message, route) {
        const ready = contexts.arrive(message);
        if (ready) withExamples(ready, route);
      },

      backward(message, route) {
        const { step, gradient } = message;
        const entry = pending.get(step);
        if (entry === undefined) {
          if (step <= forgottenThrough) return;
          throw new Error(
            `dniflow/operators: staleGradient on ${table.name} got a gradient for step ${step} with no activation`,
          );
        }
        if (!sameShape(gradient.shape, entry.answer.shape)) {
          throw new Error(
            `dniflow/operators: staleGradient on ${table.name} got a gradient of shape [${gradient.shape.join(', ')}] for an activation of shape [${entry.answer.shape.join(', ')}] at step ${step}`,
          );
        }
        pending.delete(step);
        const metric = compare(entry.answer.data, gradient.data, entry.examples.length);
        table.store(entry.examples, gradient.data, step);
        const targetKind = message.kind === 'true' ? 'true' : 'bootstrapped';
        route(toMetrics({ step, tick: message.tick, ...metric, targetKind }));
        if (target === 'true') {
          // δ passes on as it is (the sender backpropagates the true gradient); only the sender's
          // parameter update sees the stale answer.
          route(toSender({ step, tick: message.tick, gradient, kind: message.kind, update: entry.answer }));
        }
      },

      finalize() {
        contexts.clear();
        pending.clear();
      },
    };
  });
}

function forgetThrough(pending: Map<number, unknown>, horizon: number): void {
  for (const step of pending.keys()) if (step <= horizon) pending.delete(step);
}

/**
 * ‖answer − target‖² per example and cos(answer, target) over the batch, as DNI's L2 metrics
 * (src/dni/l2-regression.ts): 0 cosine when either side is all zero (e.g. examples never seen).
 */
function compare(
  answer: Float32Array,
  target: Float32Array,
  batch: number,
): Pick<InterfaceMetric, 'loss' | 'cosine'> {
  let squares = 0;
  let dot = 0;
  let answerNorm = 0;
  let targetNorm = 0;
  for (let i = 0; i < answer.length; i++) {
    const a = answer[i];
    const t = target[i];
    squares += (a - t) * (a - t);
    dot += a * t;
    answerNorm += a * a;
    targetNorm += t * t;
  }
  const norms = Math.sqrt(answerNorm) * Math.sqrt(targetNorm);
  return { loss: squares / Math.max(batch, 1), cosine: norms > 0 ? dot / norms : 0 };
}
