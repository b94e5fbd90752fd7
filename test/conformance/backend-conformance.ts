/**
 * The conformance suite every Backend must pass (in the spirit of graphology's specs(Impl)): call
 * describeBackendConformance(name, getBackend) from a *.test.ts file. Results are compared with float64
 * references at fixed tolerances, so a backend may sum in any order (blocked, FMA, threaded) but may
 * not be wrong. Keep it backend-agnostic: nothing here may depend on how the TS backend works.
 */
import { describe, expect, it } from 'vitest';
import { type Backend, type ConvGeometry, convGeometry } from '../../src/tensor/backend.ts';
import { Prng } from '../../src/tensor/prng.ts';
import { describeBatchNormConformance } from './batch-norm-conformance.ts';
import { describeLstmConformance } from './lstm-conformance.ts';
import { describeOptimizerConformance } from './optimizer-conformance.ts';
import { describeReluConformance } from './relu-conformance.ts';

/**
 * Allowed |ours − reference| for each entry of C, relative to the entry's magnitude bound
 * |alpha| Σ_p |op(A)_ip op(B)_pj| + |beta C_ij|. Float32 summation of k ≤ 300 terms stays far below it;
 * any indexing error is of order 1 on this scale.
 */
const GEMM_RELATIVE_TOLERANCE = 1e-4;
/** The same for im2col/col2im sums (their only rounding is in the float32 accumulation of col2im). */
const CONV_RELATIVE_TOLERANCE = 1e-5;

interface GemmCase {
  transA: boolean;
  transB: boolean;
  m: number;
  n: number;
  k: number;
  alpha: number;
  beta: number;
  /** Extra columns beyond the stored width (filled with NaN: they must never be read or written). */
  padA?: number;
  padB?: number;
  padC?: number;
  /** Values before each operand inside a larger buffer (exercises subarray byteOffset). */
  offset?: number;
  /** Fill C with NaN before the call (only meaningful with beta = 0). */
  nanC?: boolean;
}

interface GemmOperands {
  a: Float32Array;
  b: Float32Array;
  c: Float32Array;
  lda: number;
  ldb: number;
  ldc: number;
}

/** A rows×cols matrix stored with row stride cols + pad, as a view at `offset` into a NaN-filled buffer. */
function paddedMatrix(prng: Prng, rows: number, cols: number, pad: number, offset: number) {
  const stride = cols + pad;
  const buffer = new Float32Array(offset + rows * stride + pad + 3).fill(Number.NaN);
  const view = buffer.subarray(offset, offset + Math.max(0, rows * stride - pad));
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) view[r * stride + c] = prng.uniform() * 2 - 1;
  }
  return { buffer, view, stride };
}

function makeOperands(prng: Prng, t: GemmCase): GemmOperands & { cBuffer: Float32Array } {
  const offset = t.offset ?? 0;
  const a = paddedMatrix(prng, t.transA ? t.k : t.m, t.transA ? t.m : t.k, t.padA ?? 0, offset);
  const b = paddedMatrix(prng, t.transB ? t.n : t.k, t.transB ? t.k : t.n, t.padB ?? 0, offset);
  const c = paddedMatrix(prng, t.m, t.n, t.padC ?? 0, offset);
  if (t.nanC) {
    for (let i = 0; i < t.m; i++) c.view.fill(Number.NaN, i * c.stride, i * c.stride + t.n);
  }
  return { a: a.view, b: b.view, c: c.view, lda: a.stride, ldb: b.stride, ldc: c.stride, cBuffer: c.buffer };
}

/** Float64 reference of C and the per-entry magnitude bound the tolerance is relative to. */
function referenceGemm(t: GemmCase, o: GemmOperands): { value: Float64Array; scale: Float64Array } {
  const value = new Float64Array(t.m * t.n);
  const scale = new Float64Array(t.m * t.n);
  for (let i = 0; i < t.m; i++) {
    for (let j = 0; j < t.n; j++) {
      let sum = 0;
      let magnitude = 0;
      for (let p = 0; p < t.k; p++) {
        const av = t.transA ? o.a[p * o.lda + i] : o.a[i * o.lda + p];
        const bv = t.transB ? o.b[j * o.ldb + p] : o.b[p * o.ldb + j];
        sum += av * bv;
        magnitude += Math.abs(av * bv);
      }
      const old = o.c[i * o.ldc + j];
      value[i * t.n + j] = t.beta === 0 ? t.alpha * sum : t.alpha * sum + t.beta * old;
      scale[i * t.n + j] =
        Math.abs(t.alpha) * magnitude + (t.beta === 0 ? 0 : Math.abs(t.beta * old)) + 1e-30;
    }
  }
  return { value, scale };
}

function checkGemm(getBackend: () => Backend, t: GemmCase, seed: number): void {
  const prng = new Prng(seed, 'gemm-conformance');
  const operands = makeOperands(prng, t);
  const before = operands.cBuffer.slice();
  const expected = referenceGemm(t, operands);
  const { a, b, c, lda, ldb, ldc } = operands;
  getBackend().gemm(t.transA, t.transB, t.m, t.n, t.k, t.alpha, a, lda, b, ldb, t.beta, c, ldc);

  let worst = 0;
  let worstAt = '';
  for (let i = 0; i < t.m; i++) {
    for (let j = 0; j < t.n; j++) {
      const got = c[i * ldc + j];
      const error = Math.abs(got - expected.value[i * t.n + j]) / expected.scale[i * t.n + j];
      // NaN must fail: a NaN error never compares greater, so test for it explicitly.
      if (!(error <= worst)) {
        worst = Number.isNaN(error) ? Number.POSITIVE_INFINITY : error;
        worstAt = `C[${i},${j}] = ${got}, expected ${expected.value[i * t.n + j]}`;
      }
    }
  }
  expect(worst, worstAt).toBeLessThanOrEqual(GEMM_RELATIVE_TOLERANCE);

  // Nothing outside the m×n window of C (padding columns, the buffer around the view) may change.
  const offset = c.byteOffset / 4;
  for (let index = 0; index < before.length; index++) {
    const inside = index - offset;
    const row = Math.floor(inside / ldc);
    const col = inside - row * ldc;
    if (inside >= 0 && row < t.m && col < t.n) continue;
    if (!Object.is(operands.cBuffer[index], before[index])) {
      expect.fail(`gemm wrote outside C's window at buffer index ${index} (row ${row}, column ${col})`);
    }
  }
}

const TRANSPOSES: ReadonlyArray<readonly [boolean, boolean]> = [
  [false, false],
  [true, false],
  [false, true],
  [true, true],
];
const SIZES: ReadonlyArray<readonly [number, number, number]> = [
  [1, 1, 1],
  [7, 13, 5],
  [33, 65, 17],
  [4, 4, 4],
  [5, 3, 300],
  [2, 37, 300],
  [200, 1, 50],
  [130, 257, 71],
];

function label(t: GemmCase): string {
  const ops = `${t.transA ? 'Aᵀ' : 'A'}·${t.transB ? 'Bᵀ' : 'B'}`;
  return `${ops} ${t.m}×${t.n}×${t.k} alpha=${t.alpha} beta=${t.beta}`;
}

/** Direct convolution of one image with weights [filters, C·kh·kw], straight from the definition. */
function directConvolution(g: ConvGeometry, image: Float32Array, weights: Float32Array, filters: number) {
  const out = new Float64Array(filters * g.outH * g.outW);
  for (let f = 0; f < filters; f++) {
    for (let oy = 0; oy < g.outH; oy++) {
      for (let ox = 0; ox < g.outW; ox++) {
        let sum = 0;
        for (let c = 0; c < g.channels; c++) {
          for (let ky = 0; ky < g.kernelH; ky++) {
            for (let kx = 0; kx < g.kernelW; kx++) {
              const y = oy * g.strideH - g.padH + ky;
              const x = ox * g.strideW - g.padW + kx;
              if (y < 0 || y >= g.height || x < 0 || x >= g.width) continue;
              const w =
                weights[f * g.channels * g.kernelH * g.kernelW + (c * g.kernelH + ky) * g.kernelW + kx];
              sum += w * image[(c * g.height + y) * g.width + x];
            }
          }
        }
        out[(f * g.outH + oy) * g.outW + ox] = sum;
      }
    }
  }
  return out;
}

const GEOMETRIES: ReadonlyArray<readonly [string, ConvGeometry]> = [
  ['1×1 kernel', convGeometry(3, 5, 4, 1)],
  ['3×3 same padding', convGeometry(2, 7, 9, 3, 1, 1)],
  ['5×5 stride 2 pad 2', convGeometry(3, 11, 10, 5, 2, 2)],
  ['3×2 kernel, stride 2×1, pad 1×0', convGeometry(2, 6, 7, [3, 2], [2, 1], [1, 0])],
  ['kernel covering the whole padded image', convGeometry(1, 3, 3, 5, 1, 1)],
  ['MNIST-like 1×28×28, 5×5 pad 2', convGeometry(1, 28, 28, 5, 1, 2)],
];

function columnsSize(g: ConvGeometry): number {
  return g.channels * g.kernelH * g.kernelW * g.outH * g.outW;
}

export function describeBackendConformance(name: string, getBackend: () => Backend): void {
  describe(`backend conformance: ${name}`, () => {
    describe('gemm', () => {
      let seed = 1;
      for (const [transA, transB] of TRANSPOSES) {
        for (const [m, n, k] of SIZES) {
          for (const [alpha, beta] of [
            [1, 0],
            [1.5, 0.5],
            [-0.75, 1],
          ] as const) {
            const t: GemmCase = { transA, transB, m, n, k, alpha, beta };
            const caseSeed = seed++;
            it(label(t), () => checkGemm(getBackend, t, caseSeed));
          }
        }
      }

      for (const [transA, transB] of TRANSPOSES) {
        it(`beta = 0 overwrites a NaN-filled C (${transA ? 'Aᵀ' : 'A'}·${transB ? 'Bᵀ' : 'B'})`, () => {
          checkGemm(getBackend, { transA, transB, m: 33, n: 65, k: 17, alpha: 2, beta: 0, nanC: true }, 100);
        });

        it(`honours lda/ldb/ldc with NaN padding columns and subarray byteOffsets (${transA ? 'Aᵀ' : 'A'}·${transB ? 'Bᵀ' : 'B'})`, () => {
          const base = { transA, transB, alpha: 1.25, beta: -0.5, padA: 3, padB: 5, padC: 2, offset: 7 };
          checkGemm(getBackend, { ...base, m: 7, n: 13, k: 5 }, 200);
          checkGemm(getBackend, { ...base, m: 130, n: 257, k: 71 }, 201);
          checkGemm(getBackend, { ...base, m: 1, n: 1, k: 1, beta: 0, nanC: true }, 202);
        });
      }

      it('the FCN shapes at batch 256 (forward, dW = Xᵀ·dY, dX = dY·Wᵀ)', () => {
        checkGemm(
          getBackend,
          { transA: false, transB: false, m: 256, n: 256, k: 784, alpha: 1, beta: 0 },
          300,
        );
        checkGemm(
          getBackend,
          { transA: true, transB: false, m: 784, n: 256, k: 256, alpha: 1, beta: 1 },
          301,
        );
        checkGemm(
          getBackend,
          { transA: false, transB: true, m: 256, n: 784, k: 256, alpha: 1, beta: 0 },
          302,
        );
        checkGemm(
          getBackend,
          { transA: false, transB: false, m: 256, n: 10, k: 256, alpha: 1, beta: 0 },
          303,
        );
      });

      it('k = 0 scales C by beta (beta = 0 zeroes it, even over NaN)', () => {
        const c = Float32Array.from([1, 2, 3, 4]);
        getBackend().gemm(false, false, 2, 2, 0, 1, new Float32Array(0), 1, new Float32Array(0), 2, 3, c, 2);
        expect(Array.from(c)).toEqual([3, 6, 9, 12]);
        c.fill(Number.NaN);
        getBackend().gemm(false, false, 2, 2, 0, 1, new Float32Array(0), 1, new Float32Array(0), 2, 0, c, 2);
        expect(Array.from(c)).toEqual([0, 0, 0, 0]);
      });

      it('alpha = 0 gives beta·C', () => {
        const a = Float32Array.from([1, 2, 3, 4]);
        const c = Float32Array.from([1, -1, 2, -2]);
        getBackend().gemm(false, false, 2, 2, 2, 0, a, 2, a, 2, 0.5, c, 2);
        expect(Array.from(c)).toEqual([0.5, -0.5, 1, -1]);
      });

      it('m = 0 or n = 0 touches nothing', () => {
        const c = Float32Array.from([Number.NaN]);
        getBackend().gemm(
          false,
          false,
          0,
          1,
          1,
          1,
          new Float32Array(0),
          1,
          Float32Array.from([1]),
          1,
          0,
          c,
          1,
        );
        getBackend().gemm(
          false,
          false,
          1,
          0,
          1,
          1,
          Float32Array.from([1]),
          1,
          new Float32Array(0),
          1,
          0,
          c,
          1,
        );
        expect(Number.isNaN(c[0])).toBe(true);
      });

      it('rejects operands too short for their sizes and leading dimensions (instead of reading past them)', () => {
        const backend = getBackend();
        const gemm: Backend['gemm'] = (...args) => backend.gemm(...args);
        const ok = new Float32Array(16);
        expect(() =>
          gemm(false, false, 4, 4, 4, 1, new Float32Array(15), 4, ok, 4, 0, ok.slice(), 4),
        ).toThrow(/dniflow/);
        expect(() => gemm(false, true, 4, 4, 4, 1, ok, 4, new Float32Array(12), 4, 0, ok.slice(), 4)).toThrow(
          /dniflow/,
        );
        expect(() => gemm(false, false, 4, 4, 4, 1, ok, 4, ok, 4, 0, new Float32Array(16), 5)).toThrow(
          /dniflow/,
        );
        expect(() => gemm(false, false, 4, 4, 4, 1, ok, 3, ok, 4, 0, ok.slice(), 4)).toThrow(/dniflow/);
      });
    });

    describe('im2col / col2im', () => {
      GEOMETRIES.forEach(([geometryName, g], index) => {
        it(`im2col matches the definition and a direct convolution: ${geometryName}`, () => {
          const prng = new Prng(10 + index, 'im2col-conformance');
          const image = prng.fillUniform(new Float32Array(g.channels * g.height * g.width), -1, 1);
          const columns = new Float32Array(columnsSize(g)).fill(Number.NaN);
          getBackend().im2col(g, image, columns);

          const plane = g.outH * g.outW;
          for (let c = 0; c < g.channels; c++) {
            for (let ky = 0; ky < g.kernelH; ky++) {
              for (let kx = 0; kx < g.kernelW; kx++) {
                const row = (c * g.kernelH + ky) * g.kernelW + kx;
                for (let oy = 0; oy < g.outH; oy++) {
                  for (let ox = 0; ox < g.outW; ox++) {
                    const y = oy * g.strideH - g.padH + ky;
                    const x = ox * g.strideW - g.padW + kx;
                    const inside = y >= 0 && y < g.height && x >= 0 && x < g.width;
                    const expected = inside ? image[(c * g.height + y) * g.width + x] : 0;
                    const got = columns[row * plane + oy * g.outW + ox];
                    if (!Object.is(got, expected) && !(got === 0 && expected === 0)) {
                      expect.fail(`columns[${row}, ${oy * g.outW + ox}] = ${got}, expected ${expected}`);
                    }
                  }
                }
              }
            }
          }

          // Convolution as weights · columns, through the backend's own gemm.
          const filters = 4;
          const depth = g.channels * g.kernelH * g.kernelW;
          const weights = prng.fillUniform(new Float32Array(filters * depth), -1, 1);
          const out = new Float32Array(filters * plane);
          getBackend().gemm(
            false,
            false,
            filters,
            plane,
            depth,
            1,
            weights,
            depth,
            columns,
            plane,
            0,
            out,
            plane,
          );
          const expected = directConvolution(g, image, weights, filters);
          for (let i = 0; i < out.length; i++) {
            expect(Math.abs(out[i] - expected[i]), `output ${i}`).toBeLessThanOrEqual(
              GEMM_RELATIVE_TOLERANCE * depth,
            );
          }
        });

        it(`col2im is the adjoint of im2col and accumulates: ${geometryName}`, () => {
          const prng = new Prng(50 + index, 'col2im-conformance');
          const image = prng.fillUniform(new Float32Array(g.channels * g.height * g.width), -1, 1);
          const y = prng.fillUniform(new Float32Array(columnsSize(g)), -1, 1);
          const columns = new Float32Array(columnsSize(g));
          getBackend().im2col(g, image, columns);
          const start = prng.fillUniform(new Float32Array(image.length), -1, 1);
          const back = start.slice();
          getBackend().col2im(g, y, back);

          // <im2col(x), y> = <x, col2im(y)>, where col2im(y) is what col2im added onto `start`.
          let left = 0;
          let right = 0;
          let scale = 0;
          for (let i = 0; i < columns.length; i++) {
            left += columns[i] * y[i];
            scale += Math.abs(columns[i] * y[i]);
          }
          for (let i = 0; i < image.length; i++) right += image[i] * (back[i] - start[i]);
          expect(Math.abs(left - right)).toBeLessThanOrEqual(CONV_RELATIVE_TOLERANCE * (scale + 1));

          // Each pixel receives exactly the column entries that im2col copied it to.
          const counts = new Float32Array(image.length);
          const ones = new Float32Array(columnsSize(g)).fill(1);
          getBackend().col2im(g, ones, counts);
          const marks = new Float32Array(columnsSize(g));
          const probe = new Float32Array(image.length);
          for (let pixel = 0; pixel < image.length; pixel += Math.max(1, Math.floor(image.length / 7))) {
            probe.fill(0);
            probe[pixel] = 1;
            getBackend().im2col(g, probe, marks);
            let copies = 0;
            for (let i = 0; i < marks.length; i++) copies += marks[i];
            expect(counts[pixel], `pixel ${pixel}`).toBe(copies);
          }
        });
      });
    });

    describeReluConformance(getBackend);
    describeOptimizerConformance(getBackend);
    describeBatchNormConformance(getBackend);
    describeLstmConformance(getBackend);
  });
}
