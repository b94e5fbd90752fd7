import { take } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { dni } from '../../src/operators/dni.ts';
import type { EdgeEvent } from '../../src/operators/messages.ts';
import {
  backward,
  contextEvent,
  FakeModel,
  forward,
  forwardMessage,
  gradientMetric,
  input,
  syntheticGradient,
  testScheduler,
  toReceiver,
} from './fakes.ts';

describe('dni', () => {
  it('routes the activation to the receiver, then the scaled synthetic gradient to the sender at once', () => {
    const model = new FakeModel({ value: (step) => step });
    testScheduler().run(({ cold, expectObservable }) => {
      const source = cold('a-----b-----|', { a: forward(1), b: forward(2) });
      expectObservable(source.pipe(dni(model, { scale: 0.5 }))).toBe('(rs)--(RS)--|', {
        r: toReceiver(forwardMessage(1)),
        s: syntheticGradient(1, 0.5),
        R: toReceiver(forwardMessage(2)),
        S: syntheticGradient(2, 1),
      });
    });
    // The model saw h_A itself (not a scaled or routed copy).
    expect(model.predicted.map((call) => call.input)).toEqual([
      [1, -1],
      [2, -2],
    ]);
  });

  it('learns from the receiver gradient with the right step and target kind, and never sends it back', () => {
    const model = new FakeModel();
    testScheduler().run(({ cold, expectObservable }) => {
      const source = cold('a-----b-----c-d-|', {
        a: forward(1),
        b: forward(2),
        c: backward(2, 'synthetic'),
        d: backward(1, 'true'),
      });
      expectObservable(source.pipe(dni(model))).toBe('(rs)--(RS)--x-y-|', {
        r: toReceiver(forwardMessage(1)),
        s: syntheticGradient(1, 1),
        R: toReceiver(forwardMessage(2)),
        S: syntheticGradient(2, 1),
        x: gradientMetric(2, 'bootstrapped'),
        y: gradientMetric(1, 'true'),
      });
    });
    expect(model.learned).toEqual([
      { step: 2, target: [2.5, 1] },
      { step: 1, target: [1.5, 1] },
    ]);
    expect(model.held.size).toBe(0);
  });

  it('matches out-of-order gradients to their own predictions; bootstrapped stays bootstrapped', () => {
    const model = new FakeModel();
    testScheduler().run(({ cold, expectObservable }) => {
      const source = cold('a-----b-----c-----x-y-z-|', {
        a: forward(1),
        b: forward(2),
        c: forward(3),
        x: backward(3, 'bootstrapped', [30, 31]),
        y: backward(1, 'synthetic', [10, 11]),
        z: backward(2, 'true', [20, 21]),
      });
      expectObservable(source.pipe(dni(model))).toBe('(rs)--(RS)--(tu)--x-y-z-|', {
        r: toReceiver(forwardMessage(1)),
        s: syntheticGradient(1, 1),
        R: toReceiver(forwardMessage(2)),
        S: syntheticGradient(2, 1),
        t: toReceiver(forwardMessage(3)),
        u: syntheticGradient(3, 1),
        x: gradientMetric(3, 'bootstrapped'),
        y: gradientMetric(1, 'bootstrapped'),
        z: gradientMetric(2, 'true'),
      });
    });
    expect(model.learned).toEqual([
      { step: 3, target: [30, 31] },
      { step: 1, target: [10, 11] },
      { step: 2, target: [20, 21] },
    ]);
  });

  it('completes with nothing on an empty source', () => {
    const model = new FakeModel();
    testScheduler().run(({ cold, expectObservable }) => {
      expectObservable(cold<EdgeEvent>('|').pipe(dni(model))).toBe('|');
      expectObservable(cold<EdgeEvent>('---|').pipe(dni(model))).toBe('---|');
    });
    expect(model.predicted).toEqual([]);
  });

  it('passes a source error through and forgets the pending prediction', () => {
    const model = new FakeModel();
    testScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('a---#', { a: forward(1) }, new Error('upstream broke'));
      expectObservable(source.pipe(dni(model))).toBe(
        '(rs)#',
        { r: toReceiver(forwardMessage(1)), s: syntheticGradient(1, 1) },
        new Error('upstream broke'),
      );
      expectSubscriptions(source.subscriptions).toBe('^---!');
    });
    expect(model.forgotten).toEqual([1]);
    expect(model.held.size).toBe(0);
  });

  it('turns a model that throws in predict or learn into an error and unsubscribes the source', () => {
    const failsToPredict = new FakeModel({ failPredictAt: 2 });
    const failsToLearn = new FakeModel({ failLearnAt: 1 });
    testScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const first = cold('a-----b-----|', { a: forward(1), b: forward(2) });
      expectObservable(first.pipe(dni(failsToPredict))).toBe(
        '(rs)--#',
        { r: toReceiver(forwardMessage(1)), s: syntheticGradient(1, 1) },
        new Error('fake model: predict failed at step 2'),
      );
      expectSubscriptions(first.subscriptions).toBe('^-----!');
      const second = cold('a-----b-----|', { a: forward(1), b: backward(1) });
      expectObservable(second.pipe(dni(failsToLearn))).toBe(
        '(rs)--#',
        { r: toReceiver(forwardMessage(1)), s: syntheticGradient(1, 1) },
        new Error('fake model: learn failed at step 1'),
      );
    });
    expect(failsToPredict.forgotten).toEqual([1]);
    expect(failsToLearn.forgotten).toEqual([1]);
  });

  it('errors, naming the step, on a gradient for a step it never predicted', () => {
    const model = new FakeModel();
    testScheduler().run(({ cold, expectObservable }) => {
      const source = cold('a-----b-|', { a: forward(1), b: backward(7) });
      expectObservable(source.pipe(dni(model))).toBe(
        '(rs)--#',
        { r: toReceiver(forwardMessage(1)), s: syntheticGradient(1, 1) },
        new Error('dniflow/operators: dni got a gradient for step 7 with no prediction'),
      );
    });
  });

  it('on early unsubscribe stops the source and forgets every pending prediction', () => {
    const model = new FakeModel();
    testScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('a-----b-----c-----|', { a: forward(1), b: forward(2), c: forward(3) });
      expectObservable(source.pipe(dni(model)), '^--------!').toBe('(rs)--(RS)', {
        r: toReceiver(forwardMessage(1)),
        s: syntheticGradient(1, 1),
        R: toReceiver(forwardMessage(2)),
        S: syntheticGradient(2, 1),
      });
      expectSubscriptions(source.subscriptions).toBe('^--------!');
    });
    expect(model.forgotten.sort()).toEqual([1, 2]);
    expect(model.held.size).toBe(0);
  });

  it('forgets a prediction even when the downstream unsubscribes in the middle of routing it', () => {
    const model = new FakeModel();
    testScheduler().run(({ cold, expectObservable }) => {
      const source = cold('a-b-|', { a: forward(1), b: forward(2) });
      expectObservable(source.pipe(dni(model), take(1))).toBe('(r|)', { r: toReceiver(forwardMessage(1)) });
    });
    expect(model.predicted.map((call) => call.step)).toEqual([1]);
    expect(model.forgotten).toEqual([1]);
  });

  it('forgets pending predictions on completion', () => {
    const model = new FakeModel();
    testScheduler().run(({ cold, expectObservable }) => {
      const source = cold('a-----b-----c-|', { a: forward(1), b: forward(2), c: backward(1) });
      expectObservable(source.pipe(dni(model))).toBe('(rs)--(RS)--m-|', {
        r: toReceiver(forwardMessage(1)),
        s: syntheticGradient(1, 1),
        R: toReceiver(forwardMessage(2)),
        S: syntheticGradient(2, 1),
        m: gradientMetric(1, 'true'),
      });
    });
    expect(model.forgotten).toEqual([2]);
    expect(model.held.size).toBe(0);
  });

  it('gives a cDNI model the labels as context, and holds an activation until they arrive', () => {
    const labels = Uint8Array.from([3]);
    const model = new FakeModel();
    testScheduler().run(({ cold, expectObservable }) => {
      const withLabels = cold('a---|', { a: forward(1, { labels, classes: 10 }) });
      expectObservable(withLabels.pipe(dni(model, { context: 'label' }))).toBe('(rs)|', {
        r: toReceiver(forwardMessage(1, { labels, classes: 10 })),
        s: syntheticGradient(1, 1),
      });
      const withoutLabels = cold('a-|', { a: forward(2) });
      expectObservable(withoutLabels.pipe(dni(new FakeModel(), { context: 'label' }))).toBe('--|');
    });
    expect(model.predicted[0].context).toEqual({ labels, classes: 10 });
  });

  it('takes cDNI labels from their own context message, before or after the activation', () => {
    const labels = Uint8Array.from([3]);
    const context = { labels, classes: 10 };
    for (const order of ['context first', 'activation first']) {
      const model = new FakeModel();
      testScheduler().run(({ cold, expectObservable }) => {
        const events = { c: contextEvent(1, context), a: forward(1) };
        const source = cold(order === 'context first' ? 'c-a---|' : 'a-c---|', events);
        expectObservable(source.pipe(dni(model, { context: 'label' }))).toBe('--(rs)|', {
          r: toReceiver(forwardMessage(1, context)),
          s: syntheticGradient(1, 1),
        });
      });
      expect(
        model.predicted.map((p) => p.context),
        order,
      ).toEqual([context]);
    }
  });

  it('ignores context messages without label context', () => {
    testScheduler().run(({ cold, expectObservable }) => {
      const source = cold('c-a---|', {
        c: contextEvent(1, { labels: Uint8Array.from([1]), classes: 2 }),
        a: forward(1),
      });
      expectObservable(source.pipe(dni(new FakeModel()))).toBe('--(rs)|', {
        r: toReceiver(forwardMessage(1)),
        s: syntheticGradient(1, 1),
      });
    });
  });

  it('with holdEarlyTargets (complete unlock split across threads), holds a target that comes back before its activation', () => {
    const model = new FakeModel();
    testScheduler().run(({ cold, expectObservable }) => {
      const source = cold('a-b-----|', { a: backward(2, 'bootstrapped'), b: forward(2) });
      expectObservable(source.pipe(dni(model, { holdEarlyTargets: true }))).toBe('--(rsm)-|', {
        r: toReceiver(forwardMessage(2)),
        s: syntheticGradient(2, 1),
        m: gradientMetric(2, 'bootstrapped'),
      });
      const twice = cold('a-b-|', { a: backward(4), b: backward(4) });
      expectObservable(twice.pipe(dni(new FakeModel(), { holdEarlyTargets: true }))).toBe(
        '--#',
        undefined,
        new Error('dniflow/operators: dni got a second gradient for step 4 before its activation'),
      );
    });
    expect(model.learned.map((l) => l.step)).toEqual([2]);
  });

  it('with forgetAfter, releases unanswered predictions and drops their late gradients', () => {
    const model = new FakeModel();
    testScheduler().run(({ cold, expectObservable }) => {
      const source = cold('a-----b-----c-----x-y-|', {
        a: forward(1),
        b: forward(2),
        c: forward(3),
        x: backward(1),
        y: backward(2),
      });
      expectObservable(source.pipe(dni(model, { forgetAfter: 2 }))).toBe('(rs)--(RS)--(tu)----y-|', {
        r: toReceiver(forwardMessage(1)),
        s: syntheticGradient(1, 1),
        R: toReceiver(forwardMessage(2)),
        S: syntheticGradient(2, 1),
        t: toReceiver(forwardMessage(3)),
        u: syntheticGradient(3, 1),
        y: gradientMetric(2, 'true'),
      });
    });
    // Step 1 was forgotten when step 3 arrived; step 3 at completion.
    expect(model.forgotten).toEqual([1, 3]);
    expect(model.learned.map((call) => call.step)).toEqual([2]);
  });

  it('errors on a second activation for a pending step and on a prediction of the wrong shape', () => {
    testScheduler().run(({ cold, expectObservable }) => {
      const twice = cold('a-----b-|', { a: forward(1), b: forward(1) });
      expectObservable(twice.pipe(dni(new FakeModel()))).toBe(
        '(rs)--#',
        { r: toReceiver(forwardMessage(1)), s: syntheticGradient(1, 1) },
        new Error(
          'dniflow/operators: dni got a second activation for step 1 while its prediction is pending',
        ),
      );
      const misshapen = cold('a-|', { a: forward(4) });
      expectObservable(misshapen.pipe(dni(new FakeModel({ outputShape: [1, 3] })))).toBe(
        '#',
        undefined,
        new Error(
          "dniflow/operators: dni's model predicted a gradient of shape [1, 3] for an activation of shape [1, 2] at step 4",
        ),
      );
    });
  });

  it('ignores input events and rejects bad options', () => {
    const model = new FakeModel();
    testScheduler().run(({ cold, expectObservable }) => {
      expectObservable(cold('a-|', { a: input(1) }).pipe(dni(model))).toBe('--|');
    });
    expect(model.predicted).toEqual([]);
    expect(() => dni(model, { scale: Number.NaN })).toThrow(/dniflow\/operators: dni scale must be finite/);
    expect(() => dni(model, { forgetAfter: 0 })).toThrow(/forgetAfter must be a positive integer, got 0/);
  });
});
