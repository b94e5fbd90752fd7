import { describe, expect, it } from 'vitest';
import type { EdgeEvent, ForwardMessage, RoutedMessage } from '../../src/operators/messages.ts';
import { syntheticInput } from '../../src/operators/synthetic-input.ts';
import { Tensor } from '../../src/tensor/tensor.ts';
import {
  backward,
  backwardMessage,
  FakeModel,
  fakeLearnResult,
  forward,
  input,
  testScheduler,
  toMetrics,
  toReceiver,
  toSender,
} from './fakes.ts';

/** What the receiver gets for input(step): I(x) of x's shape, filled with FakeModel's value. */
function synthetic(step: number, value: number, context?: ForwardMessage['context']): RoutedMessage {
  const message: ForwardMessage = {
    step,
    tick: step * 10 + 1,
    activation: Tensor.from([value, value, value], [1, 3]),
  };
  if (context !== undefined) message.context = context;
  return toReceiver(message);
}

const activationMetric = (step: number): RoutedMessage =>
  toMetrics({ step, tick: step * 10, loss: fakeLearnResult(step).loss, targetKind: 'activation' });

describe('syntheticInput', () => {
  it('routes ĥ = I(x) to the receiver at once, learns from the real h later, and does not forward h', () => {
    const model = new FakeModel({ value: (step) => step * 2 });
    testScheduler().run(({ cold, expectObservable }) => {
      const source = cold('a-b-c-d-|', {
        a: input(1),
        b: input(2),
        c: forward(2),
        d: forward(1),
      });
      expectObservable(source.pipe(syntheticInput(model))).toBe('a-b-c-d-|', {
        a: synthetic(1, 2),
        b: synthetic(2, 4),
        c: activationMetric(2),
        d: activationMetric(1),
      });
    });
    expect(model.predicted.map((call) => [call.step, call.input])).toEqual([
      [1, [1, 1, 1]],
      [2, [2, 2, 2]],
    ]);
    expect(model.learned).toEqual([
      { step: 2, target: [2, -2] },
      { step: 1, target: [1, -1] },
    ]);
  });

  it('sends the receiver gradient back to the sender unchanged', () => {
    testScheduler().run(({ cold, expectObservable }) => {
      const source = cold('a-b-|', { a: input(1), b: backward(1, 'synthetic') });
      expectObservable(source.pipe(syntheticInput(new FakeModel()))).toBe('a-b-|', {
        a: synthetic(1, 1),
        b: toSender(backwardMessage(1, 'synthetic')),
      });
    });
  });

  it('holds an activation that arrives before its input, and learns from it right after predicting', () => {
    const model = new FakeModel();
    testScheduler().run(({ cold, expectObservable }) => {
      const source = cold('a-b-----|', { a: forward(3), b: input(3) });
      expectObservable(source.pipe(syntheticInput(model))).toBe('--(rm)--|', {
        r: synthetic(3, 1),
        m: activationMetric(3),
      });
    });
    expect(model.learned.map((l) => l.step)).toEqual([3]);
  });

  it('errors, naming the step, on a second activation held for the same step', () => {
    testScheduler().run(({ cold, expectObservable }) => {
      expectObservable(
        cold('a-b-|', { a: forward(3), b: forward(3) }).pipe(syntheticInput(new FakeModel())),
      ).toBe(
        '--#',
        undefined,
        new Error('dniflow/operators: syntheticInput got a second activation for step 3 before its input'),
      );
    });
  });

  it('completes with nothing on an empty source', () => {
    testScheduler().run(({ cold, expectObservable }) => {
      expectObservable(cold<EdgeEvent>('|').pipe(syntheticInput(new FakeModel()))).toBe('|');
    });
  });

  it('passes a source error through and forgets the pending prediction', () => {
    const model = new FakeModel();
    testScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('a-#', { a: input(1) }, new Error('upstream broke'));
      expectObservable(source.pipe(syntheticInput(model))).toBe(
        'a-#',
        { a: synthetic(1, 1) },
        new Error('upstream broke'),
      );
      expectSubscriptions(source.subscriptions).toBe('^-!');
    });
    expect(model.forgotten).toEqual([1]);
  });

  it('turns a model that throws into an error', () => {
    testScheduler().run(({ cold, expectObservable }) => {
      const source = cold('a-b-|', { a: input(1), b: forward(1) });
      expectObservable(source.pipe(syntheticInput(new FakeModel({ failLearnAt: 1 })))).toBe(
        'a-#',
        { a: synthetic(1, 1) },
        new Error('fake model: learn failed at step 1'),
      );
      expectObservable(
        cold('a-|', { a: input(5) }).pipe(syntheticInput(new FakeModel({ failPredictAt: 5 }))),
      ).toBe('#', undefined, new Error('fake model: predict failed at step 5'));
    });
  });

  it('on early unsubscribe stops the source and forgets every pending prediction', () => {
    const model = new FakeModel();
    testScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('a-b-c-d-|', { a: input(1), b: input(2), c: forward(1), d: input(3) });
      expectObservable(source.pipe(syntheticInput(model)), '^---!').toBe('a-b-', {
        a: synthetic(1, 1),
        b: synthetic(2, 1),
      });
      expectSubscriptions(source.subscriptions).toBe('^---!');
    });
    expect(model.forgotten.sort()).toEqual([1, 2]);
    expect(model.held.size).toBe(0);
  });
});
