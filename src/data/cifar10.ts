import { join, resolve } from 'node:path';
import { checkLabels, type Dataset } from './dataset.ts';
import { fileExists, readBytes, requireDirectory } from './files.ts';

/**
 * CIFAR-10 in its binary distribution (cifar-10-binary.tar.gz, unpacked by the user): each record is
 * one label byte followed by 3072 pixel bytes, the 1024 red, then green, then blue values of a 32×32
 * image in row-major order. That is already the [3, 32, 32] channel-first layout we store.
 */
export const CIFAR10_CLASSES = [
  'airplane',
  'automobile',
  'bird',
  'cat',
  'deer',
  'dog',
  'frog',
  'horse',
  'ship',
  'truck',
] as const;

/** Per-channel training-set mean and standard deviation on the [0, 1] scale (R, G, B). */
export const CIFAR10_MEAN = [0.4914, 0.4822, 0.4465] as const;
export const CIFAR10_STD = [0.247, 0.2435, 0.2616] as const;

const PIXELS = 3 * 32 * 32;
const RECORD = 1 + PIXELS;
const TRAIN_FILES = [
  'data_batch_1.bin',
  'data_batch_2.bin',
  'data_batch_3.bin',
  'data_batch_4.bin',
  'data_batch_5.bin',
];
const TEST_FILE = 'test_batch.bin';

export interface Cifar10Options {
  /** The directory holding data_batch_1..5.bin and test_batch.bin (or its parent with cifar-10-batches-bin/). */
  dir: string;
  /** Subtract CIFAR10_MEAN and divide by CIFAR10_STD per channel after scaling to [0, 1]. Default false. */
  standardize?: boolean;
}

export interface Cifar10 {
  readonly train: Dataset;
  readonly test: Dataset;
}

/** Loads CIFAR-10 from the binary files in a user-supplied directory. */
export function loadCifar10(options: Cifar10Options): Cifar10 {
  if (typeof options?.dir !== 'string' || options.dir === '') {
    throw new Error('dniflow/data: loadCifar10 needs { dir }, the directory of the CIFAR-10 binary files');
  }
  let dir = resolve(options.dir);
  requireDirectory(dir, 'CIFAR-10 directory');
  // The archive unpacks to cifar-10-batches-bin/; accept its parent too.
  const nested = join(dir, 'cifar-10-batches-bin');
  if (!fileExists(join(dir, TEST_FILE)) && fileExists(join(nested, TEST_FILE))) dir = nested;
  const standardize = options.standardize ?? false;
  return {
    train: readCifar10Files(
      TRAIN_FILES.map((name) => join(dir, name)),
      standardize,
    ),
    test: readCifar10Files([join(dir, TEST_FILE)], standardize),
  };
}

/** Reads and concatenates CIFAR-10 binary batch files (any number of records each) into one dataset. */
export function readCifar10Files(paths: readonly string[], standardize = false): Dataset {
  const files = paths.map((path) => {
    const bytes = readBytes(path, 'CIFAR-10 file');
    if (bytes.length === 0 || bytes.length % RECORD !== 0) {
      throw new Error(
        `dniflow/data: ${path} is not a CIFAR-10 binary batch: its length ${bytes.length} is not a ` +
          `positive multiple of the ${RECORD}-byte record (1 label + ${PIXELS} pixels)`,
      );
    }
    return { path, bytes };
  });
  const count = files.reduce((total, file) => total + file.bytes.length / RECORD, 0);
  const images = new Float32Array(count * PIXELS);
  const labels = new Uint8Array(count);
  const tables = channelTables(standardize);
  let example = 0;
  for (const { path, bytes } of files) {
    const records = bytes.length / RECORD;
    const fileLabels = new Uint8Array(records);
    for (let r = 0; r < records; r++, example++) {
      const from = r * RECORD;
      fileLabels[r] = bytes[from];
      const to = example * PIXELS;
      for (let k = 0; k < PIXELS; k++) images[to + k] = tables[k >> 10][bytes[from + 1 + k]];
    }
    checkLabels(fileLabels, 10, path);
    labels.set(fileLabels, example - records);
  }
  return { images, labels, count, shape: [3, 32, 32], classes: 10 };
}

/** One 256-entry lookup table per channel (k >> 10 is the channel of pixel k). */
function channelTables(standardize: boolean): Float32Array[] {
  return [0, 1, 2].map((channel) => {
    const table = new Float32Array(256);
    for (let p = 0; p < 256; p++) {
      table[p] = standardize ? (p / 255 - CIFAR10_MEAN[channel]) / CIFAR10_STD[channel] : p / 255;
    }
    return table;
  });
}
