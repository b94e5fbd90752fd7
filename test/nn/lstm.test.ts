import { describe, expect, it } from 'vitest';
import { LSTM, SGD } from '../../src/nn/index.ts';
import { Prng } from '../../src/tensor/prng.ts';
import { Tensor } from '../../src/tensor/tensor.ts';
import { expectClose } from '../helpers/close.ts';
import { numericGradient } from '../helpers/gradcheck.ts';
import { uniformTensor } from '../helpers/random.ts';

const INPUT = 3;
const HIDDEN = 4;
const BATCH = 2;
const TICKS = 4;
const TOLERANCE = 1e-2;

/** A small LSTM with a randomised bias, so every bias entry's gradient is exercised. */
function makeLstm(seed = 1): LSTM {
  const lstm = new LSTM('core', INPUT, HIDDEN, { prng: new Prng(seed) });
  const jitter = new Prng(seed, 'bias-jitter');
  for (let i = 0; i < lstm.bias.value.size; i++) lstm.bias.value.data[i] += jitter.uniform() - 0.5;
  return lstm;
}

/** Inputs [T, B, I], start state (h0, c0) and the objective's projections R [T, B, H], P and Q [B, H]. */
function makeWindow(ticks = TICKS, batch = BATCH) {
  return {
    inputs: uniformTensor([ticks, batch, INPUT], 11),
    h0: uniformTensor([batch, HIDDEN], 12),
    c0: uniformTensor([batch, HIDDEN], 13, -2, 2),
    outputsProjection: uniformTensor([ticks, batch, HIDDEN], 14),
    finalHiddenProjection: uniformTensor([batch, HIDDEN], 15),
    finalCellProjection: uniformTensor([batch, HIDDEN], 16),
  };
}

function dot(a: Float32Array, b: Float32Array): number {
  let total = 0;
  for (let i = 0; i < a.length; i++) total += a[i] * b[i];
  return total;
}

type Window = ReturnType<typeof makeWindow>;

/** L = Σ_t Σ outputs_t ⊙ R_t + Σ h_T ⊙ P + Σ c_T ⊙ Q, accumulated in float64. */
function objective(lstm: LSTM, w: Window): number {
  const { outputs, h, c } = lstm.forwardWindow(w.inputs, w.h0, w.c0, true);
  return (
    dot(outputs.data, w.outputsProjection.data) +
    dot(h.data, w.finalHiddenProjection.data) +
    dot(c.data, w.finalCellProjection.data)
  );
}

/** Analytic gradients of `objective` (copied out of the layer's buffers), from fresh accumulators. */
function analyticGradients(lstm: LSTM, w: Window, injectH = true, injectC = true): Map<string, Float32Array> {
  for (const p of lstm.parameters()) p.grad.data.fill(0);
  lstm.forwardWindow(w.inputs, w.h0, w.c0, true);
  const grads = lstm.backwardWindow(
    w.outputsProjection,
    injectH ? w.finalHiddenProjection : null,
    injectC ? w.finalCellProjection : null,
  );
  const result = new Map<string, Float32Array>([
    ['inputs', grads.gradInputs.data.slice()],
    ['h0', grads.gradH0.data.slice()],
    ['c0', grads.gradC0.data.slice()],
  ]);
  for (const p of lstm.parameters()) result.set(p.name, p.grad.data.slice());
  return result;
}

/**
 * Worst relative error per tensor against central differences, with gradcheck.ts's floors (1e-2 of
 * the tensor's gradient scale, 1e-3 of the whole check's) so that ~0 entries do not report noise.
 */
function finiteDifferenceErrors(lstm: LSTM, w: Window, analytic: Map<string, Float32Array>) {
  const values = new Map<string, Float32Array>([
    ['inputs', w.inputs.data],
    ['h0', w.h0.data],
    ['c0', w.c0.data],
  ]);
  for (const p of lstm.parameters()) values.set(p.name, p.value.data);
  const numeric = new Map<string, Float64Array>();
  for (const [name, data] of values)
    numeric.set(
      name,
      numericGradient(data, () => objective(lstm, w)),
    );
  const scaleOf = (name: string): number =>
    Math.max(
      ...(analytic.get(name) as Float32Array).map(Math.abs),
      ...(numeric.get(name) as Float64Array).map(Math.abs),
    );
  const globalScale = Math.max(...[...values.keys()].map(scaleOf));
  const errors: Record<string, number> = {};
  for (const name of values.keys()) {
    const a = analytic.get(name) as Float32Array;
    const n = numeric.get(name) as Float64Array;
    const floor = Math.max(1e-2 * scaleOf(name), 1e-3 * globalScale);
    errors[name] = Math.max(
      ...a.map((_, i) => Math.abs(a[i] - n[i]) / Math.max(Math.abs(a[i]), Math.abs(n[i]), floor)),
    );
  }
  return errors;
}

describe('LSTM gradients against finite differences', () => {
  it('matches for inputs, every parameter, h0 and c0, with per-tick and injected end gradients', () => {
    const lstm = makeLstm();
    const w = makeWindow();
    const errors = finiteDifferenceErrors(lstm, w, analyticGradients(lstm, w));
    if (process.env.GRADCHECK_REPORT) console.info('LSTM FD relative errors', errors);
    expect(Object.keys(errors)).toEqual([
      'inputs',
      'h0',
      'c0',
      'core.inputWeight',
      'core.recurrentWeight',
      'core.bias',
    ]);
    for (const [name, error] of Object.entries(errors)) expect(error, name).toBeLessThan(TOLERANCE);
  });

  it('fails the check when an injected end gradient is left out (the check can fail)', () => {
    const lstm = makeLstm();
    const w = makeWindow();
    const withoutCell = finiteDifferenceErrors(lstm, w, analyticGradients(lstm, w, true, false));
    const withoutHidden = finiteDifferenceErrors(lstm, w, analyticGradients(lstm, w, false, true));
    expect(Math.max(...Object.values(withoutCell))).toBeGreaterThan(0.1);
    expect(Math.max(...Object.values(withoutHidden))).toBeGreaterThan(0.1);
  });
});

/** One tick written out directly in float64, from the layer's parameters (gate order i, f, g, o). */
function referenceTick(lstm: LSTM, x: ArrayLike<number>, h: ArrayLike<number>, c: ArrayLike<number>) {
  const sigmoid = (v: number) => 1 / (1 + Math.exp(-v));
  const wx = lstm.inputWeight.value.data;
  const wh = lstm.recurrentWeight.value.data;
  const bias = lstm.bias.value.data;
  const nextH: number[] = [];
  const nextC: number[] = [];
  for (let b = 0; b < x.length / INPUT; b++) {
    const pre = (gate: number, j: number): number => {
      const row = gate * HIDDEN + j;
      let sum = bias[row];
      for (let k = 0; k < INPUT; k++) sum += wx[row * INPUT + k] * x[b * INPUT + k];
      for (let k = 0; k < HIDDEN; k++) sum += wh[row * HIDDEN + k] * h[b * HIDDEN + k];
      return sum;
    };
    for (let j = 0; j < HIDDEN; j++) {
      const cell = sigmoid(pre(1, j)) * c[b * HIDDEN + j] + sigmoid(pre(0, j)) * Math.tanh(pre(2, j));
      nextC.push(cell);
      nextH.push(sigmoid(pre(3, j)) * Math.tanh(cell));
    }
  }
  return { h: nextH, c: nextC };
}

describe('LSTM forward', () => {
  it('T = 1 equals a single step written out directly', () => {
    const lstm = makeLstm();
    const w = makeWindow(1);
    const { outputs, h, c } = lstm.forwardWindow(w.inputs, w.h0, w.c0, true);
    const expected = referenceTick(lstm, w.inputs.data, w.h0.data, w.c0.data);
    expect(outputs.shape).toEqual([1, BATCH, HIDDEN]);
    expectClose(outputs.data, expected.h, 6);
    expectClose(h.data, expected.h, 6);
    expectClose(c.data, expected.c, 6);
  });

  it('a window of T ticks equals T chained windows of one tick, carrying (h, c) straight back in', () => {
    const whole = makeLstm();
    const w = makeWindow();
    const windowOutputs = whole.forwardWindow(w.inputs, w.h0, w.c0, true).outputs.data.slice();
    const stepped = makeLstm();
    let state = { h: w.h0, c: w.c0 };
    for (let t = 0; t < TICKS; t++) {
      // The returned (h, c) are views of the layer's own buffers, passed back as the next start.
      state = stepped.forwardWindow(w.inputs.rows(t, t + 1), state.h, state.c, true);
      expectClose(state.h.data, windowOutputs.subarray(t * BATCH * HIDDEN, (t + 1) * BATCH * HIDDEN), 6);
    }
  });

  it('is deterministic for a seed and starts the forget gate bias at forgetBias', () => {
    const a = new LSTM('core', INPUT, HIDDEN, { prng: new Prng(5) });
    const b = new LSTM('core', INPUT, HIDDEN, { prng: new Prng(5) });
    const other = new LSTM('core', INPUT, HIDDEN, { prng: new Prng(6), forgetBias: 0 });
    a.parameters().forEach((p, i) => {
      expect(p.value.data).toEqual(b.parameters()[i].value.data);
    });
    expect(a.inputWeight.value.data).not.toEqual(other.inputWeight.value.data);
    const w = makeWindow();
    const outA = a.forwardWindow(w.inputs, w.h0, w.c0, true).outputs.data.slice();
    expect(b.forwardWindow(w.inputs, w.h0, w.c0, true).outputs.data).toEqual(outA);
    expect([...a.bias.value.data]).toEqual([0, 0, 0, 0, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0]);
    expect([...other.bias.value.data].every((v) => v === 0)).toBe(true);
    const bound = 1 / Math.sqrt(HIDDEN);
    expect(a.recurrentWeight.value.data.every((v) => Math.abs(v) <= bound)).toBe(true);
    expect(a.inputWeight.value.shape).toEqual([4 * HIDDEN, INPUT]);
    expect(a.recurrentWeight.value.shape).toEqual([4 * HIDDEN, HIDDEN]);
  });
});

describe('LSTM backward', () => {
  it('gradients through two windows joined by their boundary equal one window (BPTT across it)', () => {
    const w = makeWindow();
    const whole = makeLstm();
    const expected = analyticGradients(whole, w);
    const [first, second] = [makeLstm(), makeLstm()];
    const half = TICKS / 2;
    const start = first.forwardWindow(w.inputs.rows(0, half), w.h0, w.c0, true);
    second.forwardWindow(w.inputs.rows(half, TICKS), start.h, start.c, true);
    const late = second.backwardWindow(
      w.outputsProjection.rows(half, TICKS),
      w.finalHiddenProjection,
      w.finalCellProjection,
    );
    const lateInputs = late.gradInputs.data.slice();
    const early = first.backwardWindow(w.outputsProjection.rows(0, half), late.gradH0, late.gradC0);
    expectClose([...early.gradInputs.data, ...lateInputs], expected.get('inputs') as Float32Array, 5);
    expectClose(early.gradH0.data, expected.get('h0') as Float32Array, 5);
    expectClose(early.gradC0.data, expected.get('c0') as Float32Array, 5);
    first.parameters().forEach((p, i) => {
      const sum = p.grad.data.map((g, k) => g + second.parameters()[i].grad.data[k]);
      expectClose(sum, expected.get(p.name) as Float32Array, 5);
    });
  });

  it('accumulates parameter gradients across backward calls, and overwrites after zeroGrad', () => {
    const lstm = makeLstm();
    const w = makeWindow();
    const once = analyticGradients(lstm, w);
    lstm.backwardWindow(w.outputsProjection, w.finalHiddenProjection, w.finalCellProjection);
    for (const p of lstm.parameters()) {
      expectClose(
        p.grad.data,
        (once.get(p.name) as Float32Array).map((g) => 2 * g),
        5,
      );
    }
    const optimizer = new SGD(lstm.parameters(), { lr: 0.1 });
    optimizer.zeroGrad();
    lstm.backwardWindow(w.outputsProjection, w.finalHiddenProjection, w.finalCellProjection);
    for (const p of lstm.parameters()) expectClose(p.grad.data, once.get(p.name) as Float32Array, 6);
    const before = lstm.inputWeight.value.data.slice();
    optimizer.step();
    expect(lstm.inputWeight.value.data).not.toEqual(before);
  });

  it('treats null gradOutputs as zero and can skip the input gradient', () => {
    const lstm = makeLstm();
    const w = makeWindow();
    lstm.forwardWindow(w.inputs, w.h0, w.c0, true);
    const zeros = Tensor.zeros([TICKS, BATCH, HIDDEN]);
    const withZeros = lstm.backwardWindow(zeros, w.finalHiddenProjection, null);
    const expectedH0 = withZeros.gradH0.data.slice();
    const expectedGrad = lstm.inputWeight.grad.data.slice();
    for (const p of lstm.parameters()) p.grad.data.fill(0);
    const skipped = lstm.backwardWindow(null, w.finalHiddenProjection, null, { inputGradient: false });
    expect(skipped.gradInputs).toBeNull();
    expect(skipped.gradH0.data).toEqual(expectedH0);
    expect(lstm.inputWeight.grad.data).toEqual(expectedGrad);
  });
});

describe('LSTM buffers and shapes', () => {
  it('reuses its buffers across windows of the same size and resizes when T or B changes', () => {
    const lstm = makeLstm();
    const w = makeWindow();
    const first = lstm.forwardWindow(w.inputs, w.h0, w.c0, true);
    const firstGrads = lstm.backwardWindow(w.outputsProjection, null, null);
    const second = lstm.forwardWindow(w.inputs, first.h, first.c, true);
    const secondGrads = lstm.backwardWindow(w.outputsProjection, null, null);
    expect(second).toBe(first);
    expect(secondGrads).toBe(firstGrads);
    expect(second.outputs).toBe(first.outputs);
    expect(second.h).toBe(first.h);
    expect(second.c).toBe(first.c);
    expect(secondGrads.gradInputs).toBe(firstGrads.gradInputs);
    expect(secondGrads.gradH0).toBe(firstGrads.gradH0);
    expect(secondGrads.gradC0).toBe(firstGrads.gradC0);
    const wider = makeWindow(3, 5);
    const resized = lstm.forwardWindow(wider.inputs, wider.h0, wider.c0, true);
    expect(resized.outputs).not.toBe(first.outputs);
    expect(resized.outputs.shape).toEqual([3, 5, HIDDEN]);
    const resizedGrads = lstm.backwardWindow(wider.outputsProjection, wider.finalHiddenProjection, null);
    expect(resizedGrads.gradInputs.shape).toEqual([3, 5, INPUT]);
    expect(resizedGrads.gradH0.shape).toEqual([5, HIDDEN]);
  });

  it('throws on bad sizes and shapes, naming the layer', () => {
    const prng = new Prng(1);
    expect(() => new LSTM('core', INPUT, 0, { prng })).toThrow(
      "dniflow/nn: LSTM 'core' needs a positive integer hiddenSize, got 0",
    );
    expect(() => new LSTM('core', 2.5, HIDDEN, { prng })).toThrow(
      /LSTM 'core' needs a positive integer inputSize/,
    );
    const lstm = makeLstm();
    const w = makeWindow();
    expect(() => lstm.backwardWindow(w.outputsProjection, null, null)).toThrow(
      "LSTM 'core' backward called before forward",
    );
    expect(() => lstm.forwardWindow(Tensor.zeros([BATCH, INPUT]), w.h0, w.c0, true)).toThrow(
      "LSTM 'core' expects inputs [ticks, batch, 3] with ticks, batch >= 1, got [2, 3]",
    );
    expect(() => lstm.forwardWindow(Tensor.zeros([TICKS, BATCH, 5]), w.h0, w.c0, true)).toThrow(
      /LSTM 'core' expects inputs .* got \[4, 2, 5\]/,
    );
    expect(() => lstm.forwardWindow(Tensor.zeros([0, BATCH, INPUT]), w.h0, w.c0, true)).toThrow(
      /LSTM 'core'/,
    );
    expect(() => lstm.forwardWindow(w.inputs, Tensor.zeros([3, HIDDEN]), w.c0, true)).toThrow(
      "LSTM 'core' expects h0 [2, 4], got [3, 4]",
    );
    expect(() => lstm.forwardWindow(w.inputs, w.h0, Tensor.zeros([BATCH * HIDDEN]), true)).toThrow(
      "LSTM 'core' expects c0 [2, 4], got [8]",
    );
    lstm.forwardWindow(w.inputs, w.h0, w.c0, true);
    expect(() => lstm.backwardWindow(Tensor.zeros([TICKS - 1, BATCH, HIDDEN]), null, null)).toThrow(
      "LSTM 'core' expects gradOutputs [4, 2, 4], got [3, 2, 4]",
    );
    expect(() => lstm.backwardWindow(null, Tensor.zeros([BATCH, 3]), null)).toThrow(
      "LSTM 'core' expects gradHEnd [2, 4], got [2, 3]",
    );
    expect(() => lstm.backwardWindow(null, null, Tensor.zeros([1, HIDDEN]))).toThrow(
      "LSTM 'core' expects gradCEnd [2, 4], got [1, 4]",
    );
  });
});
