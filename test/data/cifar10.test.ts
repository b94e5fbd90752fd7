import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CIFAR10_MEAN, CIFAR10_STD, loadCifar10 } from '../../src/data/cifar10.ts';
import { tempDir } from './helpers.ts';

const temp = tempDir('cifar');
afterAll(() => temp.remove());

const RECORD = 3073;

/** `labels.length` records; record r has label labels[r] and pixel k = (first + r + k) % 256. */
function records(labels: number[], first: number): Uint8Array {
  const bytes = new Uint8Array(labels.length * RECORD);
  labels.forEach((label, r) => {
    bytes[r * RECORD] = label;
    for (let k = 0; k < 3072; k++) bytes[r * RECORD + 1 + k] = (first + r + k) % 256;
  });
  return bytes;
}

function makeDir(name: string, files: Record<string, Uint8Array>): string {
  const dir = temp.path(name);
  mkdirSync(dir, { recursive: true });
  for (const [file, bytes] of Object.entries(files)) writeFileSync(join(dir, file), bytes);
  return dir;
}

function fullSet(): Record<string, Uint8Array> {
  return {
    'data_batch_1.bin': records([0, 1], 10),
    'data_batch_2.bin': records([2], 20),
    'data_batch_3.bin': records([3, 4, 5], 30),
    'data_batch_4.bin': records([6], 40),
    'data_batch_5.bin': records([7, 8], 50),
    'test_batch.bin': records([9, 0], 60),
  };
}

describe('loadCifar10', () => {
  it('reads the five training batches in order and the test batch as [3, 32, 32] in [0, 1]', () => {
    const dir = makeDir('good', fullSet());
    const { train, test } = loadCifar10({ dir });
    expect(train.count).toBe(9);
    expect(test.count).toBe(2);
    expect(train.shape).toEqual([3, 32, 32]);
    expect(train.classes).toBe(10);
    expect(Array.from(train.labels)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8]);
    expect(Array.from(test.labels)).toEqual([9, 0]);
    expect(train.images.length).toBe(9 * 3072);
    // example 3 is the first record of data_batch_3 (first = 30); its green channel starts at k = 1024
    expect(train.images[3 * 3072]).toBeCloseTo(30 / 255, 7);
    expect(train.images[3 * 3072 + 1024]).toBeCloseTo(((30 + 1024) % 256) / 255, 7);
    expect(test.images[3072 + 5]).toBeCloseTo(66 / 255, 7);
    expect(train.images.every((v) => v >= 0 && v <= 1)).toBe(true);
  });

  it('standardises per channel on request', () => {
    const dir = makeDir('standard', fullSet());
    const { test } = loadCifar10({ dir, standardize: true });
    for (const channel of [0, 1, 2]) {
      const k = channel * 1024;
      expect(test.images[k]).toBeCloseTo(
        (((60 + k) % 256) / 255 - CIFAR10_MEAN[channel]) / CIFAR10_STD[channel],
        6,
      );
    }
  });

  it('accepts the parent of cifar-10-batches-bin/', () => {
    const parent = temp.path('parent');
    makeDir(join('parent', 'cifar-10-batches-bin'), fullSet());
    expect(loadCifar10({ dir: parent }).train.count).toBe(9);
  });

  it('rejects a file whose length is not a multiple of the record, naming it', () => {
    const files = fullSet();
    files['data_batch_4.bin'] = records([6], 40).subarray(0, RECORD - 1);
    const dir = makeDir('bad-length', files);
    expect(() => loadCifar10({ dir })).toThrow(
      `dniflow/data: ${join(dir, 'data_batch_4.bin')} is not a CIFAR-10 binary batch: its length 3072 is not ` +
        'a positive multiple of the 3073-byte record',
    );
  });

  it('rejects an empty file and a label above 9', () => {
    const empty = makeDir('empty', { ...fullSet(), 'test_batch.bin': new Uint8Array(0) });
    expect(() => loadCifar10({ dir: empty })).toThrow(`${join(empty, 'test_batch.bin')} is not a CIFAR-10`);
    const badLabel = makeDir('bad-label', { ...fullSet(), 'data_batch_2.bin': records([1, 12], 0) });
    expect(() => loadCifar10({ dir: badLabel })).toThrow(
      `${join(badLabel, 'data_batch_2.bin')}: label 12 at index 1 is outside 0..9`,
    );
  });

  it('names a missing directory and a missing file', () => {
    const nowhere = temp.path('nowhere');
    expect(() => loadCifar10({ dir: nowhere })).toThrow(
      `dniflow/data: CIFAR-10 directory not found: ${nowhere}`,
    );
    const files = fullSet();
    delete files['data_batch_5.bin'];
    const dir = makeDir('missing-file', files);
    expect(() => loadCifar10({ dir })).toThrow(
      `dniflow/data: CIFAR-10 file not found: ${join(dir, 'data_batch_5.bin')}`,
    );
  });

  it('rejects a call without a directory', () => {
    expect(() => loadCifar10({ dir: '' })).toThrow('loadCifar10 needs { dir }');
  });
});
