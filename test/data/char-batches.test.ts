import { describe, expect, it } from 'vitest';
import { CharBatcher, type CharWindow } from '../../src/data/char-batches.ts';
import { corpusFromText } from '../../src/data/text.ts';

/** ids 0, 1, 2, ... (mod 256): a character's id is its position, so windows name their offsets. */
function counting(length: number): Uint8Array {
  return Uint8Array.from({ length }, (_, i) => i % 256);
}

/** Lane b of a window as a plain array of [input, target] ids. */
function lane(window: CharWindow, b: number, batch: number): number[][] {
  return Array.from({ length: window.ticks }, (_, t) => [
    window.inputs[t * batch + b],
    window.targets[t * batch + b],
  ]);
}

function drain(batcher: CharBatcher) {
  const windows: { index: number; ticks: number; inputs: number[]; targets: number[] }[] = [];
  for (let w = batcher.next(); w !== null; w = batcher.next()) {
    windows.push({
      index: w.index,
      ticks: w.ticks,
      inputs: Array.from(w.inputs),
      targets: Array.from(w.targets),
    });
  }
  return windows;
}

describe('CharBatcher', () => {
  it('starts lane b at b·floor(length / B) and gives the next character as target', () => {
    // 103 characters in 4 lanes of 25 (the last 3 unused), windows of 5
    const batcher = new CharBatcher(counting(103), 4, 5);
    expect(batcher.laneLength).toBe(25);
    const w = batcher.next()!;
    expect(w.index).toBe(0);
    expect(w.ticks).toBe(5);
    expect(w.inputs.length).toBe(20);
    expect(lane(w, 0, 4)).toEqual([
      [0, 1],
      [1, 2],
      [2, 3],
      [3, 4],
      [4, 5],
    ]);
    expect(lane(w, 3, 4).map(([input]) => input)).toEqual([75, 76, 77, 78, 79]);
    // time-major: the first B entries are tick 0 of every lane
    expect(Array.from(w.inputs.subarray(0, 4))).toEqual([0, 25, 50, 75]);
    for (let i = 0; i < w.inputs.length; i++) expect(w.targets[i]).toBe(w.inputs[i] + 1);
  });

  it('continues every lane across windows and ends the epoch with a short window', () => {
    const batcher = new CharBatcher(counting(103), 4, 5);
    expect(batcher.windowsPerEpoch).toBe(5); // 24 predictions per lane: 5+5+5+5+4
    const windows = drain(batcher);
    expect(windows.map((w) => w.ticks)).toEqual([5, 5, 5, 5, 4]);
    expect(windows.map((w) => w.index)).toEqual([0, 1, 2, 3, 4]);
    for (let b = 0; b < 4; b++) {
      const inputs = windows.flatMap((w) => w.inputs.filter((_, i) => i % 4 === b));
      const targets = windows.flatMap((w) => w.targets.filter((_, i) => i % 4 === b));
      // lane b reads its own segment without a gap or overlap, predicting only inside it
      expect(inputs).toEqual(Array.from({ length: 24 }, (_, t) => b * 25 + t));
      expect(targets).toEqual(Array.from({ length: 24 }, (_, t) => b * 25 + t + 1));
    }
    expect(batcher.charsSeen).toBe(4 * 24);
    expect(batcher.next()).toBeNull();
    expect(batcher.next()).toBeNull();
  });

  it('drops the short last window with dropLast', () => {
    const batcher = new CharBatcher(counting(103), 4, 5, { dropLast: true });
    expect(batcher.windowsPerEpoch).toBe(4);
    expect(drain(batcher).map((w) => w.ticks)).toEqual([5, 5, 5, 5]);
    expect(batcher.charsSeen).toBe(80);
  });

  it('restarts the lanes on reset, counting characters across epochs, and is deterministic', () => {
    const text = 'the whale, the whale! ';
    const corpus = corpusFromText(text.repeat(20), 'test', { split: [1, 0, 0] });
    const batcher = new CharBatcher(corpus.train, 3, 7);
    const first = drain(batcher);
    batcher.reset();
    expect(batcher.position).toBe(0);
    const second = drain(batcher);
    expect(second).toEqual(first);
    expect(drain(new CharBatcher(corpus.train, 3, 7))).toEqual(first);
    expect(batcher.charsSeen).toBe(2 * 3 * (Math.floor(440 / 3) - 1));
    const decoded = corpus.vocabulary.decode(first[0].inputs.filter((_, i) => i % 3 === 0));
    expect(decoded).toBe(text.slice(0, 7));
  });

  it('reuses its buffers for every window', () => {
    const batcher = new CharBatcher(counting(50), 2, 4);
    const buffers = new Set<ArrayBufferLike>();
    for (let w = batcher.next(); w !== null; w = batcher.next())
      buffers.add(w.inputs.buffer).add(w.targets.buffer);
    expect(buffers.size).toBe(2);
  });

  it('accepts the smallest text: one window of T per lane', () => {
    const batcher = new CharBatcher(counting(6), 2, 2);
    expect(drain(batcher)).toEqual([{ index: 0, ticks: 2, inputs: [0, 3, 1, 4], targets: [1, 4, 2, 5] }]);
  });

  it('rejects bad sizes and a text too short for B lanes of T + 1 characters', () => {
    const ids = counting(100);
    expect(() => new CharBatcher(ids, 0, 5)).toThrow(
      'dniflow/data: character batch size must be a positive integer, got 0',
    );
    expect(() => new CharBatcher(ids, 2.5, 5)).toThrow('got 2.5');
    expect(() => new CharBatcher(ids, 4, 0)).toThrow(
      'dniflow/data: character window must be a positive integer number of ticks, got 0',
    );
    expect(() => new CharBatcher(ids, 10, 10)).toThrow(
      'dniflow/data: 100 characters in 10 lanes give lanes of 10; a window of 10 ticks needs at least 11 per lane (110 characters in all)',
    );
    expect(() => new CharBatcher(counting(5), 6, 1)).toThrow('give lanes of 0');
    expect(() => new CharBatcher(ids, 10, 9)).not.toThrow();
  });

  it('seek(state()) continues the lanes where they were, counting characters on', () => {
    const ids = counting(100);
    const a = new CharBatcher(ids, 3, 4);
    for (let i = 0; i < 3; i++) a.next();
    const b = new CharBatcher(ids, 3, 4);
    b.seek(a.state());
    const [x, y] = [a.next()!, b.next()!];
    expect(y.index).toBe(x.index);
    expect(lane(y, 1, 3)).toEqual(lane(x, 1, 3));
    expect(b.charsSeen).toBe(a.charsSeen);
    expect(() => b.seek({ offset: 99, windowIndex: 0, seen: 0 })).toThrow('have no position 99');
  });
});
