import { describe, expect, it } from 'vitest';
import { logSoftmaxRows, softmaxRows } from '../../src/tensor/softmax.ts';

describe('softmax', () => {
  it('normalises each row and matches the textbook formula', () => {
    const x = Float32Array.from([1, 2, 3, -1, 0, 1]);
    const out = new Float32Array(6);
    softmaxRows(x, 2, 3, out);
    const z = Math.exp(1) + Math.exp(2) + Math.exp(3);
    expect(out[0]).toBeCloseTo(Math.exp(1) / z, 6);
    expect(out[2]).toBeCloseTo(Math.exp(3) / z, 6);
    // Softmax is shift-invariant: row 2 is row 1 shifted by −2.
    for (let c = 0; c < 3; c++) expect(out[3 + c]).toBeCloseTo(out[c], 6);
  });

  it('is stable for huge logits', () => {
    const x = Float32Array.from([1000, 1001, -1e30, 0]);
    const out = new Float32Array(4);
    softmaxRows(x, 2, 2, out);
    expect(out[0]).toBeCloseTo(1 / (1 + Math.E), 6);
    expect(out[1]).toBeCloseTo(Math.E / (1 + Math.E), 6);
    expect(Array.from(out.subarray(2))).toEqual([0, 1]);
  });

  it('log-softmax equals log of softmax and stays finite where softmax underflows', () => {
    const x = Float32Array.from([0.5, -2, 3, 200, -200, 0]);
    const soft = new Float32Array(6);
    const logSoft = new Float32Array(6);
    softmaxRows(x, 2, 3, soft);
    logSoftmaxRows(x, 2, 3, logSoft);
    for (let c = 0; c < 3; c++) expect(logSoft[c]).toBeCloseTo(Math.log(soft[c]), 5);
    expect(logSoft[3]).toBeCloseTo(0, 6);
    expect(logSoft[4]).toBeCloseTo(-400, 3);
    expect(Number.isFinite(logSoft[4])).toBe(true);
  });

  it('works in place', () => {
    const x = Float32Array.from([0, 0]);
    softmaxRows(x, 1, 2, x);
    expect(Array.from(x)).toEqual([0.5, 0.5]);
  });
});
