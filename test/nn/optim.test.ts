import { expect, describe as group, it } from 'vitest';
import {
  Adam,
  chainSchedules,
  cosineDecay,
  exponentialDecay,
  linearWarmup,
  type Parameter,
  SGD,
  stepDecay,
} from '../../src/nn/index.ts';
import { Tensor } from '../../src/tensor/tensor.ts';
import { expectClose } from '../helpers/close.ts';

function parameter(name: string, values: number[]): Parameter {
  return { name, value: Tensor.from(values, [values.length]), grad: Tensor.zeros([values.length]) };
}

/** Steps with the given per-step gradients for a scalar parameter; returns the value after each step. */
function trajectory(optimizer: SGD | Adam, p: Parameter, gradients: number[]): number[] {
  return gradients.map((g) => {
    optimizer.zeroGrad();
    p.grad.data[0] = g;
    optimizer.step();
    return p.value.data[0];
  });
}

group('SGD', () => {
  it('plain steps: p −= lr·g', () => {
    const p = parameter('p', [1]);
    expect(trajectory(new SGD([p], { lr: 0.1 }), p, [0.5, -1])).toEqual([
      Math.fround(1 - 0.05),
      Math.fround(Math.fround(0.95) + 0.1),
    ]);
  });

  it('momentum 0.9 matches hand-computed values', () => {
    // buf: 0.5, 0.95, 1.355; p: 0.95, 0.855, 0.7195
    const p = parameter('p', [1]);
    const values = trajectory(new SGD([p], { lr: 0.1, momentum: 0.9 }), p, [0.5, 0.5, 0.5]);
    expectClose(values, [0.95, 0.855, 0.7195], 6);
  });

  it('Nesterov momentum matches hand-computed values', () => {
    // step 1: buf 0.5, p −= 0.1·(0.5 + 0.45) → 0.905; step 2: buf 0.95, p −= 0.1·(0.5 + 0.855) → 0.7695
    const p = parameter('p', [1]);
    const values = trajectory(new SGD([p], { lr: 0.1, momentum: 0.9, nesterov: true }), p, [0.5, 0.5]);
    expectClose(values, [0.905, 0.7695], 6);
  });

  it('weight decay adds wd·p to the gradient', () => {
    // g = 0.5 + 0.1·1 = 0.6 → 0.94; g = 0.5 + 0.094 → 0.8806
    const p = parameter('p', [1]);
    const values = trajectory(new SGD([p], { lr: 0.1, weightDecay: 0.1 }), p, [0.5, 0.5]);
    expectClose(values, [0.94, 0.8806], 6);
  });

  it('rejects nesterov without momentum and duplicate parameter names', () => {
    expect(() => new SGD([parameter('p', [1])], { lr: 0.1, nesterov: true })).toThrow(
      /nesterov needs momentum > 0/,
    );
    expect(() => new SGD([parameter('p', [1]), parameter('p', [2])], { lr: 0.1 })).toThrow(
      "dniflow/nn: SGD got two parameters named 'p'",
    );
  });
});

group('Adam', () => {
  it('matches PyTorch’s algorithm for three steps (hand-computed in float64)', () => {
    // Step 1: m = 0.05, v = 2.5e-4, m̂ = 0.5, v̂ = 0.25 → p = 1 − 0.1·0.5/(0.5 + 1e-8).
    // Step 2: m = −0.055, v = 1.24975e-3, m̂ = −0.289474, v̂ = 0.625188 → p ≈ 0.936610.
    const p = parameter('p', [1]);
    const values = trajectory(new Adam([p], { lr: 0.1 }), p, [0.5, -1, 2]);
    expectClose(values, [0.900000002, 0.9366103542405654, 0.8946447927181046], 6);
  });

  it('adds L2 weight decay to the gradient (not decoupled)', () => {
    const p = parameter('p', [1]);
    const values = trajectory(new Adam([p], { lr: 0.1, weightDecay: 0.1 }), p, [0.5, -1, 2]);
    expectClose(values, [0.9000000016666666, 0.9252635194456061, 0.8776172608049325], 6);
  });
});

group('convergence on a quadratic', () => {
  // f(p) = ½ Σ a_i (p_i − c_i)², ill-conditioned (a spans 0.5..4), minimum at c.
  const curvature = [0.5, 1, 2, 4];
  const centre = [3, -2, 0.5, 1];

  function minimise(make: (p: Parameter) => SGD | Adam, steps: number): number[] {
    const p = parameter('p', [0, 0, 0, 0]);
    const optimizer = make(p);
    for (let s = 0; s < steps; s++) {
      optimizer.zeroGrad();
      for (let i = 0; i < 4; i++) p.grad.data[i] = curvature[i] * (p.value.data[i] - centre[i]);
      optimizer.step();
    }
    return Array.from(p.value.data);
  }

  it('SGD with momentum converges', () => {
    const result = minimise((p) => new SGD([p], { lr: 0.1, momentum: 0.9 }), 300);
    expectClose(result, centre, 3);
  });

  it('SGD with Nesterov momentum converges', () => {
    const result = minimise((p) => new SGD([p], { lr: 0.1, momentum: 0.9, nesterov: true }), 300);
    expectClose(result, centre, 3);
  });

  it('Adam converges (with a decaying rate to settle)', () => {
    const result = minimise((p) => new Adam([p], { lr: 0.1, schedule: cosineDecay(1500, 0.001) }), 1500);
    expectClose(result, centre, 2);
  });
});

group('learning-rate schedules', () => {
  it('the schedule multiplies lr, indexed by the step about to be taken', () => {
    const p = parameter('p', [0]);
    const optimizer = new SGD([p], { lr: 1, schedule: stepDecay(2, 0.5) });
    const values = trajectory(optimizer, p, [-1, -1, -1, -1, -1]);
    expect(values).toEqual([1, 2, 2.5, 3, 3.25]);
    expect(optimizer.steps).toBe(5);
    expect(optimizer.currentLr()).toBe(0.25); // step index 5 → 0.5^⌊5/2⌋
  });

  it('lr is settable between steps', () => {
    const p = parameter('p', [0]);
    const optimizer = new SGD([p], { lr: 1 });
    trajectory(optimizer, p, [-1]);
    optimizer.lr = 0.25;
    expect(trajectory(optimizer, p, [-1])).toEqual([1.25]);
  });

  it('helpers have the documented shapes', () => {
    const cosine = cosineDecay(10, 0.1);
    expect(cosine(0)).toBeCloseTo(1, 12);
    expect(cosine(5)).toBeCloseTo(0.55, 12);
    expect(cosine(10)).toBeCloseTo(0.1, 12);
    expect(cosine(20)).toBeCloseTo(0.1, 12);
    const warmup = linearWarmup(4);
    expect([0, 1, 2, 3, 4, 100].map(warmup)).toEqual([0.25, 0.5, 0.75, 1, 1, 1]);
    expect(exponentialDecay(0.5)(3)).toBe(0.125);
    expect([0, 1, 2, 3].map(stepDecay(2, 0.1))).toEqual([1, 1, 0.1, 0.1]);
    expect(chainSchedules(linearWarmup(2), stepDecay(1, 0.5))(0)).toBe(0.5);
  });
});

group('checkpoint state', () => {
  it('Adam state round-trips: a restored optimiser continues bit for bit', () => {
    const grads = [0.3, -0.7, 1.1, 0.2, -0.4];
    const a = parameter('w', [1, -1]);
    const adam = new Adam([a], { lr: 0.05 });
    for (const g of grads.slice(0, 3)) {
      adam.zeroGrad();
      a.grad.data.set([g, -g]);
      adam.step();
    }
    const state = adam.state();
    expect(Object.keys(state.slots).sort()).toEqual(['w.m', 'w.v']);
    expect(state.step).toBe(3);
    const b = parameter('w', Array.from(a.value.data));
    const restored = new Adam([b], { lr: 999 });
    restored.loadState(state);
    expect(restored.lr).toBe(0.05);
    for (const g of grads.slice(3)) {
      for (const [opt, p] of [
        [adam, a],
        [restored, b],
      ] as const) {
        opt.zeroGrad();
        p.grad.data.set([g, -g]);
        opt.step();
      }
    }
    expect(Array.from(b.value.data)).toEqual(Array.from(a.value.data));
  });

  it('state() is a snapshot, and loadState validates before copying', () => {
    const p = parameter('w', [1]);
    const sgd = new SGD([p], { lr: 0.1, momentum: 0.9 });
    p.grad.data[0] = 1;
    sgd.step();
    const state = sgd.state();
    sgd.step();
    expect(state.slots['w.momentum'].data[0]).toBe(1);
    expect(() => new Adam([p], { lr: 0.1 }).loadState(state)).toThrow(
      'dniflow/nn: Adam cannot load the state of a SGD',
    );
    const other = new SGD([parameter('v', [1])], { lr: 0.1, momentum: 0.9 });
    expect(() => other.loadState(state)).toThrow("dniflow/nn: SGD state has no slot 'v.momentum'");
    const wide = new SGD([parameter('w', [1, 2])], { lr: 0.1, momentum: 0.9 });
    expect(() => wide.loadState(state)).toThrow("slot 'w.momentum' has shape [1], expected [2]");
  });
});
