import { describe, expect, it } from 'vitest';
import type { EdgeEvent } from '../../src/operators/messages.ts';
import { unlockSender } from '../../src/operators/unlock-sender.ts';
import {
  backward,
  contextEvent,
  FakeModel,
  forward,
  forwardMessage,
  gradientMetric,
  syntheticGradient,
  testScheduler,
  toReceiver,
} from './fakes.ts';

describe('unlockSender (complete unlock, the half beside the sender)', () => {
  it('answers the sender at once and passes h on to the receiver half, then learns from the target', () => {
    const model = new FakeModel();
    testScheduler().run(({ cold, expectObservable }) => {
      const source = cold('a---b-|', { a: forward(1), b: backward(1, 'true') });
      expectObservable(source.pipe(unlockSender(model))).toBe('(sr)b-|', {
        s: syntheticGradient(1, 1),
        r: toReceiver(forwardMessage(1)),
        b: gradientMetric(1, 'true'),
      });
    });
    expect(model.learned.map((l) => l.step)).toEqual([1]);
  });

  it('holds a target that comes back before its activation, and learns right after predicting', () => {
    const model = new FakeModel();
    testScheduler().run(({ cold, expectObservable }) => {
      const source = cold('a-b-----|', { a: backward(2, 'bootstrapped'), b: forward(2) });
      expectObservable(source.pipe(unlockSender(model))).toBe('--(srm)-|', {
        s: syntheticGradient(2, 1),
        r: toReceiver(forwardMessage(2)),
        m: gradientMetric(2, 'bootstrapped'),
      });
    });
  });

  it("with label context, waits for the step's context message", () => {
    const labels = Uint8Array.from([1]);
    const context = { labels, classes: 3 };
    testScheduler().run(({ cold, expectObservable }) => {
      const source = cold('a-c----|', { a: forward(3), c: contextEvent(3, context) });
      expectObservable(source.pipe(unlockSender(new FakeModel(), { context: 'label' }))).toBe('--(sr)-|', {
        s: syntheticGradient(3, 1),
        r: toReceiver(forwardMessage(3, context)),
      });
    });
  });

  it('errors, naming the step, on a second early target, and completes with nothing on an empty source', () => {
    testScheduler().run(({ cold, expectObservable }) => {
      const twice = cold('a-b-|', { a: backward(4), b: backward(4) });
      expectObservable(twice.pipe(unlockSender(new FakeModel()))).toBe(
        '--#',
        undefined,
        new Error('dniflow/operators: unlock got a second gradient for step 4 before its activation'),
      );
      expectObservable(cold<EdgeEvent>('|').pipe(unlockSender(new FakeModel()))).toBe('|');
    });
  });
});
