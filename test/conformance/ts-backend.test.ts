import { tsBackend } from '../../src/tensor/ts-backend.ts';
import { describeBackendConformance } from './backend-conformance.ts';

describeBackendConformance('ts', () => tsBackend);
