import { lastValueFrom, range, toArray } from 'rxjs';
import { map } from 'rxjs/operators';
import { describe, expect, it } from 'vitest';
import type { BackwardMessage } from '../../src/operators/messages.ts';
import { sparse } from '../../src/operators/sparse.ts';
import { Prng } from '../../src/tensor/prng.ts';
import { backwardMessage, testScheduler } from './fakes.ts';

async function passedSteps(count: number, pUpdate: number, prng: Prng): Promise<number[]> {
  const passed = await lastValueFrom(
    range(1, count).pipe(
      map((step) => backwardMessage(step)),
      sparse(pUpdate, prng),
      toArray(),
    ),
  );
  return passed.map((message) => message.step);
}

describe('sparse', () => {
  it('passes a subset fixed by the seed: one draw per message, kept when below pUpdate', () => {
    const values: Record<string, BackwardMessage> = {};
    const letters = 'abcdefghij';
    for (let i = 0; i < letters.length; i++) values[letters[i]] = backwardMessage(i + 1);
    const replay = new Prng(42).stream('sparse');
    const expected = [...letters].map((letter) => (replay.uniform() < 0.5 ? letter : '-')).join('');
    // Both outcomes occur with this seed, so the test can tell "all" and "none" apart from sparse.
    expect(expected).toMatch(/[a-j]/);
    expect(expected).toMatch(/-/);
    testScheduler().run(({ cold, expectObservable }) => {
      expectObservable(cold(`${letters}|`, values).pipe(sparse(0.5, new Prng(42).stream('sparse')))).toBe(
        `${expected}|`,
        values,
      );
    });
  });

  it('is deterministic under a seed, differs across seeds, and passes roughly pUpdate of many', async () => {
    const first = await passedSteps(10_000, 0.3, new Prng(7).stream('sparse'));
    const again = await passedSteps(10_000, 0.3, new Prng(7).stream('sparse'));
    const other = await passedSteps(10_000, 0.3, new Prng(8).stream('sparse'));
    expect(again).toEqual(first);
    expect(other).not.toEqual(first);
    // Binomial(10000, 0.3): σ ≈ 46; allow 5σ.
    expect(Math.abs(first.length - 3000)).toBeLessThan(230);
  });

  it('passes everything at pUpdate 1 and nothing at 0, and rejects p outside [0, 1]', async () => {
    expect(await passedSteps(50, 1, new Prng(1))).toHaveLength(50);
    expect(await passedSteps(50, 0, new Prng(1))).toHaveLength(0);
    expect(() => sparse(1.5, new Prng(1))).toThrow(
      'dniflow/operators: sparse pUpdate must be in [0, 1], got 1.5',
    );
    expect(() => sparse(Number.NaN, new Prng(1))).toThrow(/got NaN/);
  });

  it('completes with nothing on an empty source', () => {
    testScheduler().run(({ cold, expectObservable }) => {
      expectObservable(cold<BackwardMessage>('|').pipe(sparse(0.5, new Prng(1)))).toBe('|');
    });
  });

  it('passes a source error through', () => {
    testScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold<BackwardMessage>('a-#', { a: backwardMessage(1) }, new Error('upstream broke'));
      expectObservable(source.pipe(sparse(1, new Prng(1)))).toBe(
        'a-#',
        { a: backwardMessage(1) },
        new Error('upstream broke'),
      );
      expectSubscriptions(source.subscriptions).toBe('^-!');
    });
  });

  it('unsubscribes the source on early unsubscribe', () => {
    testScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('a-b-c-|', { a: backwardMessage(1), b: backwardMessage(2), c: backwardMessage(3) });
      expectObservable(source.pipe(sparse(1, new Prng(1))), '^--!').toBe('a-b', {
        a: backwardMessage(1),
        b: backwardMessage(2),
      });
      expectSubscriptions(source.subscriptions).toBe('^--!');
    });
  });
});
