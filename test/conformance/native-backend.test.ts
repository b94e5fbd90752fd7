import { describe, it } from 'vitest';
import { loadNativeBackend } from '../../src/tensor/native-backend.ts';
import { describeBackendConformance } from './backend-conformance.ts';

// The OpenBLAS addon must pass the same suite as the TypeScript backend. When the addon is not
// built (no OpenBLAS on this machine), the suite is skipped and the reason shows in the report;
// DNIFLOW_REQUIRE_NATIVE=1 (set by CI, where `bash scripts/setup-native.sh` runs first) turns that
// skip into a failure.
const native = loadNativeBackend();

if (native.ok) {
  describeBackendConformance('native', () => native.backend);
} else if (process.env.DNIFLOW_REQUIRE_NATIVE === '1') {
  describe('native backend conformance', () => {
    it('needs the native addon (DNIFLOW_REQUIRE_NATIVE=1)', () => {
      throw new Error(`dniflow/native: addon unavailable: ${native.reason}`);
    });
  });
} else {
  console.warn(`native backend conformance skipped: ${native.reason}`);
  describe.skip(`native backend conformance (skipped: ${native.reason})`, () => {
    it('runs when the native addon is built', () => {});
  });
}
