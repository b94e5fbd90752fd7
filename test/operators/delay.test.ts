import { describe, expect, it } from 'vitest';
import { delaySteps } from '../../src/operators/delay.ts';
import type { BackwardMessage } from '../../src/operators/messages.ts';
import { backwardMessage, testScheduler } from './fakes.ts';

const values = {
  a: backwardMessage(1),
  b: backwardMessage(2),
  c: backwardMessage(3),
  d: backwardMessage(4),
  e: backwardMessage(5),
};

describe('delaySteps', () => {
  it('delaySteps(2) releases each message two messages later, steps unchanged; the last two are dropped', () => {
    testScheduler().run(({ cold, expectObservable }) => {
      expectObservable(cold('a-b-c-d-e-|', values).pipe(delaySteps<BackwardMessage>(2))).toBe(
        '----a-b-c-|',
        values,
      );
    });
  });

  it("is driven by arrivals, not time: gaps don't release anything", () => {
    testScheduler().run(({ cold, expectObservable }) => {
      expectObservable(cold('ab------c--d|', values).pipe(delaySteps<BackwardMessage>(2))).toBe(
        '--------a--b|',
        values,
      );
    });
  });

  it("with onComplete 'flush' releases the last k in order just before completing", () => {
    testScheduler().run(({ cold, expectObservable }) => {
      expectObservable(
        cold('a-b-c-|', values).pipe(delaySteps<BackwardMessage>(2, { onComplete: 'flush' })),
      ).toBe('----a-(bc|)', values);
    });
  });

  it('passes everything straight through at k = 0 and rejects a bad k', () => {
    testScheduler().run(({ cold, expectObservable }) => {
      expectObservable(cold('a-b-|', values).pipe(delaySteps<BackwardMessage>(0))).toBe('a-b-|', values);
    });
    expect(() => delaySteps(-1)).toThrow(
      'dniflow/operators: delaySteps needs a non-negative integer k, got -1',
    );
    expect(() => delaySteps(1.5)).toThrow(/got 1.5/);
  });

  it('completes with nothing on an empty source', () => {
    testScheduler().run(({ cold, expectObservable }) => {
      expectObservable(cold<BackwardMessage>('|').pipe(delaySteps(2))).toBe('|');
      expectObservable(cold<BackwardMessage>('|').pipe(delaySteps(2, { onComplete: 'flush' }))).toBe('|');
    });
  });

  it('passes a source error through, discarding what it holds', () => {
    testScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('a-b-c-#', values, new Error('upstream broke'));
      expectObservable(source.pipe(delaySteps<BackwardMessage>(2, { onComplete: 'flush' }))).toBe(
        '----a-#',
        values,
        new Error('upstream broke'),
      );
      expectSubscriptions(source.subscriptions).toBe('^-----!');
    });
  });

  it('unsubscribes the source on early unsubscribe', () => {
    testScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('a-b-c-d-e-|', values);
      expectObservable(source.pipe(delaySteps<BackwardMessage>(1)), '^----!').toBe('--a-b', values);
      expectSubscriptions(source.subscriptions).toBe('^----!');
    });
  });
});
