/** The source's credits: which events close a step, in either order, and when the source must wait. */
import { describe, expect, it } from 'vitest';
import { StepWindow } from '../../src/runtime/step-window.ts';

describe('StepWindow', () => {
  it('closes a step once every forward and loss is done, and is full at its limit', () => {
    const window = new StepWindow(2, 2);
    window.openStep(0);
    window.openStep(1);
    expect(window.full).toBe(true);
    expect(window.done(0)).toBe(false);
    expect(window.done(0)).toBe(true);
    expect([window.size, window.full]).toEqual([1, false]);
    expect(window.done(0)).toBe(false); // a closed step is not counted again
  });

  it('keeps a step open until every gradient sent for it between threads has been taken', () => {
    const window = new StepWindow(3, 1);
    window.openStep(4);
    expect(window.gradientSent(4)).toBe(false);
    expect(window.done(4)).toBe(false); // its forward is done, its gradient still travels
    expect(window.gradientTaken(4)).toBe(true);
    expect(window.size).toBe(0);
  });

  it('accepts a gradient taken before its sending was reported (threads report independently)', () => {
    const window = new StepWindow(3, 1);
    window.openStep(7);
    expect(window.gradientTaken(7)).toBe(false);
    expect(window.done(7)).toBe(false);
    expect(window.gradientSent(7)).toBe(true);
  });

  it('refuses a limit that is not a positive integer', () => {
    expect(() => new StepWindow(0, 1)).toThrow(
      'dniflow/runtime: steps in flight must be a positive integer, got 0',
    );
  });
});
