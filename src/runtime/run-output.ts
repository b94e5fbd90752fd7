import { appendFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { EpochMetrics } from './trainer.ts';

/**
 * A run directory: `run.json` (what was run: graph, parameters, network JSON, settings),
 * `metrics.jsonl` (one `{"type":"epoch", ...}` object per line) and `checkpoint.ckpt` (the last good state).
 */
export interface RunOutput {
  readonly dir: string;
  readonly checkpointPath: string;
  epoch(metrics: EpochMetrics): void;
}

export function createRunOutput(dir: string, run: Record<string, unknown>): RunOutput {
  try {
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'run.json'), `${JSON.stringify(run, null, 2)}\n`);
    writeFileSync(join(dir, 'metrics.jsonl'), '');
  } catch (error) {
    throw new Error(`dniflow/runtime: cannot write the run directory ${dir}: ${(error as Error).message}`);
  }
  return {
    dir,
    checkpointPath: join(dir, 'checkpoint.ckpt'),
    epoch(metrics) {
      appendFileSync(join(dir, 'metrics.jsonl'), `${JSON.stringify({ type: 'epoch', ...metrics })}\n`);
    },
  };
}
