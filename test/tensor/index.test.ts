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
    // Which backend is active depends on whether the native addon is built (see backend-registry.ts).
    expect(['ts', 'native']).toContain(tensor.backend().name);
    expect(tensor.tsBackend.name).toBe('ts');
  });
});
