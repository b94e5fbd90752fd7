import { describe, expect, it } from 'vitest';
import { allFinite, argmaxRows, dot, maxAbs, mean, sum } from '../../src/tensor/reduce.ts';

describe('reductions', () => {
  it('sum, mean, dot', () => {
    const x = Float32Array.from([1, 2, 3, 4]);
    expect(sum(x)).toBe(10);
    expect(mean(x)).toBe(2.5);
    expect(Number.isNaN(mean(new Float32Array(0)))).toBe(true);
    expect(dot(x, Float32Array.from([1, 0, -1, 0.5]))).toBe(0);
    expect(() => dot(x, new Float32Array(3))).toThrow(/dniflow\/tensor: dot/);
  });

  it('sums in float64 so that many small values are not lost', () => {
    const x = new Float32Array(1 << 20).fill(0.1);
    expect(sum(x)).toBeCloseTo((1 << 20) * Math.fround(0.1), 3);
  });

  it('argmaxRows picks the first maximum of each row', () => {
    const out = new Int32Array(3);
    argmaxRows(Float32Array.from([0, 5, 5, -3, -2, -1, 7, 0, 7]), 3, 3, out);
    expect(Array.from(out)).toEqual([1, 2, 0]);
    const bytes = new Uint8Array(1);
    argmaxRows(Float32Array.from([0, 1]), 1, 2, bytes);
    expect(bytes[0]).toBe(1);
  });

  it('allFinite returns the index of the first NaN or Infinity', () => {
    expect(allFinite(Float32Array.from([1, -2, 0]))).toBe(-1);
    expect(allFinite(Float32Array.from([1, Number.POSITIVE_INFINITY, Number.NaN]))).toBe(1);
    expect(allFinite(Float32Array.from([0, 0, Number.NaN]))).toBe(2);
    expect(allFinite(Float32Array.from([Number.NEGATIVE_INFINITY]))).toBe(0);
  });

  it('allFinite finds a single non-finite entry anywhere in a long array (every lane and the tail)', () => {
    const x = new Float32Array(103).map((_, i) => (i % 7) - 3 + 0.5 * i);
    x[50] = -0;
    x[51] = 3.4e38;
    expect(allFinite(x)).toBe(-1);
    for (const bad of [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY]) {
      for (const at of [0, 1, 2, 3, 57, 98, 99, 100, 101, 102]) {
        const y = x.slice();
        y[at] = bad;
        expect(allFinite(y), `${bad} at ${at}`).toBe(at);
      }
    }
  });

  it('maxAbs', () => {
    expect(maxAbs(Float32Array.from([1, -4, 3]))).toBe(4);
    expect(Number.isNaN(maxAbs(Float32Array.from([1, Number.NaN])))).toBe(true);
  });
});
