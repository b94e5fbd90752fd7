import { Subject } from 'rxjs';
import { describe, expect, it } from 'vitest';
import type { EdgeEvent, GradientKind, RoutedMessage } from '../../src/operators/messages.ts';
import { staleGradient } from '../../src/operators/stale-gradient.ts';
import { StaleGradientTable } from '../../src/operators/stale-gradient-table.ts';
import { Tensor } from '../../src/tensor/tensor.ts';
import { testScheduler, toMetrics, toReceiver, toSender } from './fakes.ts';

// The true target (the default): the sender waits for the receiver's gradient δ, which passes on as
// it is, with the table's stale answer beside it as the sender's parameter update.

const ROW = 2;

function forwardOf(step: number, examples: number[]): EdgeEvent {
  const activation = Tensor.from(
    Array.from({ length: examples.length * ROW }, (_, i) => step + i),
    [examples.length, ROW],
  );
  return {
    type: 'forward',
    message: { step, tick: step * 10, activation, context: { examples: Uint32Array.from(examples) } },
  };
}

function backwardOf(step: number, values: number[], kind: GradientKind = 'true'): EdgeEvent {
  return {
    type: 'backward',
    message: { step, tick: step * 10 + 5, gradient: Tensor.from(values, [values.length / ROW, ROW]), kind },
  };
}

const receiver = (event: EdgeEvent): RoutedMessage => {
  if (event.type !== 'forward') throw new Error('not a forward');
  return toReceiver(event.message);
};

/** What the sender gets once δ is in: δ itself (same tick, same kind) and the stale answer as `update`. */
const trueAndStale = (event: EdgeEvent, stale: number[]): RoutedMessage => {
  if (event.type !== 'backward') throw new Error('not a backward');
  const { step, tick, gradient, kind } = event.message;
  return toSender({ step, tick, gradient, kind, update: Tensor.from(stale, [stale.length / ROW, ROW]) });
};

describe('staleGradient, true target (paper §3.1: gradients w.r.t. the model one epoch ago)', () => {
  it('answers nothing at once; when δ comes back, sends δ on with the example’s stale gradient as update', () => {
    const table = new StaleGradientTable(4, ROW, 0, 'a->b');
    const f1 = forwardOf(1, [0, 1]);
    const b1 = backwardOf(1, [1, 2, 3, 4]);
    const f2 = forwardOf(2, [1, 2]);
    const b2 = backwardOf(2, [5, 6, 7, 8], 'bootstrapped');
    testScheduler().run(({ cold, expectObservable }) => {
      const source = cold('a-----b-----c-----d---|', { a: f1, b: b1, c: f2, d: b2 });
      expectObservable(source.pipe(staleGradient(table))).toBe('r-----(ms)--R-----(MS)|', {
        r: receiver(f1),
        m: toMetrics({ step: 1, tick: 15, loss: 15, cosine: 0, targetKind: 'true' }),
        // Never seen: the update is zero (no stale gradient yet), whatever δ is.
        s: trueAndStale(b1, [0, 0, 0, 0]),
        R: receiver(f2),
        M: toMetrics({
          step: 2,
          tick: 25,
          loss: (4 + 4 + 49 + 64) / 2,
          cosine: 39 / (5 * Math.sqrt(174)),
          targetKind: 'bootstrapped',
        }),
        // Example 1's gradient of step 1 ([3, 4]), example 2 never seen; δ's kind passes on unchanged.
        S: trueAndStale(b2, [3, 4, 0, 0]),
      });
    });
    expect(Array.from(table.row(1))).toEqual([5, 6]);
    expect(Array.from(table.row(2))).toEqual([7, 8]);
  });

  it('with decay β updates with the exponential average of the example’s past true gradients', () => {
    const table = new StaleGradientTable(1, ROW, 0.5);
    const events = [1, 2, 3].flatMap((step) => [forwardOf(step, [0]), backwardOf(step, [4 * step, -step])]);
    const updates: number[][] = [];
    testScheduler().run(({ cold, flush }) => {
      const values = Object.fromEntries(events.map((e, i) => [String.fromCharCode(97 + i), e]));
      cold(`${Object.keys(values).join('')}|`, values)
        .pipe(staleGradient(table))
        .subscribe((m) => {
          if (m.to === 'sender') updates.push(Array.from(m.message.update!.data));
        });
      flush();
    });
    // Visit 1: nothing stored. Visit 2: the first gradient as it is. Visit 3: 0.5·[4, −1] + 0.5·[8, −2].
    expect(updates).toEqual([
      [0, 0],
      [4, -1],
      [6, -1.5],
    ]);
  });

  it('looks the answer up before routing h_A on, so δ coming back at once is stored, not used', () => {
    const table = new StaleGradientTable(1, ROW, 0);
    const gradients = new Map<number, number[]>([
      [1, [1, 1]],
      [2, [2, 2]],
    ]);
    const edge = new Subject<EdgeEvent>();
    const sent: { gradient: number[]; update: number[] }[] = [];
    edge.pipe(staleGradient(table)).subscribe((routed: RoutedMessage) => {
      // Lockstep: the receiver's gradient comes back while h_A is still being routed.
      if (routed.to === 'receiver')
        edge.next(backwardOf(routed.message.step, gradients.get(routed.message.step)!));
      if (routed.to === 'sender') {
        sent.push({
          gradient: Array.from(routed.message.gradient.data),
          update: Array.from(routed.message.update!.data),
        });
      }
    });
    edge.next(forwardOf(1, [0]));
    edge.next(forwardOf(2, [0]));
    expect(sent).toEqual([
      { gradient: [1, 1], update: [0, 0] },
      { gradient: [2, 2], update: [1, 1] },
    ]);
  });

  it('completes on an empty source; on early unsubscribe stores nothing and forgets the pending step', () => {
    const table = new StaleGradientTable(2, ROW, 0, 'a->b');
    const f1 = forwardOf(1, [0]);
    testScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      expectObservable(cold<EdgeEvent>('--|').pipe(staleGradient(table))).toBe('--|');
      const source = cold('a-----b-|', { a: f1, b: backwardOf(1, [1, 1]) });
      expectObservable(source.pipe(staleGradient(table)), '^---!').toBe('r', { r: receiver(f1) });
      expectSubscriptions(source.subscriptions).toBe('^---!');
    });
    expect(table.hasSeen(0)).toBe(false);
  });

  it('passes a source error through', () => {
    const table = new StaleGradientTable(2, ROW, 0);
    const f1 = forwardOf(1, [0]);
    testScheduler().run(({ cold, expectObservable }) => {
      const source = cold('a---#', { a: f1 }, new Error('upstream broke'));
      expectObservable(source.pipe(staleGradient(table))).toBe(
        'r---#',
        { r: receiver(f1) },
        new Error('upstream broke'),
      );
    });
  });

  it('rejects an unknown target, naming the edge', () => {
    const table = new StaleGradientTable(2, ROW, 0, 'a->b');
    expect(() => staleGradient(table, { target: 'fresh' as 'true' })).toThrow(
      "dniflow/operators: staleGradient on a->b target must be 'true' or 'bootstrapped', got 'fresh'",
    );
  });
});
