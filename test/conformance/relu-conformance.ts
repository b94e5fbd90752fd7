/**
 * Conformance cases for Backend.relu / reluBackward: the values the ReLU layer documents (exactly
 * max(x, 0) for finite x and +∞, NaN for NaN and −∞; the gradient passes where y > 0 and is +0
 * elsewhere), on lengths that exercise vectorised tails, on views, and in place.
 */
import { describe, expect, it } from 'vitest';
import type { Backend } from '../../src/tensor/backend.ts';
import { Prng } from '../../src/tensor/prng.ts';

const SPECIAL = [
  0,
  -0,
  1e-45,
  -1e-45,
  3.4e38,
  -3.4e38,
  Number.POSITIVE_INFINITY,
  Number.NEGATIVE_INFINITY,
  Number.NaN,
];

function expectedRelu(x: number): number {
  if (x === Number.NEGATIVE_INFINITY || Number.isNaN(x)) return Number.NaN;
  return Math.max(x, 0);
}

function values(length: number, seed: number): Float32Array {
  const x = new Prng(seed, 'relu-conformance').fillUniform(new Float32Array(length), -2, 2);
  for (let i = 0; i < Math.min(length, SPECIAL.length); i++) x[(i * 7) % length] = SPECIAL[i];
  return x;
}

function expectSame(got: Float32Array, want: (i: number) => number, what: string): void {
  for (let i = 0; i < got.length; i++) {
    if (!Object.is(got[i], Math.fround(want(i))))
      expect.fail(`${what}[${i}] = ${got[i]}, expected ${want(i)}`);
  }
}

export function describeReluConformance(getBackend: () => Backend): void {
  describe('relu / reluBackward', () => {
    for (const length of [1, 5, 9, 16, 31, 1000]) {
      it(`length ${length}: max(x, 0), NaN for NaN and −∞; gradient where y > 0, +0 elsewhere`, () => {
        const x = values(length, length);
        const store = new Float32Array(length + 4).fill(7);
        const y = store.subarray(2, 2 + length);
        getBackend().relu(x, y);
        expectSame(y, (i) => expectedRelu(x[i]), 'relu');
        expect([store[0], store[1], store[length + 2], store[length + 3]]).toEqual([7, 7, 7, 7]);

        const gy = values(length, length + 100);
        const gx = new Float32Array(length).fill(Number.NaN);
        getBackend().reluBackward(y, gy, gx);
        // Where y ≤ 0 (or NaN) a finite gradient becomes +0; a non-finite one gives NaN (g · 0).
        expectSame(gx, (i) => (y[i] > 0 ? gy[i] : Number.isFinite(gy[i]) ? 0 : Number.NaN), 'reluBackward');
      });
    }

    it('works in place (output = input, gradInput = gradOutput)', () => {
      const x = values(37, 1);
      const copy = x.slice();
      getBackend().relu(x, x);
      expectSame(x, (i) => expectedRelu(copy[i]), 'relu in place');
      const g = values(37, 2);
      const gCopy = g.slice();
      getBackend().reluBackward(x, g, g);
      expectSame(
        g,
        (i) => (x[i] > 0 ? gCopy[i] : Number.isFinite(gCopy[i]) ? 0 : Number.NaN),
        'reluBackward in place',
      );
    });
  });
}
