import { describe, expect, it } from 'vitest';
import { Batcher, orderedBatches, shuffledBatches, subset } from '../../src/data/batches.ts';
import type { Dataset } from '../../src/data/dataset.ts';
import { Prng } from '../../src/tensor/prng.ts';

/** Example i has every value equal to i and label i % 256, so a batch row names its example. */
function numbered(count: number, shape: number[] = [2, 3]): Dataset {
  const rowSize = shape.reduce((a, b) => a * b, 1);
  const images = new Float32Array(count * rowSize);
  for (let i = 0; i < count; i++) images.fill(i, i * rowSize, (i + 1) * rowSize);
  const labels = Uint8Array.from({ length: count }, (_, i) => i % 256);
  return { images, labels, count, shape, classes: 256 };
}

function exampleIds(
  batches: Iterable<{
    size: number;
    inputs: { data: Float32Array };
    labels: Uint8Array;
    examples: Uint32Array;
  }>,
): number[][] {
  const ids: number[][] = [];
  for (const batch of batches) {
    const rowSize = batch.inputs.data.length / batch.size;
    const row: number[] = [];
    for (let b = 0; b < batch.size; b++) {
      const id = batch.inputs.data[b * rowSize];
      // the whole row and the label belong to the same example
      expect(batch.inputs.data.subarray(b * rowSize, (b + 1) * rowSize).every((v) => v === id)).toBe(true);
      expect(batch.labels[b]).toBe(id % 256);
      // ...and so does its example index (per-example state looks rows up by it)
      expect(batch.examples[b]).toBe(id);
      row.push(id);
    }
    ids.push(row);
  }
  return ids;
}

describe('Batcher', () => {
  const data = numbered(103);

  it('gives the same order for the same seed and a different order for another seed', () => {
    const a = exampleIds(shuffledBatches(data, 10, new Prng(7)));
    const b = exampleIds(shuffledBatches(data, 10, new Prng(7)));
    const c = exampleIds(shuffledBatches(data, 10, new Prng(8)));
    expect(a).toEqual(b);
    expect(a).not.toEqual(c);
    expect(a.flat()).not.toEqual(Array.from({ length: 103 }, (_, i) => i));
  });

  it('draws a new order each epoch from the same stream', () => {
    const batcher = new Batcher(data, 10);
    const prng = new Prng(1);
    const first = exampleIds(batcher.shuffled(prng));
    const second = exampleIds(batcher.shuffled(prng));
    expect(first).not.toEqual(second);
  });

  it('visits every example exactly once per epoch, with a short last batch', () => {
    const batches = [...shuffledBatches(data, 10, new Prng(3))].map((batch) => ({ ...batch }));
    expect(batches.map((b) => b.size)).toEqual([10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 3]);
    expect(batches.map((b) => b.index)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(batches[10].inputs.shape).toEqual([3, 2, 3]);
    expect(batches[10].labels.length).toBe(3);
    const ids = exampleIds(shuffledBatches(data, 10, new Prng(3))).flat();
    expect([...ids].sort((x, y) => x - y)).toEqual(Array.from({ length: 103 }, (_, i) => i));
  });

  it('drops the short last batch with dropLast', () => {
    const batcher = new Batcher(data, 10, { dropLast: true });
    expect(batcher.batchesPerEpoch).toBe(10);
    const ids = exampleIds(batcher.shuffled(new Prng(3)));
    expect(ids.length).toBe(10);
    expect(ids.every((row) => row.length === 10)).toBe(true);
    expect(new Set(ids.flat()).size).toBe(100);
    expect(new Batcher(numbered(5), 10, { dropLast: true }).batchesPerEpoch).toBe(0);
    expect(exampleIds(orderedBatches(numbered(5), 10))).toEqual([[0, 1, 2, 3, 4]]);
  });

  it('reuses the same buffers (inputs, labels, example indices) for every batch of every epoch', () => {
    const batcher = new Batcher(data, 10);
    const inputBuffers = new Set<ArrayBufferLike>();
    const labelBuffers = new Set<ArrayBufferLike>();
    const exampleBuffers = new Set<ArrayBufferLike>();
    const fullTensors = new Set<unknown>();
    for (let epoch = 0; epoch < 3; epoch++) {
      for (const batch of epoch === 2 ? batcher.ordered() : batcher.shuffled(new Prng(epoch))) {
        inputBuffers.add(batch.inputs.data.buffer);
        labelBuffers.add(batch.labels.buffer);
        exampleBuffers.add(batch.examples.buffer);
        expect(batch.examples.length).toBe(batch.size);
        if (batch.size === 10) fullTensors.add(batch.inputs);
        expect(batch.inputs.data.byteOffset).toBe(0);
      }
    }
    expect(inputBuffers.size).toBe(1);
    expect(labelBuffers.size).toBe(1);
    expect(exampleBuffers.size).toBe(1);
    expect(fullTensors.size).toBe(1);
  });

  it('iterates in dataset order without shuffling', () => {
    const ids = exampleIds(orderedBatches(data, 25));
    expect(ids.flat()).toEqual(Array.from({ length: 103 }, (_, i) => i));
    expect(ids.map((row) => row.length)).toEqual([25, 25, 25, 25, 3]);
  });

  it('keeps the label array type of the dataset', () => {
    const wide: Dataset<Int32Array> = { ...numbered(4), labels: Int32Array.from([1000, -1, 2, 3]) };
    const [batch] = [...orderedBatches(wide, 4)];
    expect(batch.labels).toBeInstanceOf(Int32Array);
    expect(Array.from(batch.labels)).toEqual([1000, -1, 2, 3]);
  });

  it('rejects a bad batch size and an inconsistent dataset', () => {
    expect(() => new Batcher(data, 0)).toThrow('dniflow/data: batch size must be a positive integer, got 0');
    const broken = { ...numbered(4), count: 5 };
    expect(() => new Batcher(broken, 2)).toThrow('has 24 image values, expected 5 × 6');
  });
});

describe('subset', () => {
  it('takes a zero-copy slice of examples', () => {
    const data = numbered(10);
    const part = subset(data, 3, 4);
    expect(part.count).toBe(3);
    expect(Array.from(part.labels)).toEqual([4, 5, 6]);
    expect(part.images[0]).toBe(4);
    expect(part.images.length).toBe(18);
    expect(part.images.buffer).toBe(data.images.buffer);
    expect(subset(data, 2).labels[1]).toBe(1);
  });

  it('rejects a slice past the end', () => {
    expect(() => subset(numbered(10), 8, 4)).toThrow(
      "dniflow/data: subset of 8 examples from 4 exceeds the dataset's 10",
    );
  });
});
