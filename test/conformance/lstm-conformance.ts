/**
 * Conformance cases for Backend.lstmTickForward / lstmTickBackward: the LSTM tick's elementwise math
 * on a window's buffers (layout in src/tensor/lstm-kernels.ts) against a float64 reference written
 * from the formulas with Math.exp / Math.tanh, rounding to float32 where values are stored. The
 * tolerance allows a backend its own σ/tanh (a few float32 ulps); a wrong index or formula is off by
 * far more. Also: only tick t's rows are written, hidden sizes that are not a multiple of any vector
 * width, saturation, NaN, and a null per-tick gradient.
 */
import { describe, expect, it } from 'vitest';
import type { Backend } from '../../src/tensor/backend.ts';
import { Prng } from '../../src/tensor/prng.ts';

const f = Math.fround;
const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));
/** |got − want| ≤ TOLERANCE · (1 + |want|): a few float32 ulps of values of order 1. */
const TOLERANCE = 1e-6;

interface Window {
  batch: number;
  hidden: number;
  ticks: number;
  gates: Float32Array;
  cells: Float32Array;
  tanhCells: Float32Array;
  hiddens: Float32Array;
}

function makeWindow(prng: Prng, ticks: number, batch: number, hidden: number): Window {
  const state = batch * hidden;
  return {
    batch,
    hidden,
    ticks,
    gates: prng.fillUniform(new Float32Array(ticks * 4 * state), -6, 6),
    cells: prng.fillUniform(new Float32Array((ticks + 1) * state), -2, 2),
    tanhCells: new Float32Array(ticks * state).fill(7),
    hiddens: new Float32Array((ticks + 1) * state).fill(7),
  };
}

function expectClose(got: Float32Array, want: ArrayLike<number>, what: string): void {
  for (let i = 0; i < got.length; i++) {
    const w = want[i];
    if (Number.isNaN(w)) {
      if (!Number.isNaN(got[i])) expect.fail(`${what}[${i}] = ${got[i]}, expected NaN`);
    } else if (!(Math.abs(got[i] - w) <= TOLERANCE * (1 + Math.abs(w)))) {
      expect.fail(`${what}[${i}] = ${got[i]}, expected ${w}`);
    }
  }
}

/** The reference forward of tick t, on copies. */
function referenceForward(w: Window, t: number) {
  const { batch, hidden } = w;
  const gates = Array.from(w.gates);
  const cells = Array.from(w.cells);
  const tanhCells = Array.from(w.tanhCells);
  const hiddens = Array.from(w.hiddens);
  for (let b = 0; b < batch; b++) {
    const row = (t * batch + b) * 4 * hidden;
    const previous = (t * batch + b) * hidden;
    const current = previous + batch * hidden;
    for (let j = 0; j < hidden; j++) {
      const i = f(sigmoid(gates[row + j]));
      const fg = f(sigmoid(gates[row + hidden + j]));
      const g = f(Math.tanh(gates[row + 2 * hidden + j]));
      const o = f(sigmoid(gates[row + 3 * hidden + j]));
      [gates[row + j], gates[row + hidden + j], gates[row + 2 * hidden + j], gates[row + 3 * hidden + j]] = [
        i,
        fg,
        g,
        o,
      ];
      const c = f(fg * cells[previous + j] + i * g);
      cells[current + j] = c;
      const tc = f(Math.tanh(c));
      tanhCells[previous + j] = tc;
      hiddens[current + j] = f(o * tc);
    }
  }
  return { gates, cells, tanhCells, hiddens };
}

export function describeLstmConformance(getBackend: () => Backend): void {
  describe('lstmTickForward / lstmTickBackward', () => {
    for (const [ticks, batch, hidden, t] of [
      [1, 1, 1, 0],
      [3, 2, 5, 1],
      [2, 3, 19, 1],
      [4, 2, 64, 3],
    ] as const) {
      it(`forward: T=${ticks}, B=${batch}, H=${hidden}, tick ${t}: σ/tanh gates, c_t, tanh(c_t), h_t; nothing else written`, () => {
        const w = makeWindow(new Prng(ticks * 100 + hidden, 'lstm-conformance'), ticks, batch, hidden);
        const want = referenceForward(w, t);
        getBackend().lstmTickForward(w.gates, w.cells, w.tanhCells, w.hiddens, batch, hidden, t);
        expectClose(w.gates, want.gates, 'gates');
        expectClose(w.cells, want.cells, 'cells');
        expectClose(w.tanhCells, want.tanhCells, 'tanhCells');
        expectClose(w.hiddens, want.hiddens, 'hiddens');
      });
    }

    it('forward saturates for large pre-activations and keeps NaN', () => {
      const hidden = 6;
      const w = makeWindow(new Prng(1, 'lstm-saturation'), 1, 1, hidden);
      const values = [100, -100, 1e30, -1e30, 0, Number.NaN];
      for (let gate = 0; gate < 4; gate++) w.gates.set(values, gate * hidden);
      w.cells.fill(0.5, 0, hidden);
      const want = referenceForward(w, 0);
      getBackend().lstmTickForward(w.gates, w.cells, w.tanhCells, w.hiddens, 1, hidden, 0);
      expectClose(w.gates, want.gates, 'gates');
      // σ: 1 at +100 and +1e30, below 1e-30 (not necessarily 0) at −100 and −1e30, ½ at 0.
      expect([w.gates[0], w.gates[2], w.gates[4]]).toEqual([1, 1, 0.5]);
      expect(Math.max(w.gates[1], w.gates[3])).toBeLessThan(1e-30);
      expect(Array.from(w.gates.subarray(2 * hidden, 2 * hidden + 5))).toEqual([1, -1, 1, -1, 0]);
      expect(Number.isNaN(w.gates[hidden - 1])).toBe(true);
      expectClose(w.hiddens, want.hiddens, 'hiddens');
    });

    for (const withOutputs of [true, false]) {
      it(`backward: ∂L/∂gates of tick t and ∂L/∂c_{t−1}; gradOutputs ${withOutputs ? 'given' : 'null'}`, () => {
        const [ticks, batch, hidden, t] = [3, 2, 19, 1];
        const prng = new Prng(withOutputs ? 5 : 6, 'lstm-conformance-backward');
        const w = makeWindow(prng, ticks, batch, hidden);
        for (let s = 0; s < ticks; s++)
          getBackend().lstmTickForward(w.gates, w.cells, w.tanhCells, w.hiddens, batch, hidden, s);
        const state = batch * hidden;
        const gradOutputs = withOutputs ? prng.fillUniform(new Float32Array(ticks * state), -1, 1) : null;
        const gradHidden = prng.fillUniform(new Float32Array(state), -1, 1);
        const gradCell = prng.fillUniform(new Float32Array(state), -1, 1);
        const gradGates = new Float32Array(ticks * 4 * state).fill(7);
        const wantGates = Array.from(gradGates);
        const wantCell = Array.from(gradCell);
        for (let b = 0; b < batch; b++) {
          const row = (t * batch + b) * 4 * hidden;
          const tick = (t * batch + b) * hidden;
          for (let j = 0; j < hidden; j++) {
            const [i, fg, g, o] = [0, 1, 2, 3].map((k) => w.gates[row + k * hidden + j]);
            const tc = w.tanhCells[tick + j];
            const dh = gradHidden[b * hidden + j] + (gradOutputs ? gradOutputs[tick + j] : 0);
            const dc = gradCell[b * hidden + j] + dh * o * (1 - tc * tc);
            wantGates[row + j] = f(dc * g * i * (1 - i));
            wantGates[row + hidden + j] = f(dc * w.cells[tick + j] * fg * (1 - fg));
            wantGates[row + 2 * hidden + j] = f(dc * i * (1 - g * g));
            wantGates[row + 3 * hidden + j] = f(dh * tc * o * (1 - o));
            wantCell[b * hidden + j] = f(dc * fg);
          }
        }
        const gradHiddenBefore = gradHidden.slice();
        getBackend().lstmTickBackward(
          w.gates,
          w.cells,
          w.tanhCells,
          gradOutputs,
          gradHidden,
          gradCell,
          gradGates,
          batch,
          hidden,
          t,
        );
        expectClose(gradGates, wantGates, 'gradGates');
        expectClose(gradCell, wantCell, 'gradCell');
        expect(Array.from(gradHidden)).toEqual(Array.from(gradHiddenBefore));
      });
    }
  });
}
