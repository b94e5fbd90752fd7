import { describe, expect, it } from 'vitest';
import { initialTransition, transition } from 'xstate';
import type { BackwardMessage, ForwardMessage, GradientKind } from '../../src/operators/messages.ts';
import { type ModuleEvent, moduleMachine } from '../../src/runtime/module-machine.ts';
import { Tensor } from '../../src/tensor/tensor.ts';

// The module's logic alone, through xstate's pure transition(): no compute, no runtime.
const activation = (step: number): ForwardMessage => ({ step, tick: 0, activation: Tensor.zeros([1, 2]) });
const gradient = (step: number, kind: GradientKind): BackwardMessage => ({
  step,
  tick: 0,
  gradient: Tensor.from([1, 2], [1, 2]),
  kind,
});
const forward = (step: number, update = true): ModuleEvent => ({
  type: 'FORWARD',
  message: activation(step),
  update,
});
const backward = (step: number, kind: GradientKind = 'true'): ModuleEvent => ({
  type: 'GRADIENT',
  message: gradient(step, kind),
});

/** Runs events from the start; returns the final snapshot and each event's action types and params. */
function run(gradientEdges: number, events: ModuleEvent[]) {
  let [snapshot] = initialTransition(moduleMachine, { gradientEdges });
  const actions: { type: string; params: unknown }[][] = [];
  for (const event of events) {
    const [next, executed] = transition(moduleMachine, snapshot, event);
    snapshot = next;
    // xstate's own actions (the raise that replays a queued activation) are done by transition() itself.
    const named = executed.filter((a) => !a.type.startsWith('xstate.'));
    actions.push(named.map((a) => ({ type: a.type, params: a.params })));
  }
  return { snapshot, actions, types: actions.map((list) => list.map((a) => a.type)) };
}

describe('module logic through transition()', () => {
  it('accumulates one gradient per gradient-bearing output edge, then backpropagates once', () => {
    const { snapshot, types } = run(3, [forward(0), backward(0), backward(0), backward(0)]);
    expect(types).toEqual([
      ['runForward'],
      ['accumulateGradient'],
      ['accumulateGradient'],
      ['accumulateGradient', 'runBackward'],
    ]);
    expect(snapshot.value).toBe('ready');
  });

  it('passes on a true gradient only when every gradient it summed was true', () => {
    const allTrue = run(2, [forward(0), backward(0, 'true'), backward(0, 'true')]);
    expect(allTrue.actions[2][1].params).toEqual({ step: 0, kind: 'true' });
    const mixed = run(2, [forward(0), backward(0, 'true'), backward(0, 'synthetic')]);
    expect(mixed.actions[2][1].params).toEqual({ step: 0, kind: 'bootstrapped' });
    const synthetic = run(1, [forward(0), backward(0, 'synthetic')]);
    expect(synthetic.actions[1][1].params).toEqual({ step: 0, kind: 'bootstrapped' });
  });

  it('drops and counts a gradient for another step (stale) and keeps waiting for its own', () => {
    const { snapshot, types } = run(1, [forward(5), backward(4), backward(5)]);
    expect(types).toEqual([['runForward'], [], ['accumulateGradient', 'runBackward']]);
    expect(snapshot.context.staleDropped).toBe(1);
    const idle = run(1, [backward(0)]);
    expect(idle.snapshot.context.staleDropped).toBe(1);
    expect(idle.snapshot.value).toBe('ready');
  });

  it("skips the update when the step's p_update coin says no (sparse updates), then takes the next step", () => {
    const { snapshot, types } = run(1, [forward(0, false), backward(0), forward(1, true), backward(1)]);
    expect(types).toEqual([
      ['runForward'],
      ['skipUpdate'],
      ['runForward'],
      ['accumulateGradient', 'runBackward'],
    ]);
    expect(snapshot.value).toBe('ready');
  });

  it('queues an activation that arrives while it waits (forward locking) and runs it once released', () => {
    const { actions, types, snapshot } = run(1, [forward(0), forward(1), backward(0)]);
    expect(types).toEqual([['runForward'], [], ['accumulateGradient', 'runBackward', 'runForward']]);
    expect((actions[2][2].params as { message: ForwardMessage }).message.step).toBe(1);
    expect(snapshot.value).toBe('awaitingGradient');
    expect(snapshot.context.step).toBe(1);
  });

  it('never waits when no output edge returns a gradient (stop-gradient everywhere)', () => {
    const { snapshot, types } = run(0, [forward(0), forward(1)]);
    expect(types).toEqual([['runForward'], ['runForward']]);
    expect(snapshot.value).toBe('ready');
  });
});
