import { describe, it } from 'vitest';
import type { EdgeEvent } from '../../src/operators/messages.ts';
import { stopGradient } from '../../src/operators/stop-gradient.ts';
import { backward, forward, forwardMessage, input, testScheduler, toReceiver } from './fakes.ts';

describe('stopGradient', () => {
  it('routes forwards to the receiver and drops every gradient', () => {
    testScheduler().run(({ cold, expectObservable }) => {
      const source = cold('a-b-c-d-e-|', {
        a: forward(1),
        b: backward(1, 'true'),
        c: forward(2),
        d: backward(2, 'synthetic'),
        e: input(3),
      });
      expectObservable(source.pipe(stopGradient())).toBe('a---c-----|', {
        a: toReceiver(forwardMessage(1)),
        c: toReceiver(forwardMessage(2)),
      });
    });
  });

  it('completes with nothing on an empty source', () => {
    testScheduler().run(({ cold, expectObservable }) => {
      expectObservable(cold<EdgeEvent>('|').pipe(stopGradient())).toBe('|');
    });
  });

  it('passes a source error through', () => {
    testScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('a-b-#', { a: forward(1), b: backward(1) }, new Error('upstream broke'));
      expectObservable(source.pipe(stopGradient())).toBe(
        'a---#',
        { a: toReceiver(forwardMessage(1)) },
        new Error('upstream broke'),
      );
      expectSubscriptions(source.subscriptions).toBe('^---!');
    });
  });

  it('unsubscribes the source on early unsubscribe', () => {
    testScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('a-b-c-|', { a: forward(1), b: forward(2), c: forward(3) });
      expectObservable(source.pipe(stopGradient()), '^--!').toBe('a-b', {
        a: toReceiver(forwardMessage(1)),
        b: toReceiver(forwardMessage(2)),
      });
      expectSubscriptions(source.subscriptions).toBe('^--!');
    });
  });
});
