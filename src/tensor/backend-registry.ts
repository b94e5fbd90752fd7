import type { Backend } from './backend.ts';
import { loadNativeBackend, type NativeBackend } from './native-backend.ts';
import { tsBackend } from './ts-backend.ts';

/**
 * Which backend every layer computes with. Chosen on first use:
 * - DNIFLOW_BACKEND=ts      the portable TypeScript kernels;
 * - DNIFLOW_BACKEND=native  the OpenBLAS addon, or an error saying why it is unavailable;
 * - unset (or 'auto')       native when the addon is built and loads, TypeScript otherwise.
 * setBackend() overrides the choice (tests, benchmarks, a worker that wants a specific one).
 */
let active: Backend | undefined;
/** Why the TypeScript backend is active, when it is. */
let tsReason: string | undefined;

/** The backend every layer computes with. */
export function backend(): Backend {
  active ??= selectBackend();
  return active;
}

export function setBackend(next: Backend): void {
  active = next;
  tsReason = next.name === 'ts' ? 'selected by setBackend()' : undefined;
}

export interface BackendInfo {
  readonly name: Backend['name'];
  /** BLAS threads of the active backend (1 for the TypeScript backend). */
  readonly threads: number;
  /** Whether the native addon is built and loads in this process. */
  readonly nativeAvailable: boolean;
  /** Why the native backend is not in use (absent when it is). */
  readonly reason?: string;
  /** OpenBLAS kernel family and build, when the native backend is active. */
  readonly blasCore?: string;
  readonly blasConfig?: string;
}

/**
 * What `dniflow info` prints: the active backend and, if it is the TypeScript one, why.
 * Throws like backend() does when DNIFLOW_BACKEND asks for something that cannot be had.
 */
export function backendInfo(): BackendInfo {
  const current = backend();
  const native = loadNativeBackend();
  const info = { name: current.name, threads: current.threads, nativeAvailable: native.ok };
  if (isNativeBackend(current)) {
    return { ...info, blasCore: current.blasCore, blasConfig: current.blasConfig };
  }
  if (current.name === 'native') return info;
  return { ...info, reason: tsReason ?? (native.ok ? 'native backend not selected' : native.reason) };
}

/**
 * Sets the BLAS thread count of the active backend and returns the count in effect. OpenBLAS's count
 * is process-wide (worker threads included); the TypeScript backend is single-threaded and returns 1.
 */
export function setBackendThreads(threads: number): number {
  if (!Number.isInteger(threads) || threads < 1) {
    throw new Error(`dniflow/tensor: backend thread count must be a positive integer, got ${threads}`);
  }
  const current = backend();
  return isNativeBackend(current) ? current.setThreads(threads) : current.threads;
}

function isNativeBackend(candidate: Backend): candidate is NativeBackend {
  return (
    candidate.name === 'native' && typeof (candidate as Partial<NativeBackend>).setThreads === 'function'
  );
}

function selectBackend(): Backend {
  const requested = globalThis.process?.env?.DNIFLOW_BACKEND ?? '';
  if (requested === 'ts') {
    tsReason = 'selected by DNIFLOW_BACKEND=ts';
    return tsBackend;
  }
  if (requested !== 'native' && requested !== 'auto' && requested !== '') {
    throw new Error(`dniflow/tensor: DNIFLOW_BACKEND must be 'ts', 'native' or 'auto', got '${requested}'`);
  }
  const native = loadNativeBackend();
  if (native.ok) return native.backend;
  if (requested === 'native') {
    throw new Error(
      `dniflow/tensor: DNIFLOW_BACKEND=native, but the native backend is unavailable: ${native.reason}`,
    );
  }
  tsReason = native.reason;
  return tsBackend;
}
