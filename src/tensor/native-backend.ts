import type { Backend, ConvGeometry } from './backend.ts';

/**
 * The native backend: native/ (a Node-API addon) calling OpenBLAS's cblas_sgemm on the caller's
 * Float32Array memory, plus im2col/col2im, ReLU, the optimiser steps, batch norm and the LSTM tick's gate math in C++. The addon checks every size itself and throws
 * `dniflow/native: ...` rather than write out of bounds.
 *
 * Loading is lazy and guarded: nothing here touches Node's builtins until loadNativeBackend() is
 * called, and outside Node it reports "not running in Node.js" instead of throwing, so that a
 * browser bundle of src/tensor works (with the TS backend).
 */

/** The addon's raw functions, as native/src/addon.cc exports them. */
interface NativeAddon {
  /** Same contract as Backend.gemm (cblas_sgemm, row-major). */
  gemm: Backend['gemm'];
  im2col(...args: [...GeometryArgs, image: Float32Array, columns: Float32Array]): void;
  col2im(...args: [...GeometryArgs, columns: Float32Array, image: Float32Array]): void;
  relu: Backend['relu'];
  reluBackward: Backend['reluBackward'];
  adamStep(
    param: Float32Array,
    grad: Float32Array,
    m: Float32Array,
    v: Float32Array,
    beta1: number,
    beta2: number,
    eps: number,
    weightDecay: number,
    stepSize: number,
    invSqrtCorrection2: number,
  ): void;
  sgdStep(
    param: Float32Array,
    grad: Float32Array,
    momentumBuffer: Float32Array,
    lr: number,
    weightDecay: number,
    momentum: number,
    nesterov: boolean,
  ): void;
  /** Same contract as Backend.batchNormForward / batchNormBackward (positional, as there). */
  batchNormForward: Backend['batchNormForward'];
  batchNormBackward: Backend['batchNormBackward'];
  /** Same contract as Backend.lstmTickForward / lstmTickBackward (native/src/lstm.cc). */
  lstmTickForward: Backend['lstmTickForward'];
  lstmTickBackward: Backend['lstmTickBackward'];
  getThreads(): number;
  setThreads(threads: number): number;
  blasInfo(): { corename: string; config: string; procs: number };
}

/** Every function the wrapper calls: an addon built from older sources lacks some of them. */
const requiredFunctions: readonly (keyof NativeAddon)[] = [
  'gemm',
  'im2col',
  'col2im',
  'relu',
  'reluBackward',
  'adamStep',
  'sgdStep',
  'batchNormForward',
  'batchNormBackward',
  'lstmTickForward',
  'lstmTickBackward',
  'getThreads',
  'setThreads',
  'blasInfo',
];

/** channels, height, width, kernelH, kernelW, strideH, strideW, padH, padW, outH, outW. */
type GeometryArgs = [number, number, number, number, number, number, number, number, number, number, number];

export interface NativeBackend extends Backend {
  readonly name: 'native';
  /** The OpenBLAS kernel family in use (e.g. 'SkylakeX', 'Haswell'). */
  readonly blasCore: string;
  /** OpenBLAS's build description (version, threading, DYNAMIC_ARCH). */
  readonly blasConfig: string;
  /** Sets OpenBLAS's thread count (process-wide, shared by worker threads); returns the count in effect. */
  setThreads(threads: number): number;
}

export type NativeLoadResult = { readonly ok: true; readonly backend: NativeBackend } | NativeUnavailable;
export interface NativeUnavailable {
  readonly ok: false;
  readonly reason: string;
}

/** Relative to this file: src/tensor/ → native/build/Release/. */
const addonUrl = '../../native/build/Release/dniflow_native.node';

let loaded: NativeLoadResult | undefined;

/**
 * Loads the addon once per process (per worker) and wraps it as a Backend. Never throws for a
 * missing or unloadable addon (the reason is returned); does throw for a malformed
 * DNIFLOW_BLAS_THREADS, which is a configuration error the user should see.
 */
export function loadNativeBackend(): NativeLoadResult {
  loaded ??= tryLoad();
  return loaded;
}

function tryLoad(): NativeLoadResult {
  const proc = globalThis.process;
  if (proc?.versions?.node === undefined) return unavailable('not running in Node.js');
  if (typeof proc.getBuiltinModule !== 'function') {
    return unavailable(`Node ${proc.version} lacks process.getBuiltinModule (needs Node >= 20.16)`);
  }
  const { createRequire } = proc.getBuiltinModule('node:module');
  const { existsSync, readFileSync } = proc.getBuiltinModule('node:fs');
  const { fileURLToPath } = proc.getBuiltinModule('node:url');
  const path = fileURLToPath(new URL(addonUrl, import.meta.url));
  if (!existsSync(path)) {
    return unavailable(
      'addon not built: native/build/Release/dniflow_native.node is missing; run npm run build:native',
    );
  }
  preferAvx512Kernels(proc.env, proc.platform, proc.arch, () => readFileSync('/proc/cpuinfo', 'utf8'));
  let addon: NativeAddon;
  try {
    addon = createRequire(import.meta.url)(path) as NativeAddon;
  } catch (error) {
    return unavailable(`addon failed to load: ${(error as Error).message.split('\n')[0]}`);
  }
  const missing = requiredFunctions.filter((name) => typeof addon[name] !== 'function');
  if (missing.length > 0) {
    return unavailable(
      `addon is out of date (no ${missing.join(', ')}): rebuild it with npm run build:native`,
    );
  }
  const threads = parseThreads(proc.env.DNIFLOW_BLAS_THREADS);
  if (threads !== undefined) addon.setThreads(threads);
  return { ok: true, backend: wrap(addon) };
}

function unavailable(reason: string): NativeUnavailable {
  return { ok: false, reason };
}

function parseThreads(value: string | undefined): number | undefined {
  if (value === undefined || value === '') return undefined;
  const threads = Number(value);
  if (!Number.isInteger(threads) || threads < 1) {
    throw new Error(`dniflow/tensor: DNIFLOW_BLAS_THREADS must be a positive integer, got '${value}'`);
  }
  return threads;
}

/**
 * OpenBLAS reads OPENBLAS_CORETYPE when the library loads, to choose its kernels. Debian's 0.3.21
 * (and even 0.3.31) does not recognise AMD Zen 4/5 and falls back to its AVX2 'Haswell' kernels,
 * although these CPUs run its AVX-512 'SkylakeX' kernels about 1.8× faster (sgemm 2048², 2 threads,
 * measured on this project's machines). So on an AMD CPU whose kernel reports the AVX-512 subsets
 * that those kernels use, ask for them, unless the user already chose a core type. Intel CPUs with
 * AVX-512 are recognised by OpenBLAS itself and are left alone.
 * A worker thread's process.env is a private copy, so this only takes effect when the addon is
 * first loaded on the main thread (the usual case); otherwise OpenBLAS keeps its own choice.
 */
export function preferAvx512Kernels(
  env: Record<string, string | undefined>,
  platform: string,
  arch: string,
  readCpuinfo: () => string,
): boolean {
  if (env.OPENBLAS_CORETYPE !== undefined || platform !== 'linux' || arch !== 'x64') return false;
  let cpuinfo: string;
  try {
    cpuinfo = readCpuinfo();
  } catch {
    return false;
  }
  if (!/^vendor_id\s*:\s*AuthenticAMD$/m.test(cpuinfo)) return false;
  const flags = new Set(/^flags\s*:(.*)$/m.exec(cpuinfo)?.[1]?.trim().split(/\s+/) ?? []);
  const needed = ['avx512f', 'avx512cd', 'avx512bw', 'avx512dq', 'avx512vl'];
  if (!needed.every((flag) => flags.has(flag))) return false;
  env.OPENBLAS_CORETYPE = 'SkylakeX';
  return true;
}

function wrap(addon: NativeAddon): NativeBackend {
  const info = addon.blasInfo();
  return {
    name: 'native',
    get threads() {
      return addon.getThreads();
    },
    blasCore: info.corename,
    blasConfig: info.config,
    setThreads: (threads) => addon.setThreads(threads),
    // The addon's functions ignore `this`, so they are used as they are: no extra JS frame per call.
    gemm: addon.gemm,
    relu: addon.relu,
    reluBackward: addon.reluBackward,
    batchNormForward: addon.batchNormForward,
    batchNormBackward: addon.batchNormBackward,
    lstmTickForward: addon.lstmTickForward,
    lstmTickBackward: addon.lstmTickBackward,
    // The step scalars travel as plain numbers (reading an object's properties from C++ costs more).
    adamStep: (param, grad, m, v, s) =>
      addon.adamStep(
        param,
        grad,
        m,
        v,
        s.beta1,
        s.beta2,
        s.eps,
        s.weightDecay,
        s.stepSize,
        s.invSqrtCorrection2,
      ),
    sgdStep: (param, grad, momentumBuffer, s) =>
      addon.sgdStep(param, grad, momentumBuffer, s.lr, s.weightDecay, s.momentum, s.nesterov),
    // Geometry goes as plain integers (cheaper for the addon than property reads, no allocation).
    im2col: (g: ConvGeometry, image, columns) =>
      addon.im2col(
        g.channels,
        g.height,
        g.width,
        g.kernelH,
        g.kernelW,
        g.strideH,
        g.strideW,
        g.padH,
        g.padW,
        g.outH,
        g.outW,
        image,
        columns,
      ),
    col2im: (g: ConvGeometry, columns, image) =>
      addon.col2im(
        g.channels,
        g.height,
        g.width,
        g.kernelH,
        g.kernelW,
        g.strideH,
        g.strideW,
        g.padH,
        g.padW,
        g.outH,
        g.outW,
        columns,
        image,
      ),
  };
}
