/**
 * Copy (paper §3.2, from the Neural Turing Machine tasks): see N random 8-bit patterns, then write
 * them out, with a curriculum that grows N whenever the error falls below 0.15 bits per tick. The
 * metric is the largest task length N + 3 solved. Paper (T = 3): BPTT 8, DNI 14.
 */
import { defineGraph } from 'dniflow';
import { buildCopy, copyParams } from './lib/copy.ts';

export default defineGraph({
  name: 'copy',
  description: 'Copy with an LSTM, truncated BPTT or DNI at the window boundary (paper §3.2)',
  params: copyParams,
  training: { epochs: 20, batch: 32, lr: 1e-3, optimizer: 'adam', ticksPerEpoch: 5000, clipNorm: 1 },
  build: (params) => buildCopy('copy', 'copy', params),
});
