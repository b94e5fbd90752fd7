import { describe, expect, it } from 'vitest';
import {
  reluBackward,
  reluForward,
  sigmoidBackward,
  sigmoidForward,
  tanhBackward,
  tanhForward,
} from '../../src/tensor/activations.ts';

const inputs = Float32Array.from([-3, -0.5, 0, 0.25, 2, 50, -50]);

/** Central finite difference of f at x, in float64. */
function numericDerivative(f: (v: number) => number, x: number): number {
  const h = 1e-4;
  return (f(x + h) - f(x - h)) / (2 * h);
}

describe('relu', () => {
  it('clamps negatives to zero and passes positives', () => {
    const out = new Float32Array(inputs.length);
    reluForward(inputs, out);
    expect(Array.from(out)).toEqual([0, 0, 0, 0.25, 2, 50, 0]);
  });

  it('works in place and lets NaN through', () => {
    const x = Float32Array.from([-1, 1, Number.NaN]);
    reluForward(x, x);
    expect(Array.from(x)).toEqual([0, 1, Number.NaN]);
  });

  it('passes the gradient only where x > 0', () => {
    const gradOut = Float32Array.from([1, 2, 3, 4, 5, 6, 7]);
    const gradIn = new Float32Array(inputs.length).fill(Number.NaN);
    reluBackward(inputs, gradOut, gradIn);
    expect(Array.from(gradIn)).toEqual([0, 0, 0, 4, 5, 6, 0]);
  });
});

describe('tanh', () => {
  it('matches Math.tanh and its derivative through the output', () => {
    const y = new Float32Array(inputs.length);
    tanhForward(inputs, y);
    const gradOut = new Float32Array(inputs.length).fill(2);
    const gradIn = new Float32Array(inputs.length);
    tanhBackward(y, gradOut, gradIn);
    for (let i = 0; i < inputs.length; i++) {
      expect(y[i]).toBeCloseTo(Math.tanh(inputs[i]), 6);
      expect(gradIn[i]).toBeCloseTo(2 * numericDerivative(Math.tanh, inputs[i]), 4);
    }
  });
});

describe('sigmoid', () => {
  const sigmoid = (v: number) => 1 / (1 + Math.exp(-v));

  it('is finite and correct at large magnitudes', () => {
    const y = new Float32Array(inputs.length);
    sigmoidForward(Float32Array.from([...inputs, 1000, -1000]), y);
    for (let i = 0; i < inputs.length; i++) expect(y[i]).toBeCloseTo(sigmoid(inputs[i]), 6);
    const extremes = new Float32Array(2);
    sigmoidForward(Float32Array.from([1000, -1000]), extremes);
    expect(Array.from(extremes)).toEqual([1, 0]);
  });

  it('backpropagates y(1 - y) times the incoming gradient', () => {
    const y = new Float32Array(inputs.length);
    sigmoidForward(inputs, y);
    const gradOut = new Float32Array(inputs.length).fill(-3);
    const gradIn = new Float32Array(inputs.length);
    sigmoidBackward(y, gradOut, gradIn);
    for (let i = 0; i < inputs.length; i++) {
      expect(gradIn[i]).toBeCloseTo(-3 * numericDerivative(sigmoid, inputs[i]), 4);
    }
  });
});
