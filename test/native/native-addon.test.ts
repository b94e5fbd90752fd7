import { describe, expect, it } from 'vitest';
import { convGeometry } from '../../src/tensor/backend.ts';
import { loadNativeBackend } from '../../src/tensor/native-backend.ts';
import { tsBackend } from '../../src/tensor/ts-backend.ts';
import { uniformTensor } from '../helpers/random.ts';

// The addon's own guarantees: zero-copy on views, no write outside the stated matrix, and a
// `dniflow/native:` error (with nothing written) for any size that does not fit.
const native = loadNativeBackend();
const title = native.ok ? 'native addon' : `native addon (skipped: ${native.reason})`;

if (process.env.DNIFLOW_REQUIRE_NATIVE === '1') {
  it('is built and loads (DNIFLOW_REQUIRE_NATIVE=1)', () => {
    expect(native.ok ? 'loaded' : native.reason).toBe('loaded');
  });
}

function random(length: number, seed: number): Float32Array {
  return uniformTensor([length], seed).data;
}

/** Float64 reference for row-major C = alpha op(A) op(B) + beta C. */
function referenceGemm(
  transA: boolean,
  transB: boolean,
  m: number,
  n: number,
  k: number,
  alpha: number,
  a: Float32Array,
  lda: number,
  b: Float32Array,
  ldb: number,
  beta: number,
  c: Float32Array,
  ldc: number,
): void {
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let sum = 0;
      for (let p = 0; p < k; p++) {
        sum += (transA ? a[p * lda + i] : a[i * lda + p]) * (transB ? b[j * ldb + p] : b[p * ldb + j]);
      }
      const at = i * ldc + j;
      c[at] = alpha * sum + (beta === 0 ? 0 : beta * c[at]);
    }
  }
}

describe.skipIf(!native.ok)(title, () => {
  const backend = native.ok ? native.backend : tsBackend;

  it('computes on subarray views in place, touching only the stated C elements', () => {
    for (const [transA, transB] of [
      [false, false],
      [true, false],
      [false, true],
      [true, true],
    ] as const) {
      const m = 5;
      const n = 7;
      const k = 6;
      const lda = (transA ? m : k) + 3;
      const ldb = (transB ? k : n) + 2;
      const ldc = n + 4;
      const aRows = transA ? k : m;
      const bRows = transB ? n : k;
      // Views that start mid-buffer (byteOffset != 0) and stop short of its end.
      const aStore = random(aRows * lda + 20, 1);
      const bStore = random(bRows * ldb + 20, 2);
      const cStore = random(m * ldc + 20, 3);
      const a = aStore.subarray(7, 7 + aRows * lda);
      const b = bStore.subarray(9, 9 + bRows * ldb);
      const c = cStore.subarray(11, 11 + m * ldc);
      const expected = Float32Array.from(cStore);
      referenceGemm(transA, transB, m, n, k, 0.5, a, lda, b, ldb, -2, expected.subarray(11), ldc);
      backend.gemm(transA, transB, m, n, k, 0.5, a, lda, b, ldb, -2, c, ldc);
      for (let i = 0; i < cStore.length; i++) {
        expect(cStore[i], `C store[${i}] (transA ${transA}, transB ${transB})`).toBeCloseTo(expected[i], 4);
      }
    }
  });

  it('with k = 0 scales C by beta, and beta = 0 overwrites NaN', () => {
    const c = Float32Array.from([1, 2, Number.NaN, 4]);
    backend.gemm(false, false, 2, 2, 0, 1, new Float32Array(0), 1, new Float32Array(0), 2, 3, c, 2);
    expect(Array.from(c.subarray(0, 2))).toEqual([3, 6]);
    backend.gemm(false, false, 2, 2, 0, 1, new Float32Array(0), 1, new Float32Array(0), 2, 0, c, 2);
    expect(Array.from(c)).toEqual([0, 0, 0, 0]);
    const nan = new Float32Array(4).fill(Number.NaN);
    backend.gemm(
      false,
      false,
      2,
      2,
      1,
      1,
      Float32Array.from([1, 2]),
      1,
      Float32Array.from([3, 4]),
      2,
      0,
      nan,
      2,
    );
    expect(Array.from(nan)).toEqual([3, 4, 6, 8]);
  });

  const cases: [string, () => void, RegExp][] = [
    [
      'A too short',
      () => gemmCall({ a: new Float32Array(5) }),
      /gemm: a has 5 elements but A \(stored m×k\)/,
    ],
    [
      'B too short',
      () => gemmCall({ b: new Float32Array(11) }),
      /gemm: b has 11 elements but B \(stored k×n\)/,
    ],
    ['C too short', () => gemmCall({ c: new Float32Array(5) }), /gemm: c has 5 elements/],
    ['C view too short', () => gemmCall({ c: new Float32Array(12).subarray(7) }), /c has 5 elements/],
    ['lda below k', () => gemmCall({ lda: 2 }), /lda 2 is less than the row length 3 of A \(stored m×k\)/],
    [
      'lda below m when transposed',
      () => gemmCall({ transA: true, lda: 1 }),
      /lda 1 .* A \(stored k×m, transA\)/,
    ],
    ['ldb below n', () => gemmCall({ ldb: 3 }), /ldb 3 is less than the row length 4/],
    ['ldc below n', () => gemmCall({ ldc: 0 }), /ldc must be an integer in \[1,/],
    ['a stride that overruns', () => gemmCall({ lda: 4 }), /a has 6 elements but .* needs 7/],
    ['fractional m', () => gemmCall({ m: 1.5 }), /m must be an integer/],
    ['negative n', () => gemmCall({ n: -1 }), /n must be an integer in \[0,/],
    ['NaN k', () => gemmCall({ k: Number.NaN }), /k must be an integer/],
    ['m beyond int32', () => gemmCall({ m: 2 ** 31 }), /m must be an integer/],
    [
      'a Float64Array',
      () => gemmCall({ a: new Float64Array(6) as unknown as Float32Array }),
      /a must be a Float32Array/,
    ],
    [
      'C aliasing A',
      () => gemmCall({ a: overlapping.subarray(0, 6), c: overlapping.subarray(4) }),
      /c overlaps a in memory/,
    ],
  ];
  const sharedA = new Float32Array(6);
  const overlapping = new Float32Array(12);

  /** A valid 2×4 = (2×3)(3×4) call with one argument replaced. */
  function gemmCall(
    change: Partial<{
      transA: boolean;
      m: number;
      n: number;
      k: number;
      a: Float32Array;
      lda: number;
      b: Float32Array;
      ldb: number;
      c: Float32Array;
      ldc: number;
    }>,
  ): void {
    const transA = change.transA ?? false;
    backend.gemm(
      transA,
      false,
      change.m ?? 2,
      change.n ?? 4,
      change.k ?? 3,
      1,
      change.a ?? sharedA,
      change.lda ?? (transA ? 2 : 3),
      change.b ?? new Float32Array(12),
      change.ldb ?? 4,
      0,
      change.c ?? new Float32Array(8),
      change.ldc ?? 4,
    );
  }

  it.each(cases)('rejects %s with a dniflow/native error', (_name, call, message) => {
    expect(call).toThrow(/^dniflow\/native: /);
    expect(call).toThrow(message);
  });

  it('writes nothing when it rejects a call', () => {
    const c = new Float32Array(8).fill(7);
    expect(() =>
      backend.gemm(false, false, 2, 4, 3, 1, new Float32Array(6), 3, new Float32Array(11), 4, 0, c, 4),
    ).toThrow(/b has 11 elements/);
    expect(Array.from(c)).toEqual(new Array(8).fill(7));
  });

  it('checks the argument count', () => {
    const gemm = backend.gemm as unknown as (...args: unknown[]) => void;
    expect(() => gemm(false, false, 1, 1, 1)).toThrow('dniflow/native: gemm: expects 13 arguments, got 5');
  });

  it('im2col and col2im match the TypeScript kernels on views', () => {
    for (const g of [
      convGeometry(3, 7, 6, 3, 1, 1),
      convGeometry(2, 9, 8, [3, 2], [2, 3], [1, 2]),
      convGeometry(1, 5, 5, 5, 1, 0),
      convGeometry(2, 4, 4, 3, 2, 2),
    ]) {
      const imageSize = g.channels * g.height * g.width;
      const columnsSize = g.channels * g.kernelH * g.kernelW * g.outH * g.outW;
      const image = random(imageSize + 3, 4).subarray(3);
      const expectedColumns = new Float32Array(columnsSize).fill(9);
      const columns = new Float32Array(columnsSize + 5).fill(9).subarray(2, 2 + columnsSize);
      tsBackend.im2col(g, image, expectedColumns);
      backend.im2col(g, image, columns);
      expect(Array.from(columns)).toEqual(Array.from(expectedColumns));

      const grads = random(columnsSize, 5);
      const expectedImage = random(imageSize, 6);
      const imageStore = new Float32Array(imageSize + 4);
      imageStore.set(expectedImage, 1);
      tsBackend.col2im(g, grads, expectedImage);
      backend.col2im(g, grads, imageStore.subarray(1, 1 + imageSize));
      expect(imageStore[0]).toBe(0);
      expect(Array.from(imageStore.subarray(1 + imageSize))).toEqual([0, 0, 0]);
      const got = imageStore.subarray(1, 1 + imageSize);
      for (let i = 0; i < imageSize; i++) expect(got[i]).toBeCloseTo(expectedImage[i], 5);
    }
  });

  it('rejects conv buffers that are too small and geometries that do not add up', () => {
    const g = convGeometry(2, 5, 5, 3, 1, 1);
    const image = new Float32Array(50);
    const columns = new Float32Array(2 * 9 * 25);
    expect(() => backend.im2col(g, image, columns.subarray(1))).toThrow(
      'dniflow/native: im2col: columns has 449 elements but columns [C*kh*kw, outH*outW] needs 450',
    );
    expect(() => backend.im2col(g, image.subarray(1), columns)).toThrow(/im2col: image has 49 elements/);
    expect(() => backend.col2im(g, columns, image.subarray(2))).toThrow(/col2im: image has 48 elements/);
    expect(() => backend.im2col({ ...g, outH: 6 }, image, columns)).toThrow(
      /im2col: geometry output 6x5 does not match/,
    );
    expect(() => backend.im2col({ ...g, strideW: 0 }, image, columns)).toThrow(
      /im2col: strideW must be an integer in \[1,/,
    );
    expect(() => backend.col2im(g, columns, columns.subarray(0, 50))).toThrow(
      /col2im: image overlaps columns/,
    );
  });

  it('sets and reports the BLAS thread count, and rejects a non-positive one', () => {
    if (!native.ok) return;
    const before = native.backend.threads;
    expect(native.backend.setThreads(1)).toBe(1);
    expect(native.backend.threads).toBe(1);
    expect(native.backend.setThreads(before)).toBe(before);
    expect(() => native.backend.setThreads(0)).toThrow(
      'dniflow/native: setThreads: threads must be an integer in [1,',
    );
    expect(native.backend.blasConfig).toMatch(/OpenBLAS/);
  });
});
