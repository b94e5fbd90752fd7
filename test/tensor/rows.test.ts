import { describe, expect, it } from 'vitest';
import {
  addRowVector,
  axpy,
  columnSums,
  multiplyInto,
  rowSums,
  scale,
  sumRows,
} from '../../src/tensor/rows.ts';

describe('row helpers', () => {
  it('adds a bias to every row', () => {
    const m = Float32Array.from([1, 2, 3, 4, 5, 6]);
    addRowVector(m, 2, 3, Float32Array.from([10, 20, 30]));
    expect(Array.from(m)).toEqual([11, 22, 33, 14, 25, 36]);
  });

  it('rejects a bias of the wrong length, naming the module', () => {
    expect(() => addRowVector(new Float32Array(6), 2, 3, new Float32Array(2))).toThrow(
      /dniflow\/tensor: addRowVector/,
    );
  });

  it('accumulates column sums (bias gradients)', () => {
    const m = Float32Array.from([1, 2, 3, 4, 5, 6]);
    const out = Float32Array.from([100, 0, 0]);
    sumRows(m, 2, 3, out);
    expect(Array.from(out)).toEqual([105, 7, 9]);
    columnSums(m, 2, 3, out);
    expect(Array.from(out)).toEqual([110, 14, 18]);
  });

  it('accumulates row sums', () => {
    const out = new Float32Array(2);
    rowSums(Float32Array.from([1, 2, 3, 4, 5, 6]), 2, 3, out);
    expect(Array.from(out)).toEqual([6, 15]);
  });

  it('axpy, scale and multiplyInto', () => {
    const y = Float32Array.from([1, 1, 1]);
    axpy(2, Float32Array.from([1, 2, 3]), y);
    expect(Array.from(y)).toEqual([3, 5, 7]);
    scale(y, 0.5);
    expect(Array.from(y)).toEqual([1.5, 2.5, 3.5]);
    const out = new Float32Array(3);
    multiplyInto(y, Float32Array.from([2, 0, -1]), out);
    expect(Array.from(out)).toEqual([3, 0, -3.5]);
    expect(() => axpy(1, new Float32Array(4), new Float32Array(3))).toThrow(/dniflow\/tensor: axpy/);
  });
});
