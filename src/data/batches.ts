import type { Prng } from '../tensor/prng.ts';
import { sizeOf, Tensor } from '../tensor/tensor.ts';
import { checkDataset, type Dataset, type LabelArray } from './dataset.ts';

/**
 * One minibatch. `inputs`, `labels` and `examples` live in the batcher's buffers: the next batch
 * overwrites them.
 */
export interface Batch<L extends LabelArray = Uint8Array> {
  /** Position of the batch within its epoch, from 0. */
  readonly index: number;
  /** Examples in this batch: the batch size, or fewer for the last batch unless `dropLast`. */
  readonly size: number;
  /** [size, ...dataset.shape]. */
  readonly inputs: Tensor;
  readonly labels: L;
  /**
   * The dataset index of each example in the batch, row by row, so that per-example state (the
   * stale-gradient baseline's table, paper §3.1) can find its rows. A view on a reused buffer.
   */
  readonly examples: Uint32Array;
}

export interface BatchOptions {
  /** Skip the final, smaller batch so that every batch has exactly `batchSize` examples. */
  dropLast?: boolean;
}

/**
 * Gathers examples into preallocated buffers (inputs, labels and example indices), in a seeded shuffled order or
 * in dataset order. Buffers are allocated once per batcher and reused for every batch of every
 * epoch; run one epoch of a batcher at a time.
 */
export class Batcher<L extends LabelArray = Uint8Array> {
  readonly dataset: Dataset<L>;
  readonly batchSize: number;
  readonly dropLast: boolean;
  private readonly rowSize: number;
  private readonly order: Uint32Array;
  private readonly fullInputs: Tensor;
  private readonly fullLabels: L;
  private readonly lastInputs: Tensor;
  private readonly lastLabels: L;
  private readonly fullExamples: Uint32Array;
  private readonly lastExamples: Uint32Array;

  constructor(dataset: Dataset<L>, batchSize: number, options: BatchOptions = {}) {
    if (!Number.isInteger(batchSize) || batchSize <= 0) {
      throw new Error(`dniflow/data: batch size must be a positive integer, got ${batchSize}`);
    }
    checkDataset(dataset, 'dataset given to Batcher');
    this.dataset = dataset;
    this.batchSize = batchSize;
    this.dropLast = options.dropLast ?? false;
    this.rowSize = sizeOf(dataset.shape);
    this.order = new Uint32Array(dataset.count);
    this.fullInputs = Tensor.zeros([batchSize, ...dataset.shape]);
    const LabelType = dataset.labels.constructor as new (length: number) => L;
    this.fullLabels = new LabelType(batchSize);
    // The short last batch is a view on the same buffers, built once here rather than per epoch.
    const lastSize = dataset.count % batchSize || batchSize;
    this.lastInputs = this.fullInputs.rows(0, lastSize);
    this.lastLabels = this.fullLabels.subarray(0, lastSize) as L;
    this.fullExamples = new Uint32Array(batchSize);
    this.lastExamples = this.fullExamples.subarray(0, lastSize);
  }

  /** Batches per epoch, counting the short last batch unless `dropLast`. */
  get batchesPerEpoch(): number {
    const { count } = this.dataset;
    return this.dropLast ? Math.floor(count / this.batchSize) : Math.ceil(count / this.batchSize);
  }

  /** One epoch in an order drawn from `prng` (a fresh permutation per call; same seed, same order). */
  *shuffled(prng: Prng): Generator<Batch<L>> {
    const order = this.order;
    for (let i = 0; i < order.length; i++) order[i] = i;
    prng.shuffle(order);
    yield* this.epoch(true);
  }

  /** One epoch in dataset order (for evaluation). */
  *ordered(): Generator<Batch<L>> {
    yield* this.epoch(false);
  }

  private *epoch(permuted: boolean): Generator<Batch<L>> {
    const { images, labels, count } = this.dataset;
    const { batchSize, rowSize, order } = this;
    const batches = this.batchesPerEpoch;
    for (let index = 0; index < batches; index++) {
      const start = index * batchSize;
      const size = Math.min(batchSize, count - start);
      const inputs = size === batchSize ? this.fullInputs : this.lastInputs;
      const batchLabels = size === batchSize ? this.fullLabels : this.lastLabels;
      const examples = size === batchSize ? this.fullExamples : this.lastExamples;
      const out = inputs.data;
      for (let b = 0; b < size; b++) {
        const example = permuted ? order[start + b] : start + b;
        const from = example * rowSize;
        // set(subarray) is a memcpy: ~3.5x faster than an element loop (128 MNIST rows: 0.065 vs
        // 0.23 ms), worth its one short-lived view object per row.
        out.set(images.subarray(from, from + rowSize), b * rowSize);
        batchLabels[b] = labels[example];
        examples[b] = example;
      }
      yield { index, size, inputs, labels: batchLabels, examples };
    }
  }
}

/** One shuffled epoch: shorthand for `new Batcher(dataset, batchSize, options).shuffled(prng)`. */
export function shuffledBatches<L extends LabelArray>(
  dataset: Dataset<L>,
  batchSize: number,
  prng: Prng,
  options: BatchOptions = {},
): Generator<Batch<L>> {
  return new Batcher(dataset, batchSize, options).shuffled(prng);
}

/** One epoch in dataset order: shorthand for `new Batcher(dataset, batchSize, options).ordered()`. */
export function orderedBatches<L extends LabelArray>(
  dataset: Dataset<L>,
  batchSize: number,
  options: BatchOptions = {},
): Generator<Batch<L>> {
  return new Batcher(dataset, batchSize, options).ordered();
}

/** The first `count` examples (from `start`), as zero-copy views: used to keep tests and smoke runs fast. */
export function subset<L extends LabelArray>(dataset: Dataset<L>, count: number, start = 0): Dataset<L> {
  if (!Number.isInteger(count) || count < 0 || !Number.isInteger(start) || start < 0) {
    throw new Error(`dniflow/data: subset needs non-negative integers, got count ${count}, start ${start}`);
  }
  if (start + count > dataset.count) {
    throw new Error(
      `dniflow/data: subset of ${count} examples from ${start} exceeds the dataset's ${dataset.count}`,
    );
  }
  const rowSize = sizeOf(dataset.shape);
  return {
    images: dataset.images.subarray(start * rowSize, (start + count) * rowSize),
    labels: dataset.labels.subarray(start, start + count) as L,
    count,
    shape: dataset.shape,
    classes: dataset.classes,
  };
}
