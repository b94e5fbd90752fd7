import { describe, expect, it } from 'vitest';
import { backprop } from '../../src/operators/backprop.ts';
import type { EdgeEvent } from '../../src/operators/messages.ts';
import {
  backward,
  backwardMessage,
  forward,
  forwardMessage,
  input,
  testScheduler,
  toReceiver,
  toSender,
} from './fakes.ts';

describe('backprop', () => {
  it('routes forwards to the receiver and backwards to the sender, in arrival order', () => {
    testScheduler().run(({ cold, expectObservable }) => {
      const source = cold('a-b-c-d-|', { a: forward(1), b: forward(2), c: backward(2), d: backward(1) });
      expectObservable(source.pipe(backprop())).toBe('a-b-c-d-|', {
        a: toReceiver(forwardMessage(1)),
        b: toReceiver(forwardMessage(2)),
        c: toSender(backwardMessage(2)),
        d: toSender(backwardMessage(1)),
      });
    });
  });

  it('passes the gradient unchanged, whatever its kind', () => {
    testScheduler().run(({ cold, expectObservable }) => {
      const source = cold('a-b-|', { a: backward(1, 'synthetic'), b: backward(2, 'bootstrapped') });
      expectObservable(source.pipe(backprop())).toBe('a-b-|', {
        a: toSender(backwardMessage(1, 'synthetic')),
        b: toSender(backwardMessage(2, 'bootstrapped')),
      });
    });
  });

  it('passes the very message objects on (no copy on a locked edge)', () => {
    const event = forward(1);
    const routed: unknown[] = [];
    testScheduler().run(({ cold }) => {
      cold('a|', { a: event })
        .pipe(backprop())
        .subscribe((value) => routed.push(value));
    });
    expect(routed).toHaveLength(1);
    expect((routed[0] as { message: unknown }).message).toBe(event.message);
  });

  it('ignores input events', () => {
    testScheduler().run(({ cold, expectObservable }) => {
      expectObservable(cold('a-b|', { a: input(1), b: forward(1) }).pipe(backprop())).toBe('--b|', {
        b: toReceiver(forwardMessage(1)),
      });
    });
  });

  it('completes with nothing on an empty source', () => {
    testScheduler().run(({ cold, expectObservable }) => {
      expectObservable(cold<EdgeEvent>('|').pipe(backprop())).toBe('|');
      expectObservable(cold<EdgeEvent>('--|').pipe(backprop())).toBe('--|');
    });
  });

  it('passes a source error through', () => {
    testScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('a-#', { a: forward(1) }, new Error('upstream broke'));
      expectObservable(source.pipe(backprop())).toBe(
        'a-#',
        { a: toReceiver(forwardMessage(1)) },
        new Error('upstream broke'),
      );
      expectSubscriptions(source.subscriptions).toBe('^-!');
    });
  });

  it('unsubscribes the source on early unsubscribe', () => {
    testScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('a-b-c-|', { a: forward(1), b: backward(1), c: forward(2) });
      expectObservable(source.pipe(backprop()), '^--!').toBe('a-b', {
        a: toReceiver(forwardMessage(1)),
        b: toSender(backwardMessage(1)),
      });
      expectSubscriptions(source.subscriptions).toBe('^--!');
    });
  });

  it('errors on an unknown event type, naming it', () => {
    const strange = { type: 'sideways', message: {} } as unknown as EdgeEvent;
    testScheduler().run(({ cold, expectObservable }) => {
      expectObservable(cold('a-|', { a: strange }).pipe(backprop())).toBe(
        '#',
        undefined,
        new Error("dniflow/operators: unknown edge event type 'sideways'"),
      );
    });
  });
});
