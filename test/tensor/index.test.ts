import { describe, expect, it } from 'vitest';
import * as tensor from '../../src/tensor/index.ts';

describe('tensor entry point', () => {
  it('exports the public names', () => {
    for (const name of [
      'Tensor',
      'sizeOf',
      'sameShape',
      'convGeometry',
      'backend',
      'setBackend',
      'tsBackend',
      'gemm',
      'Prng',
      'reluForward',
      'softmaxRows',
      'addRowVector',
      'sumRows',
      'argmaxRows',
      'allFinite',
    ]) {
      expect(tensor, name).toHaveProperty(name);
    }
    expect(tensor.backend()).toBe(tensor.tsBackend);
  });
});
