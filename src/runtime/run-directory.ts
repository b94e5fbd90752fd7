import { existsSync, mkdirSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { OutputWriteError } from './atomic-write.ts';

/**
 * A run directory is one run, never two (issue 15): a new run refuses a directory that holds another
 * run, `overwrite` replaces one whole, and `resume` continues the one there.
 */
export type RunDirectoryMode = 'new' | 'overwrite' | 'resume';

/** The files a run writes (and the temporaries of its atomic writes). */
export const RUN_FILES = ['run.json', 'metrics.jsonl', 'checkpoint.ckpt'] as const;

/** The directory cannot be used as asked: it holds another run, foreign files, or no run to resume. */
export class RunDirectoryError extends Error {
  override readonly name = 'RunDirectoryError';
  constructor(
    readonly dir: string,
    why: string,
  ) {
    super(`dniflow/runtime: run directory ${dir} ${why}`);
  }
}

function isRunFile(name: string): boolean {
  return RUN_FILES.some((file) => name === file || name === `${file}.tmp`);
}

/** What `dir` holds: nothing (absent or empty), a run's files, and files that are not a run's. */
export function inspectRunDirectory(dir: string): { runFiles: string[]; otherFiles: string[] } {
  if (!existsSync(dir)) return { runFiles: [], otherFiles: [] };
  if (!statSync(dir).isDirectory()) throw new RunDirectoryError(dir, 'is a file, not a directory');
  const names = readdirSync(dir).sort();
  return { runFiles: names.filter(isRunFile), otherFiles: names.filter((n) => !isRunFile(n)) };
}

const list = (names: string[]) =>
  names.length > 3 ? `${names.slice(0, 3).join(', ')}, …` : names.join(', ');

/** Refuses, before any work, a directory that `mode` may not write; see RunDirectoryMode. */
export function checkRunDirectory(dir: string, mode: RunDirectoryMode): void {
  const { runFiles, otherFiles } = inspectRunDirectory(dir);
  if (mode === 'resume') {
    if (!runFiles.includes('run.json'))
      throw new RunDirectoryError(dir, 'holds no run to resume (no run.json)');
    return;
  }
  if (mode === 'new' && runFiles.length > 0) {
    throw new RunDirectoryError(
      dir,
      `already holds a run (${list(runFiles)}); continue it with --resume ${dir}, or replace it with --overwrite`,
    );
  }
  // Never delete what a run did not write (a plot, a note), nor let an old run's plot sit beside a new run.
  if (otherFiles.length > 0) {
    throw new RunDirectoryError(
      dir,
      mode === 'overwrite' && runFiles.length > 0
        ? `holds files that are not a run's (${list(otherFiles)}); move them away before replacing the run`
        : `holds files that are not a run's (${list(otherFiles)}); give a new or empty directory`,
    );
  }
}

/**
 * Makes `dir` a run directory holding what `write` puts into an empty folder, without a moment at
 * which it mixes two runs. Into an absent or empty directory the files are written in place (each
 * one atomically). Over an existing run they are written to a hidden sibling folder first, then the
 * old run is renamed away, the new one renamed into place, and the old one deleted: a crash leaves
 * the old run, the new one, or (between the two renames) no directory at all.
 */
export function establishRunDirectory(dir: string, write: (into: string) => void): void {
  const { runFiles } = inspectRunDirectory(dir);
  try {
    if (runFiles.length === 0) {
      mkdirSync(dir, { recursive: true });
      write(dir);
      return;
    }
    const parent = dirname(resolve(dir));
    const staging = join(parent, `.${basename(resolve(dir))}.dniflow-new`);
    const retired = join(parent, `.${basename(resolve(dir))}.dniflow-old`);
    // Leftovers of a crash during an earlier replacement: named after this directory, so ours.
    rmSync(staging, { recursive: true, force: true });
    rmSync(retired, { recursive: true, force: true });
    mkdirSync(staging);
    write(staging);
    renameSync(dir, retired);
    renameSync(staging, dir);
    rmSync(retired, { recursive: true, force: true });
  } catch (error) {
    if (error instanceof OutputWriteError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    if (typeof code !== 'string') throw error;
    throw new OutputWriteError((error as NodeJS.ErrnoException).path ?? dir, code);
  }
}
