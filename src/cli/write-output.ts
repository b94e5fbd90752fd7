import { dirname } from 'node:path';
import { type WriteIo, writeFileAtomic } from '../runtime/atomic-write.ts';
import { makeDirectories } from './args.ts';
import { UsageError } from './usage-error.ts';

/**
 * Writes an --out file (creating its folder) atomically, so a full disk never leaves a partial file;
 * a path that cannot be written is a usage error naming it.
 */
export function writeOutput(path: string, content: string, io?: WriteIo): void {
  try {
    makeDirectories(dirname(path));
    writeFileAtomic(path, content, io);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'error';
    throw new UsageError(`cannot write --out ${path} (${code})`);
  }
}
