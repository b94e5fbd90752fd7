import { assign, enqueueActions, setup } from 'xstate';
import type { BackwardMessage, ForwardMessage, GradientKind } from '../operators/messages.ts';

/**
 * A module's logic (xstate v5), pure: it decides *when* the module computes, waits and updates. It is
 * run with `transition(logic, snapshot, event)` (module-process.ts), which returns the named actions
 * below as data; an executor performs them over the module's compute and returns the messages they
 * produce. Nothing here computes or sends.
 *
 * - `ready`: an activation arrives → `runForward`. If any output edge returns a gradient, wait for
 *   them in `awaitingGradient`.
 * - `awaitingGradient`: gradients for the current step accumulate, one per gradient-bearing output
 *   edge. A locked (backprop) edge is where this waits for the whole downstream chain; a DNI edge
 *   answers at once with a synthetic gradient (paper §2.1, update unlock). When the last one is in,
 *   `runBackward` (backpropagate and update) or, if this step's `p_update` coin said no, `skipUpdate`
 *   (paper §3.1, sparse updates); then back to `ready`.
 * - An activation that arrives while waiting is queued and replayed on return to `ready`: that is
 *   forward locking, made visible (the asynchronous scheduler relies on it).
 * - A gradient for another step than the one awaited (or while nothing is awaited) is stale; it is
 *   dropped and counted.
 */
export interface ModuleContext {
  /** Output edges that send a gradient back (all but stop-gradient ones). */
  gradientEdges: number;
  step: number;
  /** This step's `p_update` coin (drawn by the runtime from the module's own stream). */
  update: boolean;
  /** Kinds of the gradients received so far this step. */
  kinds: GradientKind[];
  queued: ForwardEvent[];
  staleDropped: number;
}

export interface ForwardEvent {
  type: 'FORWARD';
  message: ForwardMessage;
  /** Whether this step updates: the `p_update` coin (paper §3.1), drawn by the runtime. */
  update: boolean;
}

export type ModuleEvent = ForwardEvent | { type: 'GRADIENT'; message: BackwardMessage };

/** What the module passes on: the true gradient only if all it received was true (paper §2). */
function passedKind(kinds: readonly GradientKind[]): GradientKind {
  return kinds.every((k) => k === 'true') ? 'true' : 'bootstrapped';
}

export const moduleMachine = setup({
  types: {
    context: {} as ModuleContext,
    events: {} as ModuleEvent,
    input: {} as { gradientEdges: number },
  },
  actions: {
    /** Compute the forward pass for the message and emit on the output edges. */
    runForward: (_, _params: { message: ForwardMessage }) => {},
    /** Add a gradient into the step's sum. */
    accumulateGradient: (_, _params: { message: BackwardMessage }) => {},
    /** Backpropagate the summed gradient, update, emit to the input edges with `kind`. */
    runBackward: (_, _params: { step: number; kind: GradientKind }) => {},
    /** Drop the step's gradient without updating or backpropagating (sparse updates). */
    skipUpdate: (_, _params: { step: number }) => {},
  },
}).createMachine({
  id: 'module',
  context: ({ input }) => ({
    gradientEdges: input.gradientEdges,
    step: -1,
    update: true,
    kinds: [],
    queued: [],
    staleDropped: 0,
  }),
  initial: 'ready',
  states: {
    ready: {
      always: {
        guard: ({ context }) => context.queued.length > 0,
        actions: enqueueActions(({ context, enqueue }) => {
          const [next, ...rest] = context.queued;
          enqueue.assign({ queued: rest });
          enqueue.raise(next);
        }),
      },
      on: {
        FORWARD: [
          {
            guard: ({ context }) => context.gradientEdges === 0,
            actions: [{ type: 'runForward', params: ({ event }) => ({ message: event.message }) }],
          },
          {
            target: 'awaitingGradient',
            actions: [
              assign({
                step: ({ event }) => event.message.step,
                update: ({ event }) => event.update,
                kinds: [],
              }),
              { type: 'runForward', params: ({ event }) => ({ message: event.message }) },
            ],
          },
        ],
        GRADIENT: { actions: assign({ staleDropped: ({ context }) => context.staleDropped + 1 }) },
      },
    },
    awaitingGradient: {
      on: {
        FORWARD: { actions: assign({ queued: ({ context, event }) => [...context.queued, event] }) },
        GRADIENT: [
          {
            guard: ({ context, event }) => event.message.step !== context.step,
            actions: assign({ staleDropped: ({ context }) => context.staleDropped + 1 }),
          },
          {
            guard: ({ context }) => context.kinds.length + 1 < context.gradientEdges,
            actions: [
              { type: 'accumulateGradient', params: ({ event }) => ({ message: event.message }) },
              assign({ kinds: ({ context, event }) => [...context.kinds, event.message.kind] }),
            ],
          },
          {
            guard: ({ context }) => context.update,
            target: 'ready',
            actions: [
              { type: 'accumulateGradient', params: ({ event }) => ({ message: event.message }) },
              {
                type: 'runBackward',
                params: ({ context, event }) => ({
                  step: context.step,
                  kind: passedKind([...context.kinds, event.message.kind]),
                }),
              },
            ],
          },
          {
            target: 'ready',
            actions: [{ type: 'skipUpdate', params: ({ context }) => ({ step: context.step }) }],
          },
        ],
      },
    },
  },
});
