import { lastValueFrom, of, toArray } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { exponentialAverage } from '../../src/operators/exponential-average.ts';
import type { BackwardMessage } from '../../src/operators/messages.ts';
import { Tensor } from '../../src/tensor/tensor.ts';
import { backwardMessage, testScheduler } from './fakes.ts';

const gradient = (step: number, values: number[], kind: BackwardMessage['kind'] = 'true'): BackwardMessage =>
  backwardMessage(step, kind, values);

describe('exponentialAverage', () => {
  it('emits the running EMA, starting from the first gradient, keeping step, tick and kind', () => {
    testScheduler().run(({ cold, expectObservable }) => {
      const source = cold('a-b-c-|', {
        a: gradient(1, [2, -4]),
        b: gradient(2, [4, 0], 'synthetic'),
        c: gradient(3, [0, 8]),
      });
      expectObservable(source.pipe(exponentialAverage(0.5))).toBe('a-b-c-|', {
        a: gradient(1, [2, -4]),
        b: gradient(2, [3, -2], 'synthetic'),
        c: gradient(3, [1.5, 3]),
      });
    });
  });

  it('at decay 0 passes the gradients through (as fresh tensors)', async () => {
    const inputs = [gradient(1, [1, 2]), gradient(2, [3, 4])];
    const outputs = await lastValueFrom(of(...inputs).pipe(exponentialAverage(0), toArray()));
    expect(outputs.map((message) => [...message.gradient.data])).toEqual([
      [1, 2],
      [3, 4],
    ]);
    expect(outputs[0].gradient).not.toBe(inputs[0].gradient);
  });

  it('gives every message its own tensor and leaves the incoming ones untouched', async () => {
    const inputs = [gradient(1, [2, 2]), gradient(2, [4, 4]), gradient(3, [8, 8])];
    const outputs = await lastValueFrom(of(...inputs).pipe(exponentialAverage(0.5), toArray()));
    expect(outputs.map((message) => [...message.gradient.data])).toEqual([
      [2, 2],
      [3, 3],
      [5.5, 5.5],
    ]);
    expect(inputs.map((message) => [...message.gradient.data])).toEqual([
      [2, 2],
      [4, 4],
      [8, 8],
    ]);
    expect(new Set(outputs.map((message) => message.gradient.data.buffer)).size).toBe(3);
  });

  it('restarts the average when the gradient shape changes (a smaller last batch)', async () => {
    const smaller: BackwardMessage = { step: 3, tick: 35, gradient: Tensor.from([10], [1, 1]), kind: 'true' };
    const outputs = await lastValueFrom(
      of(gradient(1, [2, 2]), gradient(2, [4, 4]), smaller, gradient(4, [0, 0])).pipe(
        exponentialAverage(0.5),
        toArray(),
      ),
    );
    expect(outputs.map((message) => [...message.gradient.data])).toEqual([[2, 2], [3, 3], [10], [0, 0]]);
    expect(outputs[2].gradient.shape).toEqual([1, 1]);
  });

  it('rejects a decay outside [0, 1)', () => {
    expect(() => exponentialAverage(1)).toThrow(
      'dniflow/operators: exponentialAverage decay must be in [0, 1), got 1',
    );
    expect(() => exponentialAverage(-0.1)).toThrow(/got -0.1/);
  });

  it('completes with nothing on an empty source', () => {
    testScheduler().run(({ cold, expectObservable }) => {
      expectObservable(cold<BackwardMessage>('|').pipe(exponentialAverage(0.9))).toBe('|');
    });
  });

  it('passes a source error through', () => {
    testScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('a-#', { a: gradient(1, [1, 1]) }, new Error('upstream broke'));
      expectObservable(source.pipe(exponentialAverage(0.9))).toBe(
        'a-#',
        { a: gradient(1, [1, 1]) },
        new Error('upstream broke'),
      );
      expectSubscriptions(source.subscriptions).toBe('^-!');
    });
  });

  it('unsubscribes the source on early unsubscribe', () => {
    testScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('a-b-c-|', {
        a: gradient(1, [2, 2]),
        b: gradient(2, [4, 4]),
        c: gradient(3, [6, 6]),
      });
      expectObservable(source.pipe(exponentialAverage(0.5)), '^--!').toBe('a-b', {
        a: gradient(1, [2, 2]),
        b: gradient(2, [3, 3]),
      });
      expectSubscriptions(source.subscriptions).toBe('^--!');
    });
  });
});
