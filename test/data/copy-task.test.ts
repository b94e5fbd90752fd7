import { describe, expect, it } from 'vitest';
import {
  COPY_INPUT_CHANNELS,
  COPY_TARGET_CHANNELS,
  type CopyTaskOptions,
  CopyTaskStream,
  type CopyWindow,
  copyEpisodeTicks,
  copyTaskLength,
  harderCopyLevel,
} from '../../src/data/copy-task.ts';
import { Prng } from '../../src/tensor/prng.ts';

/** Lane b's tick t of a window as plain arrays. */
function tick(window: CopyWindow, t: number, b: number) {
  const B = window.mask.shape[1];
  const row = t * B + b;
  return {
    input: Array.from(
      window.inputs.data.subarray(row * COPY_INPUT_CHANNELS, (row + 1) * COPY_INPUT_CHANNELS),
    ),
    target: Array.from(
      window.targets.data.subarray(row * COPY_TARGET_CHANNELS, (row + 1) * COPY_TARGET_CHANNELS),
    ),
    mask: window.mask.data[row],
  };
}

/** A copy of the window's data (the stream reuses its buffers). */
function snapshot(window: CopyWindow) {
  return {
    inputs: Array.from(window.inputs.data),
    targets: Array.from(window.targets.data),
    mask: Array.from(window.mask.data),
  };
}

function stream(options: Partial<CopyTaskOptions> = {}, seed = 1): CopyTaskStream {
  return new CopyTaskStream(new Prng(seed), { kind: 'copy', batch: 1, ...options });
}

const zeros8 = [0, 0, 0, 0, 0, 0, 0, 0];

describe('CopyTaskStream encoding', () => {
  it('lays out one Copy episode (N = 2): start, pattern, copy with R/10 = 0.1, end marker', () => {
    const task = stream({ n: 2 });
    expect(copyEpisodeTicks({ n: 2, r: 1 })).toBe(6);
    const w = task.next(6);
    expect(w.inputs.shape).toEqual([6, 1, 10]);
    expect(w.targets.shape).toEqual([6, 1, 9]);
    expect(w.mask.shape).toEqual([6, 1]);
    const p0 = tick(w, 1, 0).input.slice(0, 8);
    const p1 = tick(w, 2, 0).input.slice(0, 8);
    expect([...p0, ...p1].every((bit) => bit === 0 || bit === 1)).toBe(true);
    const rows = [0, 1, 2, 3, 4, 5].map((t) => tick(w, t, 0));
    expect(rows).toEqual([
      { input: [...zeros8, 1, 0], target: [...zeros8, 0], mask: 0 },
      { input: [...p0, 0, 0], target: [...zeros8, 0], mask: 0 },
      { input: [...p1, 0, 0], target: [...zeros8, 0], mask: 0 },
      { input: [...zeros8, 0, Math.fround(0.1)], target: [...p0, 0], mask: 1 },
      { input: [...zeros8, 0, 0], target: [...p1, 0], mask: 1 },
      { input: [...zeros8, 0, 0], target: [...zeros8, 1], mask: 1 },
    ]);
    expect(task.episodesCompleted).toBe(1);
    // the next episode starts right away with a new start flag
    expect(tick(task.next(1), 0, 0).input.slice(8)).toEqual([1, 0]);
  });

  it('lays out one Repeat Copy episode (N = 2, R = 3): the pattern three times, then the end', () => {
    const task = stream({ kind: 'repeatCopy', n: 2, r: 3 });
    const w = task.next(copyEpisodeTicks({ n: 2, r: 3 }));
    expect(w.ticks).toBe(10);
    const p0 = tick(w, 1, 0).input.slice(0, 8);
    const p1 = tick(w, 2, 0).input.slice(0, 8);
    const targets = [3, 4, 5, 6, 7, 8, 9].map((t) => tick(w, t, 0).target);
    expect(targets).toEqual([
      [...p0, 0],
      [...p1, 0],
      [...p0, 0],
      [...p1, 0],
      [...p0, 0],
      [...p1, 0],
      [...zeros8, 1],
    ]);
    const repeatChannel = [...Array(10).keys()].map((t) => tick(w, t, 0).input[9]);
    expect(repeatChannel).toEqual([0, 0, 0, Math.fround(0.3), 0, 0, 0, 0, 0, 0]);
    expect(Array.from(w.mask.data)).toEqual([0, 0, 0, 1, 1, 1, 1, 1, 1, 1]);
    expect(w.episodesEnded).toBe(1);
  });

  it('draws fair-looking bits', () => {
    const w = stream({ n: 64, batch: 8 }).next(65);
    let ones = 0;
    for (let t = 1; t <= 64; t++)
      for (let b = 0; b < 8; b++)
        ones += tick(w, t, b)
          .input.slice(0, 8)
          .reduce((a, c) => a + c);
    expect(ones / (64 * 8 * 8)).toBeGreaterThan(0.45);
    expect(ones / (64 * 8 * 8)).toBeLessThan(0.55);
  });
});

describe('CopyTaskStream determinism and continuity', () => {
  it('gives the same stream for the same seed, another for another seed', () => {
    const a = snapshot(stream({ batch: 4, n: 5 }, 7).next(40));
    const b = snapshot(stream({ batch: 4, n: 5 }, 7).next(40));
    const c = snapshot(stream({ batch: 4, n: 5 }, 8).next(40));
    expect(a).toEqual(b);
    expect(a).not.toEqual(c);
  });

  it('keeps lanes independent: lane 0 is the same whatever the batch size', () => {
    const one = stream({ kind: 'repeatCopy', n: 3, r: 2, batch: 1 }).next(30);
    const lane0 = [...Array(30).keys()].map((t) => tick(one, t, 0));
    const four = stream({ kind: 'repeatCopy', n: 3, r: 2, batch: 4 }).next(30);
    expect([...Array(30).keys()].map((t) => tick(four, t, 0))).toEqual(lane0);
    expect([...Array(30).keys()].map((t) => tick(four, t, 1))).not.toEqual(lane0);
  });

  it('staggers the lanes: each idles a seeded number of ticks < 64, then runs its own episodes unchanged', () => {
    const ticks = 120;
    const plain = stream({ kind: 'repeatCopy', n: 2, r: 1, batch: 8 }).next(ticks);
    const lanes = (window: CopyWindow, b: number) => [...Array(ticks).keys()].map((t) => tick(window, t, b));
    const staggered = stream({ kind: 'repeatCopy', n: 2, r: 1, batch: 8, stagger: true }).next(ticks);
    const again = stream({ kind: 'repeatCopy', n: 2, r: 1, batch: 8, stagger: true }).next(ticks);
    const idle = { input: Array(COPY_INPUT_CHANNELS).fill(0), target: Array(9).fill(0), mask: 0 };
    const offsets = [...Array(8).keys()].map((b) => {
      const lane = lanes(staggered, b);
      const offset = lane.findIndex((row) => row.input[8] === 1);
      expect(offset).toBeGreaterThanOrEqual(0);
      expect(offset).toBeLessThan(64);
      expect(lane.slice(0, offset)).toEqual(Array(offset).fill(idle));
      // After its idle ticks a lane is the unstaggered lane, delayed: same patterns, same episodes.
      expect(lane.slice(offset)).toEqual(lanes(plain, b).slice(0, ticks - offset));
      expect(lanes(again, b)).toEqual(lane);
      return offset;
    });
    // (2, 1) episodes last 6 ticks: in step, every lane would start on the same phase of T = 3.
    expect(new Set(offsets.map((offset) => offset % 3)).size).toBeGreaterThan(1);
  });

  it('continues episodes across window boundaries exactly', () => {
    // N = 3, R = 2: episodes of 11 ticks, cut by windows of 4, 3, 9 and 1 ticks
    const whole = snapshot(stream({ kind: 'repeatCopy', n: 3, r: 2, batch: 3 }).next(17));
    const split = stream({ kind: 'repeatCopy', n: 3, r: 2, batch: 3 });
    const parts = [4, 3, 9, 1].map((T) => snapshot(split.next(T)));
    expect({
      inputs: parts.flatMap((p) => p.inputs),
      targets: parts.flatMap((p) => p.targets),
      mask: parts.flatMap((p) => p.mask),
    }).toEqual(whole);
    expect(split.ticks).toBe(17);
    expect(split.episodesCompleted).toBe(3);
  });

  it('reuses its buffers, growing only for a longer window', () => {
    const task = stream({ batch: 2 });
    const first = task.next(8).inputs.data.buffer;
    expect(task.next(5).inputs.data.buffer).toBe(first);
    expect(task.next(8).inputs.data.buffer).toBe(first);
    expect(task.next(9).inputs.data.buffer).not.toBe(first);
  });
});

describe('CopyTaskStream curriculum', () => {
  it('Copy: N+1 below 0.15 bits per tick, applied to episodes that start afterwards', () => {
    const task = stream({ batch: 2, n: 2 });
    expect(task.taskLength).toBe(5);
    expect(task.solvedLength).toBe(0);
    task.next(3); // both lanes are mid-episode (6 ticks at N = 2)
    expect(task.reportError(0.2)).toBe(false);
    expect(task.n).toBe(2);
    expect(task.reportError(0.1)).toBe(true);
    expect([task.n, task.r, task.stepsTaken, task.solvedLength, task.taskLength]).toEqual([3, 1, 1, 5, 6]);
    // the running episodes finish at N = 2 (3 more ticks), then N = 3 episodes (8 ticks) begin
    const w = task.next(3 + 8);
    expect(w.episodesEnded).toBe(4);
    expect(task.episodesAtLevel).toBe(2);
    expect(tick(w, 3, 0).input.slice(8)).toEqual([1, 0]);
    expect(Array.from(w.mask.data.filter((_, i) => i % 2 === 0))).toEqual([1, 1, 1, 0, 0, 0, 0, 1, 1, 1, 1]);
  });

  it('Repeat Copy: R+1 while R < N, else N+1', () => {
    const task = stream({ kind: 'repeatCopy' });
    const levels: number[][] = [];
    for (let i = 0; i < 6; i++) {
      task.reportError(0);
      levels.push([task.n, task.r]);
    }
    expect(levels).toEqual([
      [2, 1],
      [2, 2],
      [3, 2],
      [3, 3],
      [4, 3],
      [4, 4],
    ]);
    // the level just solved was (4, 3): 4·3 + 3
    expect(task.solvedLength).toBe(15);
  });

  it('reaches the paper lengths and stops at the ceiling', () => {
    expect(copyTaskLength('repeatCopy', { n: 8, r: 7 })).toBe(59);
    expect(copyTaskLength('copy', { n: 16, r: 1 })).toBe(19);
    expect(harderCopyLevel('repeatCopy', { n: 30, r: 20 })).toEqual({ n: 31, r: 20 });
    expect(harderCopyLevel('repeatCopy', { n: 64, r: 20 })).toBeNull();
    const task = stream({ n: 64 });
    expect(task.reportError(0.01)).toBe(false);
    expect(task.n).toBe(64);
    expect(task.solvedLength).toBe(67);
  });
});

describe('CopyTaskStream validation', () => {
  const prng = new Prng(0);
  it.each([
    [{ kind: 'copy', batch: 1, n: 0 }, 'dniflow/data: copy task N must be an integer in 1..64, got 0'],
    [{ kind: 'copy', batch: 1, n: 65 }, 'N must be an integer in 1..64, got 65'],
    [{ kind: 'copy', batch: 1, n: 2.5 }, 'N must be an integer in 1..64, got 2.5'],
    [
      { kind: 'repeatCopy', batch: 1, r: 21 },
      'dniflow/data: copy task R must be an integer in 1..20, got 21',
    ],
    [{ kind: 'repeatCopy', batch: 1, r: 0 }, 'R must be an integer in 1..20, got 0'],
    [{ kind: 'copy', batch: 1, r: 2 }, 'dniflow/data: the Copy task has R = 1, got R = 2'],
    [{ kind: 'copy', batch: 0 }, 'dniflow/data: copy task batch must be a positive integer, got 0'],
    [{ kind: 'copy', batch: 1.5 }, 'batch must be a positive integer, got 1.5'],
    [{ kind: 'copy', batch: 1, threshold: 0 }, 'dniflow/data: copy task threshold must be a positive number'],
    [{ kind: 'copyy', batch: 1 }, "dniflow/data: copy task kind must be 'copy' or 'repeatCopy', got copyy"],
  ])('rejects %o', (options, message) => {
    expect(() => new CopyTaskStream(prng, options as CopyTaskOptions)).toThrow(message);
  });

  it('rejects a bad window length and a bad error report', () => {
    const task = stream();
    expect(() => task.next(0)).toThrow(
      'dniflow/data: copy task window must be a positive integer number of ticks, got 0',
    );
    expect(() => task.next(2.5)).toThrow('got 2.5');
    expect(() => task.reportError(Number.NaN)).toThrow(
      'dniflow/data: copy task error must be a non-negative number of bits, got NaN',
    );
    expect(() => task.reportError(-1)).toThrow('got -1');
    expect(task.reportError(Number.POSITIVE_INFINITY)).toBe(false);
  });

  it('a state() loaded into a fresh stream continues it exactly: episodes mid-way, stagger, PRNG, level', () => {
    const options: CopyTaskOptions = { kind: 'repeatCopy', batch: 3, n: 2, r: 2, stagger: true };
    const a = new CopyTaskStream(new Prng(7), options);
    for (let i = 0; i < 5; i++) a.next(3);
    a.reportError(0);
    a.next(2);
    // Another seed: everything the next windows depend on must come from the state.
    const b = new CopyTaskStream(new Prng(8), options);
    b.loadState(a.state());
    for (let i = 0; i < 30; i++) {
      const [x, y] = [a.next(3), b.next(3)];
      expect(y.inputs.data).toEqual(x.inputs.data);
      expect(y.targets.data).toEqual(x.targets.data);
      expect(y.mask.data).toEqual(x.mask.data);
      expect(y.episodesEnded).toBe(x.episodesEnded);
    }
    expect(b.state().counters).toEqual(a.state().counters);
    expect(() => new CopyTaskStream(new Prng(7), { ...options, batch: 2 }).loadState(a.state())).toThrow(
      "copy task state 'laneN' must have 2 values",
    );
  });
});
