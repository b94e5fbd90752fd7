import { afterEach, describe, expect, it, vi } from 'vitest';
import { loadNativeBackend, preferAvx512Kernels } from '../../src/tensor/native-backend.ts';

// The registry chooses once per module instance, from the environment: each test sets the
// environment, then imports a fresh copy of the registry.
const registryPath = '../../src/tensor/backend-registry.ts';
const initial = loadNativeBackend();
const saved = { backend: process.env.DNIFLOW_BACKEND, threads: process.env.DNIFLOW_BLAS_THREADS };

function setEnv(name: 'DNIFLOW_BACKEND' | 'DNIFLOW_BLAS_THREADS', value: string | undefined): void {
  if (value === undefined) delete process.env[name];
  else process.env[name] = value;
}

async function freshRegistry(): Promise<typeof import('../../src/tensor/backend-registry.ts')> {
  vi.resetModules();
  return import(registryPath);
}

afterEach(() => {
  setEnv('DNIFLOW_BACKEND', saved.backend);
  setEnv('DNIFLOW_BLAS_THREADS', saved.threads);
  vi.doUnmock('../../src/tensor/native-backend.ts');
});

describe('backend selection', () => {
  it('DNIFLOW_BACKEND=ts selects the TypeScript backend and says why', async () => {
    setEnv('DNIFLOW_BACKEND', 'ts');
    const registry = await freshRegistry();
    expect(registry.backend().name).toBe('ts');
    const info = registry.backendInfo();
    expect(info).toMatchObject({ name: 'ts', threads: 1, reason: 'selected by DNIFLOW_BACKEND=ts' });
    expect(typeof info.nativeAvailable).toBe('boolean');
    expect(registry.setBackendThreads(2)).toBe(1);
  });

  it('by default uses the native backend when it loads, else TS with the reason', async () => {
    setEnv('DNIFLOW_BACKEND', undefined);
    const registry = await freshRegistry();
    const info = registry.backendInfo();
    if (info.nativeAvailable) {
      expect(info.name).toBe('native');
      expect(info.reason).toBeUndefined();
      expect(info.threads).toBeGreaterThanOrEqual(1);
      expect(info.blasConfig).toMatch(/OpenBLAS/);
    } else {
      expect(info.name).toBe('ts');
      expect(info.reason).toMatch(/\S/);
    }
  });

  it('rejects an unknown DNIFLOW_BACKEND', async () => {
    setEnv('DNIFLOW_BACKEND', 'gpu');
    const registry = await freshRegistry();
    expect(() => registry.backend()).toThrow(
      "dniflow/tensor: DNIFLOW_BACKEND must be 'ts', 'native' or 'auto', got 'gpu'",
    );
  });

  it('DNIFLOW_BACKEND=native names why the addon is unavailable', async () => {
    vi.doMock('../../src/tensor/native-backend.ts', () => ({
      loadNativeBackend: () => ({ ok: false, reason: 'addon not built: test stand-in' }),
    }));
    setEnv('DNIFLOW_BACKEND', 'native');
    const registry = await freshRegistry();
    expect(() => registry.backend()).toThrow(
      'dniflow/tensor: DNIFLOW_BACKEND=native, but the native backend is unavailable: addon not built: test stand-in',
    );
    setEnv('DNIFLOW_BACKEND', undefined);
    const fallback = await freshRegistry();
    expect(fallback.backendInfo()).toMatchObject({
      name: 'ts',
      nativeAvailable: false,
      reason: 'addon not built: test stand-in',
    });
  });

  it('setBackend overrides the choice and backendInfo reports it', async () => {
    setEnv('DNIFLOW_BACKEND', undefined);
    const registry = await freshRegistry();
    const { tsBackend } = await import('../../src/tensor/ts-backend.ts');
    registry.setBackend(tsBackend);
    expect(registry.backend()).toBe(tsBackend);
    expect(registry.backendInfo().reason).toBe('selected by setBackend()');
    expect(() => registry.setBackendThreads(0)).toThrow(
      'dniflow/tensor: backend thread count must be a positive integer',
    );
  });

  it.skipIf(!initial.ok)(
    'DNIFLOW_BLAS_THREADS sets the native thread count; a malformed one is an error',
    async () => {
      if (!initial.ok) return;
      const defaultThreads = initial.backend.threads;
      setEnv('DNIFLOW_BACKEND', undefined);
      setEnv('DNIFLOW_BLAS_THREADS', 'many');
      const bad = await freshRegistry();
      expect(() => bad.backend()).toThrow(
        "dniflow/tensor: DNIFLOW_BLAS_THREADS must be a positive integer, got 'many'",
      );
      setEnv('DNIFLOW_BLAS_THREADS', '1');
      const registry = await freshRegistry();
      expect(registry.backendInfo()).toMatchObject({ name: 'native', threads: 1 });
      expect(registry.setBackendThreads(defaultThreads)).toBe(defaultThreads);
    },
  );
});

describe('preferAvx512Kernels', () => {
  const amd =
    'vendor_id\t: AuthenticAMD\nflags\t\t: fpu sse avx2 avx512f avx512dq avx512cd avx512bw avx512vl\n';

  it('asks OpenBLAS for its AVX-512 kernels on an AMD CPU that has them', () => {
    const env: Record<string, string | undefined> = {};
    expect(preferAvx512Kernels(env, 'linux', 'x64', () => amd)).toBe(true);
    expect(env.OPENBLAS_CORETYPE).toBe('SkylakeX');
  });

  it('leaves a user-chosen core type, other vendors, other platforms and missing flags alone', () => {
    const chosen: Record<string, string | undefined> = { OPENBLAS_CORETYPE: 'Haswell' };
    expect(preferAvx512Kernels(chosen, 'linux', 'x64', () => amd)).toBe(false);
    expect(chosen.OPENBLAS_CORETYPE).toBe('Haswell');
    const intel = amd.replace('AuthenticAMD', 'GenuineIntel');
    const noBw = amd.replace(' avx512bw', '');
    for (const [platform, arch, cpuinfo] of [
      ['linux', 'x64', intel],
      ['linux', 'x64', noBw],
      ['darwin', 'x64', amd],
      ['linux', 'arm64', amd],
    ]) {
      const env: Record<string, string | undefined> = {};
      expect(preferAvx512Kernels(env, platform, arch, () => cpuinfo)).toBe(false);
      expect(env.OPENBLAS_CORETYPE).toBeUndefined();
    }
    expect(
      preferAvx512Kernels({}, 'linux', 'x64', () => {
        throw new Error('no /proc');
      }),
    ).toBe(false);
  });
});
