import { Subject, take } from 'rxjs';
import { describe, expect, it } from 'vitest';
import type { EdgeEvent, GradientKind, RoutedMessage } from '../../src/operators/messages.ts';
import { staleGradient } from '../../src/operators/stale-gradient.ts';
import { StaleGradientTable } from '../../src/operators/stale-gradient-table.ts';
import { Tensor } from '../../src/tensor/tensor.ts';
import { testScheduler, toMetrics, toReceiver, toSender } from './fakes.ts';

// These cases are the bootstrapped target (the sender answered at once); stale-gradient-true.test.ts
// has the true one.
const BOOTSTRAPPED = { target: 'bootstrapped' } as const;

// Two floats per example; a batch's activation has one row per example index.
const ROW = 2;

function forwardOf(step: number, examples: number[], withExamples = true): EdgeEvent {
  const rows = examples.length;
  const activation = Tensor.from(
    Array.from({ length: rows * ROW }, (_, i) => step + i),
    [rows, ROW],
  );
  return {
    type: 'forward',
    message: {
      step,
      tick: step * 10,
      activation,
      ...(withExamples ? { context: { examples: Uint32Array.from(examples) } } : {}),
    },
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
const answer = (step: number, values: number[]): RoutedMessage =>
  toSender({
    step,
    tick: step * 10,
    gradient: Tensor.from(values, [values.length / ROW, ROW]),
    kind: 'synthetic',
  });

describe('staleGradient, bootstrapped target', () => {
  it('answers zero for examples never seen, then for each example the gradient of its own last visit', () => {
    const table = new StaleGradientTable(4, ROW, 0, 'a->b');
    const f1 = forwardOf(1, [0, 1]);
    const f2 = forwardOf(2, [1, 2]);
    const f3 = forwardOf(3, [1, 0]);
    testScheduler().run(({ cold, expectObservable }) => {
      const source = cold('a-----b-----c-----d-----e-----|', {
        a: f1,
        b: backwardOf(1, [1, 2, 3, 4]),
        c: f2,
        d: backwardOf(2, [5, 6, 7, 8], 'bootstrapped'),
        e: f3,
      });
      expectObservable(source.pipe(staleGradient(table, BOOTSTRAPPED))).toBe(
        '(rs)--m-----(RS)--M-----(tu)--|',
        {
          r: receiver(f1),
          s: answer(1, [0, 0, 0, 0]),
          // ‖0 − δ‖² per example = (1 + 4 + 9 + 16) / 2; the cosine with a zero answer is 0 (undefined).
          m: toMetrics({ step: 1, tick: 15, loss: 15, cosine: 0, targetKind: 'true' }),
          R: receiver(f2),
          // Example 1 was seen at step 1 with [3, 4]; example 2 never.
          S: answer(2, [3, 4, 0, 0]),
          M: toMetrics({
            step: 2,
            tick: 25,
            loss: (4 + 4 + 49 + 64) / 2,
            cosine: 39 / (5 * Math.sqrt(174)),
            targetKind: 'bootstrapped',
          }),
          t: receiver(f3),
          // Example 1's own last visit (step 2), not the batch's last gradient row; example 0's from step 1.
          u: answer(3, [5, 6, 1, 2]),
        },
      );
    });
    expect(Array.from(table.row(3))).toEqual([0, 0]);
    expect(table.hasSeen(3)).toBe(false);
  });

  it('with decay β answers the exponential average of the example’s past gradients', () => {
    const table = new StaleGradientTable(1, ROW, 0.5);
    testScheduler().run(({ cold, expectObservable }) => {
      const source = cold('a-----b-----c-----d-----e-----|', {
        a: forwardOf(1, [0]),
        b: backwardOf(1, [2, 4]),
        c: forwardOf(2, [0]),
        d: backwardOf(2, [4, 8]),
        e: forwardOf(3, [0]),
      });
      const routed = source.pipe(staleGradient(table, BOOTSTRAPPED));
      expectObservable(routed).toBe('(rs)--m-----(RS)--M-----(tu)--|', {
        r: receiver(forwardOf(1, [0])),
        s: answer(1, [0, 0]),
        m: toMetrics({ step: 1, tick: 15, loss: 20, cosine: 0, targetKind: 'true' }),
        R: receiver(forwardOf(2, [0])),
        // The first visit is stored as it is (no zero start to correct for).
        S: answer(2, [2, 4]),
        // Parallel: cos = 40 / (√20 · √80), 1 up to rounding of the square roots.
        M: toMetrics({
          step: 2,
          tick: 25,
          loss: 20,
          cosine: 40 / (Math.sqrt(20) * Math.sqrt(80)),
          targetKind: 'true',
        }),
        t: receiver(forwardOf(3, [0])),
        // 0.5 · [2, 4] + 0.5 · [4, 8]
        u: answer(3, [3, 6]),
      });
    });
  });

  it('looks the answer up before routing h_A on, so a gradient that comes back at once is not the answer', () => {
    // As under the lockstep scheduler: the receiver's gradient for step s arrives while h_A is routed.
    const table = new StaleGradientTable(2, ROW, 0);
    const edge = new Subject<EdgeEvent>();
    const routed: RoutedMessage[] = [];
    edge.pipe(staleGradient(table, BOOTSTRAPPED)).subscribe((message) => {
      routed.push(message);
      if (message.to === 'receiver') edge.next(backwardOf(message.message.step, [9, 9, 9, 9]));
    });
    edge.next(forwardOf(1, [0, 1]));
    edge.next(forwardOf(2, [1, 0]));
    const answers = routed.filter((m) => m.to === 'sender').map((m) => Array.from(m.message.gradient.data));
    expect(answers).toEqual([
      [0, 0, 0, 0],
      [9, 9, 9, 9],
    ]);
    expect(routed.map((m) => m.to)).toEqual([
      'receiver',
      'metrics',
      'sender',
      'receiver',
      'metrics',
      'sender',
    ]);
  });

  it('completes with nothing on an empty source', () => {
    const table = new StaleGradientTable(2, ROW, 0);
    testScheduler().run(({ cold, expectObservable }) => {
      expectObservable(cold<EdgeEvent>('|').pipe(staleGradient(table, BOOTSTRAPPED))).toBe('|');
      expectObservable(cold<EdgeEvent>('---|').pipe(staleGradient(table, BOOTSTRAPPED))).toBe('---|');
    });
    expect(table.hasSeen(0)).toBe(false);
  });

  it('passes a source error through and unsubscribes the source', () => {
    const table = new StaleGradientTable(2, ROW, 0);
    const f1 = forwardOf(1, [0]);
    testScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('a---#', { a: f1 }, new Error('upstream broke'));
      expectObservable(source.pipe(staleGradient(table, BOOTSTRAPPED))).toBe(
        '(rs)#',
        { r: receiver(f1), s: answer(1, [0, 0]) },
        new Error('upstream broke'),
      );
      expectSubscriptions(source.subscriptions).toBe('^---!');
    });
  });

  it('on early unsubscribe stops the source, stores nothing, and leaves no pending step behind', () => {
    const table = new StaleGradientTable(2, ROW, 0, 'a->b');
    const f1 = forwardOf(1, [0]);
    testScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('a-----b-|', { a: f1, b: backwardOf(1, [1, 1]) });
      expectObservable(source.pipe(staleGradient(table, BOOTSTRAPPED)), '^---!').toBe('(rs)', {
        r: receiver(f1),
        s: answer(1, [0, 0]),
      });
      expectSubscriptions(source.subscriptions).toBe('^---!');
      // A new subscription does not inherit step 1's pending answer.
      const late = cold('a-|', { a: backwardOf(1, [1, 1]) });
      expectObservable(late.pipe(staleGradient(table, BOOTSTRAPPED))).toBe(
        '#',
        undefined,
        new Error('dniflow/operators: staleGradient on a->b got a gradient for step 1 with no activation'),
      );
    });
    expect(table.hasSeen(0)).toBe(false);
  });

  it('stops at once when the downstream unsubscribes in the middle of routing', () => {
    const table = new StaleGradientTable(2, ROW, 0);
    const f1 = forwardOf(1, [0]);
    testScheduler().run(({ cold, expectObservable }) => {
      const source = cold('a-b-|', { a: f1, b: forwardOf(2, [1]) });
      expectObservable(source.pipe(staleGradient(table, BOOTSTRAPPED), take(1))).toBe('(r|)', {
        r: receiver(f1),
      });
    });
  });

  it('errors, naming the edge and step, on missing or mismatched example indices and unknown steps', () => {
    const table = (): StaleGradientTable => new StaleGradientTable(2, ROW, 0, 'a->b');
    const prefix = 'dniflow/operators: staleGradient on a->b';
    const lastOf = (events: EdgeEvent[]) => {
      const routed: string[] = [];
      testScheduler().run(({ cold, flush }) => {
        const values = Object.fromEntries(events.map((e, i) => [String.fromCharCode(97 + i), e]));
        cold(`${Object.keys(values).join('')}|`, values)
          .pipe(staleGradient(table(), BOOTSTRAPPED))
          .subscribe({ next: (m) => routed.push(m.to), error: (e: Error) => routed.push(e.message) });
        flush();
      });
      return routed.at(-1);
    };
    // Without its example indices an activation waits for its step's context message: nothing yet.
    expect(lastOf([forwardOf(4, [0], false)])).toBeUndefined();
    const mismatched = forwardOf(5, [0, 1]);
    if (mismatched.type === 'forward') mismatched.message.context = { examples: Uint32Array.from([0]) };
    expect(lastOf([mismatched])).toBe(`${prefix} got 1 example indices for 2 activation rows at step 5`);
    expect(lastOf([forwardOf(6, [2])])).toBe(
      `${prefix} got example index 2 at step 6, outside its table of 2 examples`,
    );
    expect(lastOf([backwardOf(7, [1, 1])])).toBe(`${prefix} got a gradient for step 7 with no activation`);
    expect(lastOf([forwardOf(8, [0]), forwardOf(8, [1])])).toBe(
      `${prefix} got a second activation for step 8 while its answer is pending`,
    );
    expect(lastOf([forwardOf(9, [0]), backwardOf(9, [1, 1, 1, 1])])).toBe(
      `${prefix} got a gradient of shape [2, 2] for an activation of shape [1, 2] at step 9`,
    );
  });

  it('with forgetAfter drops a step never answered, and a late gradient for it, without storing it', () => {
    const table = new StaleGradientTable(3, ROW, 0);
    const f1 = forwardOf(1, [0]);
    const f3 = forwardOf(3, [1]);
    testScheduler().run(({ cold, expectObservable }) => {
      const source = cold('a-----b-----c-|', { a: f1, b: f3, c: backwardOf(1, [7, 7]) });
      expectObservable(source.pipe(staleGradient(table, { forgetAfter: 2, ...BOOTSTRAPPED }))).toBe(
        '(rs)--(RS)----|',
        {
          r: receiver(f1),
          s: answer(1, [0, 0]),
          R: receiver(f3),
          S: answer(3, [0, 0]),
        },
      );
    });
    expect(table.hasSeen(0)).toBe(false);
    expect(() => staleGradient(table, { forgetAfter: 0 })).toThrow(
      'dniflow/operators: staleGradient forgetAfter must be a positive integer, got 0',
    );
  });
});

describe('StaleGradientTable', () => {
  it('stores the first visit as it is, then row ← β·row + (1 − β)·δ, in float32, per example', () => {
    const decay = 0.9;
    const table = new StaleGradientTable(3, 2, decay);
    const visits = [
      [1.5, -2],
      [0.25, 3],
      [-1, 0.125],
    ];
    let expected = new Float32Array(visits[0]);
    table.store(Uint32Array.from([2]), new Float32Array(visits[0]), 0);
    for (const visit of visits.slice(1)) {
      table.store(Uint32Array.from([2]), new Float32Array(visit), 0);
      expected = expected.map((row, k) => Math.fround(decay * row + (1 - decay) * visit[k]));
    }
    expect(Array.from(table.row(2))).toEqual(Array.from(expected));
    const out = new Float32Array(4);
    table.lookup(Uint32Array.from([2, 0]), out, 0);
    expect(Array.from(out)).toEqual([...expected, 0, 0]);
    expect([table.hasSeen(0), table.hasSeen(2)]).toEqual([false, true]);
  });

  it('rejects a decay outside [0, 1), a bad size, and values that do not match the indices', () => {
    expect(() => new StaleGradientTable(2, 2, 1, 'x->y')).toThrow(
      'dniflow/operators: staleGradient table on x->y needs decay in [0, 1), got 1',
    );
    expect(() => new StaleGradientTable(2, 2, -0.1)).toThrow(/decay in \[0, 1\), got -0.1/);
    expect(() => new StaleGradientTable(2, 2, Number.NaN)).toThrow(/got NaN/);
    expect(() => new StaleGradientTable(0, 2, 0)).toThrow(/positive example count, got 0/);
    expect(() =>
      new StaleGradientTable(2, 2, 0, 'x->y').store(Uint32Array.from([0]), new Float32Array(3), 4),
    ).toThrow('dniflow/operators: staleGradient on x->y got 3 values for 1 examples of 2 at step 4');
  });
});
