import { runInNewContext } from 'node:vm';
import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';

// src/tensor must bundle for the browser and run there on the TypeScript backend: the native
// addon is reached only through a guarded, lazy lookup of Node's builtins.
describe('backend registry in a browser bundle', () => {
  it('bundles without Node builtins and falls back to the TS backend where there is no process', async () => {
    const result = await build({
      entryPoints: [new URL('../../src/tensor/backend-registry.ts', import.meta.url).pathname],
      bundle: true,
      platform: 'browser',
      format: 'iife',
      globalName: 'registry',
      write: false,
      logLevel: 'silent',
    });
    const code = result.outputFiles[0].text;
    expect(code).not.toMatch(/require\(["']node:/);
    // A fresh context: no process, no require, as in a browser page.
    const registry = runInNewContext(`${code}; registry`, {}) as {
      backend(): { name: string };
      backendInfo(): { name: string; nativeAvailable: boolean; reason?: string };
    };
    expect(registry.backend().name).toBe('ts');
    expect(registry.backendInfo()).toMatchObject({
      name: 'ts',
      nativeAvailable: false,
      reason: 'not running in Node.js',
    });
  });
});
