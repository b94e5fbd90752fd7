import { BatchNorm, type BatchNormOptions } from './batch-norm.ts';

/** Batch norm over features: inputs [batch, features] or [batch, channels, length] (as PyTorch). */
export class BatchNorm1d extends BatchNorm {
  protected readonly kind = 'BatchNorm1d';
  protected readonly expected: string;

  constructor(name: string, features: number, options: BatchNormOptions = {}) {
    super(name, features, options);
    this.expected = `per-sample shape [${features}] or [${features}, length]`;
  }

  protected acceptsRank(rank: number): boolean {
    return rank === 1 || rank === 2;
  }
}
