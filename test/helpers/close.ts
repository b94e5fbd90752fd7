import { expect } from 'vitest';

/** Element-wise toBeCloseTo (|a − e| < 10^−digits / 2), reporting the first index that differs. */
export function expectClose(actual: ArrayLike<number>, expected: ArrayLike<number>, digits: number): void {
  expect(actual.length, 'length').toBe(expected.length);
  for (let i = 0; i < expected.length; i++) {
    expect(actual[i], `index ${i}`).toBeCloseTo(expected[i], digits);
  }
}
