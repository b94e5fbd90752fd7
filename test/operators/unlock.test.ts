import { describe, expect, it } from 'vitest';
import type { EdgeEvent, RoutedMessage } from '../../src/operators/messages.ts';
import { unlock } from '../../src/operators/unlock.ts';
import { Tensor } from '../../src/tensor/tensor.ts';
import {
  backward,
  FakeModel,
  fakeLearnResult,
  forward,
  gradientMetric,
  input,
  syntheticGradient,
  testScheduler,
  toMetrics,
  toReceiver,
} from './fakes.ts';

const syntheticActivation = (step: number, value: number): RoutedMessage =>
  toReceiver({ step, tick: step * 10 + 1, activation: Tensor.from([value, value, value], [1, 3]) });
const activationMetric = (step: number): RoutedMessage =>
  toMetrics({ step, tick: step * 10, loss: fakeLearnResult(step).loss, targetKind: 'activation' });

describe('unlock', () => {
  it('sends ĥ to the receiver, δ̂(h) to the sender, and learns both models; no real signal crosses', () => {
    const gradientModel = new FakeModel({ value: () => 3 });
    const inputModel = new FakeModel({ value: () => 7 });
    testScheduler().run(({ cold, expectObservable }) => {
      const source = cold('a-----b-----c-|', { a: input(1), b: forward(1), c: backward(1, 'synthetic') });
      expectObservable(source.pipe(unlock(gradientModel, inputModel, { scale: 0.5 }))).toBe(
        'i-----(sm)--g-|',
        {
          i: syntheticActivation(1, 7),
          s: syntheticGradient(1, 1.5),
          m: activationMetric(1),
          g: gradientMetric(1, 'bootstrapped'),
        },
      );
    });
    // M_B's input is the real h_A; I_B's input is x and its target the real h_A.
    expect(gradientModel.predicted.map((call) => call.input)).toEqual([[1, -1]]);
    expect(inputModel.predicted.map((call) => call.input)).toEqual([[1, 1, 1]]);
    expect(inputModel.learned).toEqual([{ step: 1, target: [1, -1] }]);
    expect(gradientModel.learned).toEqual([{ step: 1, target: [1.5, 1] }]);
  });

  it('holds a gradient that arrives before its activation and learns from it right after predicting', () => {
    const gradientModel = new FakeModel();
    const inputModel = new FakeModel();
    testScheduler().run(({ cold, expectObservable }) => {
      const source = cold('a-b-c-d-----|', {
        a: input(1),
        b: input(2),
        c: backward(2, 'true'),
        d: forward(2),
      });
      expectObservable(source.pipe(unlock(gradientModel, inputModel))).toBe('a-b---(smg)-|', {
        a: syntheticActivation(1, 1),
        b: syntheticActivation(2, 1),
        s: syntheticGradient(2, 1),
        m: activationMetric(2),
        g: gradientMetric(2, 'true'),
      });
    });
    expect(gradientModel.learned).toEqual([{ step: 2, target: [2.5, 1] }]);
    // Step 1's synthetic input never got its activation: forgotten at completion.
    expect(inputModel.forgotten).toEqual([1]);
    expect(gradientModel.held.size + inputModel.held.size).toBe(0);
  });

  it('holds an activation that arrives before its input, then predicts δ̂ and learns I right after ĥ', () => {
    const gradientModel = new FakeModel();
    const inputModel = new FakeModel();
    testScheduler().run(({ cold, expectObservable }) => {
      const source = cold('a-b-------|', { a: forward(2), b: input(2) });
      expectObservable(source.pipe(unlock(gradientModel, inputModel))).toBe('--(rsm)---|', {
        r: syntheticActivation(2, 1),
        s: syntheticGradient(2, 1),
        m: activationMetric(2),
      });
    });
    expect(inputModel.learned.map((l) => l.step)).toEqual([2]);
  });

  it('errors, naming the step, on a gradient for a step that had no input', () => {
    testScheduler().run(({ cold, expectObservable }) => {
      expectObservable(cold('a-|', { a: backward(4) }).pipe(unlock(new FakeModel(), new FakeModel()))).toBe(
        '#',
        undefined,
        new Error('dniflow/operators: unlock got a gradient for step 4 with no prediction'),
      );
    });
  });

  it('completes with nothing on an empty source', () => {
    testScheduler().run(({ cold, expectObservable }) => {
      expectObservable(cold<EdgeEvent>('|').pipe(unlock(new FakeModel(), new FakeModel()))).toBe('|');
    });
  });

  it('passes a source error through and turns a throwing model into an error', () => {
    testScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('a-#', { a: input(1) }, new Error('upstream broke'));
      expectObservable(source.pipe(unlock(new FakeModel(), new FakeModel()))).toBe(
        'a-#',
        { a: syntheticActivation(1, 1) },
        new Error('upstream broke'),
      );
      expectSubscriptions(source.subscriptions).toBe('^-!');
      const failing = cold('a-b-|', { a: input(1), b: forward(1) });
      expectObservable(failing.pipe(unlock(new FakeModel({ failPredictAt: 1 }), new FakeModel()))).toBe(
        'a-#',
        { a: syntheticActivation(1, 1) },
        new Error('fake model: predict failed at step 1'),
      );
    });
  });

  it('on early unsubscribe stops the source and forgets what both models still hold', () => {
    const gradientModel = new FakeModel();
    const inputModel = new FakeModel();
    testScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('a-----b-----c-----|', { a: input(1), b: forward(1), c: input(2) });
      expectObservable(source.pipe(unlock(gradientModel, inputModel)), '^-----------!').toBe('a-----(sm)', {
        a: syntheticActivation(1, 1),
        s: syntheticGradient(1, 1),
        m: activationMetric(1),
      });
      expectSubscriptions(source.subscriptions).toBe('^-----------!');
    });
    expect(gradientModel.forgotten).toEqual([1]);
    expect(inputModel.forgotten).toEqual([]);
    expect(gradientModel.held.size + inputModel.held.size).toBe(0);
  });
});
