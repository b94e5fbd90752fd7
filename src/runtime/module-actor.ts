import { type Actor, createActor } from 'xstate';
import type { ForwardMessage, GradientKind } from '../operators/messages.ts';
import type { ModuleCompute } from './module-compute.ts';
import { moduleMachine } from './module-machine.ts';

/** What the engine does when a module actor decides to compute (the actor decides only *when*). */
export interface ModuleActorHooks {
  /** Run the forward pass on an activation and send the output on. */
  forward(message: ForwardMessage): void;
  /**
   * Backpropagate the step's summed gradient and update. `kind` is what the module passes on: the
   * true gradient only if all it received was true, else bootstrapped (paper §2).
   */
  backward(step: number, kind: GradientKind): void;
  /** An error inside the actor (recorded, not thrown: see StepOutcome). */
  fail(error: unknown): void;
}

/**
 * Starts a module's actor: the pure module machine, provided with actions that sum gradients into
 * `compute` and note their kinds, and with the engine's hooks for the forward and backward passes.
 */
export function startModuleActor(
  compute: ModuleCompute,
  gradientEdges: number,
  hooks: ModuleActorHooks,
): Actor<typeof moduleMachine> {
  // Kinds of the gradients received this step.
  let kinds: GradientKind[] = [];
  const logic = moduleMachine.provide({
    actions: {
      runForward: (_, { message }) => hooks.forward(message),
      accumulateGradient: (_, { message }) => {
        compute.accumulate(message.gradient, message.update);
        kinds.push(message.kind);
      },
      runBackward: (_, { step }) => {
        const kind: GradientKind = kinds.every((k) => k === 'true') ? 'true' : 'bootstrapped';
        kinds = [];
        hooks.backward(step, kind);
      },
      skipUpdate: () => {
        compute.skip();
        kinds = [];
      },
    },
    guards: { updatesThisStep: () => compute.updatesThisStep() },
  });
  const actor = createActor(logic, { input: { gradientEdges } });
  actor.subscribe({ error: (error) => hooks.fail(error) });
  return actor.start();
}
