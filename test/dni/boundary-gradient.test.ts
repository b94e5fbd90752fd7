import { describe, expect, it } from 'vitest';
import { BoundarySyntheticGradient } from '../../src/dni/boundary-gradient.ts';
import { LSTM } from '../../src/nn/index.ts';
import { Prng } from '../../src/tensor/prng.ts';
import { Tensor } from '../../src/tensor/tensor.ts';
import { numericGradient } from '../helpers/gradcheck.ts';
import { uniformTensor } from '../helpers/random.ts';

const INPUT = 3;
const H = 4;
const B = 2;
const T = 3;
const frozen = { kind: 'sgd', lr: 0 } as const;

function dot(a: Float32Array, b: Float32Array): number {
  let total = 0;
  for (let i = 0; i < a.length; i++) total += a[i] * b[i];
  return total;
}

/** A boundary whose (frozen) model is moved off its zero initialisation, so δ̂ ≠ 0. */
function makeBoundary(
  sgScale: number,
  bootstrapGamma: number,
  aux = false,
  state: 'hc' | 'h' = 'hc',
): BoundarySyntheticGradient {
  const boundary = new BoundarySyntheticGradient({
    name: 'core',
    hidden: H,
    sgScale,
    bootstrapGamma,
    aux,
    state,
    prng: new Prng(3),
    optimizer: frozen,
  });
  const jitter = new Prng(4, 'jitter');
  const models = [boundary.model, ...(boundary.auxHead ? [boundary.auxHead] : [])];
  for (const model of models)
    for (const p of model.network.parameters())
      for (let i = 0; i < p.value.size; i++) p.value.data[i] += 0.5 * jitter.normal();
  return boundary;
}

/**
 * Window 0 leaves a prediction pending at s_1; window 1 runs from s_1 with objective
 * L = Σ outputs ⊙ R / B, injects sgScale·δ̂_2/B at its end, and its atStart computes the target for
 * δ̂_1. Returns the target and what is needed to recompute window 1 from a perturbed s_1.
 */
function boundaryTarget(sgScale: number, gamma: number, state: 'hc' | 'h' = 'hc') {
  const lstm = new LSTM('core', INPUT, H, { prng: new Prng(1) });
  const boundary = makeBoundary(sgScale, gamma, false, state);
  const first = lstm.forwardWindow(
    uniformTensor([T, B, INPUT], 10),
    Tensor.zeros([B, H]),
    Tensor.zeros([B, H]),
    true,
  );
  boundary.atEnd(0, first.h, first.c);
  const h1 = first.h.clone();
  const c1 = first.c.clone();
  const inputs = uniformTensor([T, B, INPUT], 11);
  const projection = uniformTensor([T, B, H], 12);
  const gradOutputs = new Tensor(
    projection.data.map((v) => v / B),
    projection.shape,
  );
  const second = lstm.forwardWindow(inputs, h1, c1, true);
  const inject = boundary.atEnd(1, second.h, second.c);
  // δ̂_2 (per-lane scale) held fixed for the finite differences: inject / (sgScale / B), or recomputed.
  const predicted = boundary.model
    .predict(99, state === 'hc' ? concat(second.h, second.c) : second.h)
    .clone();
  if (state === 'h') expect(inject.c.data.every((v) => v === 0)).toBe(true);
  const grads = lstm.backwardWindow(gradOutputs, inject.h, inject.c, { inputGradient: false });
  const result = boundary.atStart(1, grads.gradH0, grads.gradC0, lstm);
  expect(result).not.toBeNull();
  /** The window's loss plus γ·⟨δ̂_2/B, s_end⟩ from the start state (h1, c1), in float64. */
  const objective = () => {
    const run = lstm.forwardWindow(inputs, h1, c1, true);
    const end = state === 'hc' ? concat(run.h, run.c) : run.h;
    return dot(run.outputs.data, projection.data) / B + (gamma / B) * dot(predicted.data, end.data);
  };
  return { target: boundary.lastTarget.clone(), h1, c1, objective };
}

function concat(h: Tensor, c: Tensor): Tensor {
  const out = Tensor.zeros([B, 2 * H]);
  for (let b = 0; b < B; b++) {
    out.data.set(h.data.subarray(b * H, (b + 1) * H), b * 2 * H);
    out.data.set(c.data.subarray(b * H, (b + 1) * H), b * 2 * H + H);
  }
  return out;
}

describe('BoundarySyntheticGradient (DNI on a recurrent state loop, paper §3.2)', () => {
  for (const [sgScale, gamma] of [
    [0.1, 1],
    [0.5, 0.5],
    [0, 1],
  ] as const) {
    it(`the bootstrapped target is B·∂(L + γ·⟨δ̂_end/B, s_end⟩)/∂s_start by finite differences (sgScale ${sgScale}, γ ${gamma})`, () => {
      const { target, h1, c1, objective } = boundaryTarget(sgScale, gamma);
      const numericH = numericGradient(h1.data, objective);
      const numericC = numericGradient(c1.data, objective);
      for (let b = 0; b < B; b++) {
        for (let j = 0; j < H; j++) {
          expect(target.data[b * 2 * H + j]).toBeCloseTo(B * numericH[b * H + j], 2);
          expect(target.data[b * 2 * H + H + j]).toBeCloseTo(B * numericC[b * H + j], 2);
        }
      }
    });
  }

  it('covering h alone: the target is B·∂(L + γ·⟨δ̂_end/B, h_end⟩)/∂h_start and c gets no synthetic gradient', () => {
    const { target, h1, objective } = boundaryTarget(0.1, 1, 'h');
    expect(target.shape).toEqual([B, H]);
    const numericH = numericGradient(h1.data, objective);
    for (let i = 0; i < B * H; i++) expect(target.data[i]).toBeCloseTo(B * numericH[i], 2);
  });

  it('injects sgScale·δ̂/B and predicts nothing on a zero-initialised model', () => {
    const boundary = new BoundarySyntheticGradient({
      name: 'core',
      hidden: H,
      sgScale: 0.1,
      bootstrapGamma: 1,
      aux: true,
      prng: new Prng(3),
    });
    const inject = boundary.atEnd(0, uniformTensor([B, H], 1), uniformTensor([B, H], 2));
    expect(inject.h.data.every((v) => v === 0) && inject.c.data.every((v) => v === 0)).toBe(true);
    for (const model of [boundary.model, boundary.auxHead!]) {
      const [weight, bias] = model.network.parameters().slice(-2);
      expect(weight.value.data.every((v) => v === 0)).toBe(true);
      expect(bias.value.data.every((v) => v === 0)).toBe(true);
    }
  });

  it('learns nothing on the first window and refuses a window it was not given', () => {
    const lstm = new LSTM('core', INPUT, H, { prng: new Prng(1) });
    const boundary = makeBoundary(0.1, 1);
    const run = lstm.forwardWindow(
      uniformTensor([T, B, INPUT], 10),
      Tensor.zeros([B, H]),
      Tensor.zeros([B, H]),
      true,
    );
    boundary.atEnd(0, run.h, run.c);
    const grads = lstm.backwardWindow(null, null, null, { inputGradient: false });
    expect(boundary.atStart(0, grads.gradH0, grads.gradC0, lstm)).toBeNull();
    expect(() => boundary.atStart(1, grads.gradH0, grads.gradC0, lstm)).toThrow(
      "dniflow/dni: boundary 'core.sg' was not given window 1's final state",
    );
    expect(() => makeBoundary(-1, 1)).toThrow("dniflow/dni: boundary 'core' needs sgScale >= 0, got -1");
  });
});
