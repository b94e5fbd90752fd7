import { join, relative } from 'node:path';
import { writeFileAtomic } from './atomic-write.ts';
import { establishRunDirectory, type RunDirectoryMode } from './run-directory.ts';
import type { EpochMetrics } from './trainer.ts';

/** What run.json says of the run's progress; anything but 'completed' can be resumed. */
export type RunStatus = 'running' | 'completed' | 'failed' | 'interrupted';

/**
 * A run directory: `run.json` (what was run: graph, parameters, network JSON, settings, and its
 * status), `metrics.jsonl` (one `{"type":"epoch", ...}` object per line) and `checkpoint.ckpt` (the
 * last good state, which also records the history: it is the authority a resume rewrites the other
 * two from). Every file is replaced atomically, the checkpoint first, so no file is ever partial and
 * after a crash the other files lag the checkpoint by at most one epoch.
 */
export interface RunOutput<Metrics extends object = EpochMetrics> {
  readonly dir: string;
  readonly checkpointPath: string;
  /** After an epoch's checkpoint is written: appends its metrics and records the progress. */
  epoch(metrics: Metrics): void;
  /** Marks how the run ended. For failures it never throws: the failure itself is what to report. */
  finish(status: Exclude<RunStatus, 'running'>, error?: unknown): void;
}

/**
 * Opens `dir` for a run (see RunDirectoryMode; the caller has checked the mode is allowed). `history`
 * is a resumed run's epochs so far, whose checkpoint is already in the directory.
 */
export function openRunOutput<Metrics extends object = EpochMetrics>(
  dir: string,
  mode: RunDirectoryMode,
  run: Record<string, unknown>,
  history: Metrics[] = [],
  options: { checkpoints: boolean } = { checkpoints: true },
): RunOutput<Metrics> {
  const checkpointPath = join(dir, 'checkpoint.ckpt');
  const epochs = [...history];
  const record = (into: string, status: RunStatus, error?: unknown) => {
    const done = epochs.length;
    const state = {
      ...run,
      status,
      epochs_done: done,
      // Relative, so the directory can be moved; null until this run has saved one.
      checkpoint: done > 0 && options.checkpoints ? relative(dir, checkpointPath) : null,
      ...(error === undefined ? {} : { error: error instanceof Error ? error.message : String(error) }),
      updated: new Date().toISOString(),
    };
    writeFileAtomic(join(into, 'run.json'), `${JSON.stringify(state, null, 2)}\n`);
  };
  const metrics = (into: string) =>
    writeFileAtomic(
      join(into, 'metrics.jsonl'),
      epochs.map((m) => `${JSON.stringify({ type: 'epoch', ...m })}\n`).join(''),
    );
  const start = (into: string) => {
    // metrics.jsonl before run.json: once run.json exists, the directory is a whole run.
    metrics(into);
    record(into, 'running');
  };
  if (mode === 'resume') start(dir);
  else establishRunDirectory(dir, start);
  return {
    dir,
    checkpointPath,
    epoch(latest) {
      epochs.push(latest);
      metrics(dir);
      record(dir, 'running');
    },
    finish(status, error) {
      if (status === 'completed') {
        record(dir, status);
        return;
      }
      try {
        record(dir, status, error);
      } catch {
        // A full disk or a vanished directory: run.json keeps saying 'running', which resume accepts.
      }
    },
  };
}
