import { assign, enqueueActions, setup } from 'xstate';
import type { BackwardMessage, ForwardMessage } from '../operators/messages.ts';

/**
 * A module's actor logic (xstate v5), pure: it decides *when* the module computes, waits and updates;
 * the runtime provides *how* (the named actions below) with `machine.provide`.
 *
 * - `ready`: an activation arrives → run the forward pass and emit on every output edge. If any
 *   output edge returns a gradient, wait for it in `awaitingGradient`.
 * - `awaitingGradient`: gradients for the current step accumulate, one per gradient-bearing output
 *   edge. A locked (backprop) edge is where this waits for the whole downstream chain; a DNI edge
 *   answers at once with a synthetic gradient (paper §2.1, update unlock). When the last one is in,
 *   backpropagate and update (or skip both under sparse updates, paper §3.1) and return to `ready`.
 * - An activation that arrives while waiting is queued: that is forward/backward locking, made visible.
 * - A gradient for another step is stale; it is dropped and counted.
 */
export interface ModuleContext {
  /** Output edges that send a gradient back (all but stop-gradient ones). */
  gradientEdges: number;
  step: number;
  received: number;
  queued: ForwardMessage[];
  staleDropped: number;
}

export type ModuleEvent =
  | { type: 'FORWARD'; message: ForwardMessage }
  | { type: 'GRADIENT'; message: BackwardMessage };

export const moduleMachine = setup({
  types: {
    context: {} as ModuleContext,
    events: {} as ModuleEvent,
    input: {} as { gradientEdges: number },
  },
  actions: {
    /** Runtime: compute the forward pass for the message and emit on the output edges. */
    runForward: (_, _params: { message: ForwardMessage }) => {},
    /** Runtime: add a gradient into the step's sum. */
    accumulateGradient: (_, _params: { message: BackwardMessage }) => {},
    /** Runtime: backpropagate the summed gradient, update, emit to input edges. */
    runBackward: (_, _params: { step: number }) => {},
    /** Runtime: drop the step's gradient without updating or backpropagating (sparse updates). */
    skipUpdate: (_, _params: { step: number }) => {},
  },
  guards: {
    /** Runtime: whether this step updates (p_update coin, paper §3.1); true by default. */
    updatesThisStep: () => true,
  },
}).createMachine({
  id: 'module',
  context: ({ input }) => ({
    gradientEdges: input.gradientEdges,
    step: -1,
    received: 0,
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
          enqueue.raise({ type: 'FORWARD', message: next });
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
              assign({ step: ({ event }) => event.message.step, received: 0 }),
              { type: 'runForward', params: ({ event }) => ({ message: event.message }) },
            ],
          },
        ],
        GRADIENT: { actions: assign({ staleDropped: ({ context }) => context.staleDropped + 1 }) },
      },
    },
    awaitingGradient: {
      on: {
        FORWARD: { actions: assign({ queued: ({ context, event }) => [...context.queued, event.message] }) },
        GRADIENT: [
          {
            guard: ({ context, event }) => event.message.step !== context.step,
            actions: assign({ staleDropped: ({ context }) => context.staleDropped + 1 }),
          },
          {
            guard: ({ context }) => context.received + 1 < context.gradientEdges,
            actions: [
              { type: 'accumulateGradient', params: ({ event }) => ({ message: event.message }) },
              assign({ received: ({ context }) => context.received + 1 }),
            ],
          },
          {
            guard: 'updatesThisStep',
            target: 'ready',
            actions: [
              { type: 'accumulateGradient', params: ({ event }) => ({ message: event.message }) },
              { type: 'runBackward', params: ({ context }) => ({ step: context.step }) },
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
