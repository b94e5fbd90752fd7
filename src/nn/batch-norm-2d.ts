import { BatchNorm, type BatchNormOptions } from './batch-norm.ts';

/** Batch norm over conv feature maps [batch, channels, height, width]: statistics per channel. */
export class BatchNorm2d extends BatchNorm {
  protected readonly kind = 'BatchNorm2d';
  protected readonly expected: string;

  constructor(name: string, channels: number, options: BatchNormOptions = {}) {
    super(name, channels, options);
    this.expected = `per-sample shape [${channels}, height, width]`;
  }

  protected acceptsRank(rank: number): boolean {
    return rank === 3;
  }
}
