import { describe, expect, it } from 'vitest';
import type { Backend } from '../../src/tensor/backend.ts';
import { loadNativeBackend } from '../../src/tensor/native-backend.ts';
import { Prng } from '../../src/tensor/prng.ts';
import { tsBackend } from '../../src/tensor/ts-backend.ts';

// The addon's optimiser and batch-norm kernels reproduce the TypeScript ones operation for
// operation (float64 intermediates, same summation order, no FMA), so a run gives the same bits on
// either backend apart from gemm. They also check every size and alias before writing anything.
const native = loadNativeBackend();
const title = native.ok ? 'native kernels' : `native kernels (skipped: ${native.reason})`;

function random(prng: Prng, length: number, low = -1, high = 1): Float32Array {
  return prng.fillUniform(new Float32Array(length), low, high);
}

function bits(values: Float32Array | Float64Array): string[] {
  return Array.from(values, (v) => (Object.is(v, -0) ? '-0' : String(v)));
}

describe.skipIf(!native.ok)(title, () => {
  const backend = native.ok ? native.backend : tsBackend;

  it('adamStep and sgdStep give the TypeScript kernels’ bits', () => {
    const prng = new Prng(7, 'native-kernels');
    for (const length of [1, 3, 8, 17, 1023]) {
      const state = [random(prng, length), random(prng, length), random(prng, length, -0.01, 0.01)];
      state.push(random(prng, length, 0, 1e-3));
      const ours = state.map((a) => a.slice());
      const theirs = state.map((a) => a.slice());
      for (let t = 1; t <= 3; t++) {
        const grad = random(prng, length, -0.1, 0.1);
        const s = {
          beta1: 0.9,
          beta2: 0.999,
          eps: 1e-8,
          weightDecay: t === 2 ? 0.01 : 0,
          stepSize: 1e-3 / (1 - 0.9 ** t),
          invSqrtCorrection2: 1 / Math.sqrt(1 - 0.999 ** t),
        };
        backend.adamStep(ours[0], grad, ours[2], ours[3], s);
        tsBackend.adamStep(theirs[0], grad, theirs[2], theirs[3], s);
        for (const momentum of [0, 0.9]) {
          for (const nesterov of momentum === 0 ? [false] : [false, true]) {
            const sgd = { lr: 0.05, weightDecay: 0.001, momentum, nesterov };
            backend.sgdStep(ours[1], grad, ours[2], sgd);
            tsBackend.sgdStep(theirs[1], grad, theirs[2], sgd);
          }
        }
      }
      for (let i = 0; i < state.length; i++) expect(bits(ours[i])).toEqual(bits(theirs[i]));
    }
  });

  it('batchNormForward and batchNormBackward give the TypeScript kernels’ bits', () => {
    const prng = new Prng(8, 'native-kernels');
    for (const [batch, channels, spatial] of [
      [2, 1, 1],
      [128, 67, 1],
      [3, 5, 7],
      [4, 2, 16],
    ]) {
      for (const training of [true, false]) {
        const n = batch * channels * spatial;
        const x = random(prng, n, -3, 5);
        const gy = random(prng, n);
        const gamma = random(prng, channels, 0.5, 1.5);
        const beta = random(prng, channels);
        const start = [random(prng, channels), random(prng, channels, 0.5, 2)];
        const grads = [random(prng, channels), random(prng, channels)];
        const run = (b: Backend) => {
          const out = {
            normalised: new Float32Array(n),
            output: new Float32Array(n),
            gradInput: new Float32Array(n),
            running: start.map((a) => a.slice()),
            grads: grads.map((a) => a.slice()),
            mean: new Float64Array(channels),
            invStd: new Float64Array(channels),
          };
          b.batchNormForward(
            x,
            out.normalised,
            out.output,
            gamma,
            beta,
            out.running[0],
            out.running[1],
            out.mean,
            out.invStd,
            batch,
            channels,
            spatial,
            training,
            0.1,
            1e-5,
          );
          b.batchNormBackward(
            gy,
            out.normalised,
            out.gradInput,
            gamma,
            out.invStd,
            out.grads[0],
            out.grads[1],
            batch,
            channels,
            spatial,
            training,
          );
          return out;
        };
        const ours = run(backend);
        const theirs = run(tsBackend);
        for (const key of ['normalised', 'output', 'gradInput', 'mean', 'invStd'] as const) {
          expect(bits(ours[key]), `${key} [${batch}, ${channels}, ${spatial}] training=${training}`).toEqual(
            bits(theirs[key]),
          );
        }
        for (let i = 0; i < 2; i++) {
          expect(bits(ours.running[i])).toEqual(bits(theirs.running[i]));
          expect(bits(ours.grads[i])).toEqual(bits(theirs.grads[i]));
        }
      }
    }
  });

  it('rejects optimiser arrays of the wrong length or sharing memory, writing nothing', () => {
    const p = Float32Array.from([1, 2, 3, 4]);
    const s = { beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0, stepSize: 0.1, invSqrtCorrection2: 1 };
    const four = () => new Float32Array(4);
    expect(() => backend.adamStep(p, four(), new Float32Array(3), four(), s)).toThrow(
      'dniflow/native: adamStep: m has 3 elements but param has 4',
    );
    const shared = new Float32Array(8);
    expect(() => backend.adamStep(p, four(), shared.subarray(0, 4), shared.subarray(2, 6), s)).toThrow(
      /adamStep: m overlaps v/,
    );
    expect(() => backend.adamStep(p, four(), p, four(), s)).toThrow(/adamStep: param overlaps m/);
    const sgd = { lr: 0.1, weightDecay: 0, momentum: 0.9, nesterov: false };
    expect(() => backend.sgdStep(p, four(), new Float32Array(0), sgd)).toThrow(
      'dniflow/native: sgdStep: momentumBuffer has 0 elements but param has 4',
    );
    expect(Array.from(p)).toEqual([1, 2, 3, 4]);
  });

  it('rejects batch-norm buffers that are too small or aliased, and non-Float64Array statistics', () => {
    const x = new Float32Array(12);
    const c3 = () => new Float32Array(3);
    const forward = (
      overrides: Partial<{ x: Float32Array; normalised: Float32Array; output: Float32Array; mean: unknown }>,
    ) =>
      backend.batchNormForward(
        overrides.x ?? x,
        overrides.normalised ?? new Float32Array(12),
        overrides.output ?? new Float32Array(12),
        c3(),
        c3(),
        c3(),
        c3(),
        (overrides.mean ?? new Float64Array(3)) as Float64Array,
        new Float64Array(3),
        2,
        3,
        2,
        true,
        0.1,
        1e-5,
      );
    expect(() => forward({})).not.toThrow();
    expect(() => forward({ output: new Float32Array(11) })).toThrow(
      'dniflow/native: batchNormForward: output has 11 elements but an input [2, 3, 2] needs 12',
    );
    expect(() => forward({ normalised: x })).toThrow(/batchNormForward: normalised overlaps x/);
    expect(() => forward({ mean: new Float32Array(3) })).toThrow(
      'dniflow/native: batchNormForward: mean must be a Float64Array',
    );
    const gradGamma = new Float32Array(2);
    expect(() =>
      backend.batchNormBackward(
        new Float32Array(12),
        new Float32Array(12),
        new Float32Array(12),
        c3(),
        new Float64Array(3),
        gradGamma,
        c3(),
        2,
        3,
        2,
        true,
      ),
    ).toThrow(
      'dniflow/native: batchNormBackward: gradGamma has 2 elements but a per-channel vector [3] needs 3',
    );
  });

  it('lstmTickForward and lstmTickBackward give the TypeScript kernels’ bits', () => {
    const prng = new Prng(9, 'native-kernels');
    for (const [ticks, batch, hidden] of [
      [1, 1, 1],
      [3, 4, 37],
      [5, 2, 256],
    ]) {
      const state = batch * hidden;
      const gates = random(prng, ticks * 4 * state, -8, 8);
      gates[0] = Number.NaN;
      if (gates.length > 2) [gates[1], gates[2]] = [200, -200];
      const cells = random(prng, (ticks + 1) * state, -2, 2);
      const windows = [0, 1].map(() => ({
        gates: gates.slice(),
        cells: cells.slice(),
        tanhCells: new Float32Array(ticks * state),
        hiddens: new Float32Array((ticks + 1) * state),
        gradCell: random(new Prng(10, 'gradCell'), state),
        gradGates: new Float32Array(ticks * 4 * state),
      }));
      const gradOutputs = random(prng, ticks * state);
      const gradHidden = random(prng, state);
      windows.forEach((w, k) => {
        const kernels = k === 0 ? backend : tsBackend;
        for (let t = 0; t < ticks; t++) {
          kernels.lstmTickForward(w.gates, w.cells, w.tanhCells, w.hiddens, batch, hidden, t);
        }
        for (let t = ticks - 1; t >= 0; t--) {
          const perTick = t % 2 === 0 ? gradOutputs : null;
          kernels.lstmTickBackward(
            w.gates,
            w.cells,
            w.tanhCells,
            perTick,
            gradHidden,
            w.gradCell,
            w.gradGates,
            batch,
            hidden,
            t,
          );
        }
      });
      for (const key of ['gates', 'cells', 'tanhCells', 'hiddens', 'gradCell', 'gradGates'] as const) {
        expect(bits(windows[0][key])).toEqual(bits(windows[1][key]));
      }
    }
  });

  it('rejects LSTM tick buffers that are too small or aliased, or a tick past the window', () => {
    const [batch, hidden] = [2, 3];
    const state = batch * hidden;
    const gates = new Float32Array(2 * 4 * state);
    const forward = (overrides: Partial<{ cells: Float32Array; tanhCells: Float32Array; t: number }>) =>
      backend.lstmTickForward(
        gates,
        overrides.cells ?? new Float32Array(3 * state),
        overrides.tanhCells ?? new Float32Array(2 * state),
        new Float32Array(3 * state),
        batch,
        hidden,
        overrides.t ?? 1,
      );
    expect(() => forward({})).not.toThrow();
    expect(() => forward({ t: 2 })).toThrow('dniflow/native: lstmTickForward: t = 2 is past the window');
    expect(() => forward({ cells: new Float32Array(2 * state) })).toThrow(
      /lstmTickForward: cells has 12 elements/,
    );
    expect(() => forward({ tanhCells: gates.subarray(0, 2 * state) })).toThrow(
      /lstmTickForward: gates overlaps tanhCells/,
    );
    const gradCell = new Float32Array(state);
    expect(() =>
      backend.lstmTickBackward(
        gates,
        new Float32Array(3 * state),
        new Float32Array(2 * state),
        null,
        gradCell,
        gradCell,
        new Float32Array(2 * 4 * state),
        batch,
        hidden,
        1,
      ),
    ).toThrow(/lstmTickBackward: gradCell overlaps gradHidden/);
  });
});
