import { writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { makeDirectories } from './args.ts';
import { UsageError } from './usage-error.ts';

/** Writes an --out file (creating its folder); a path that cannot be written is a usage error. */
export function writeOutput(path: string, content: string): void {
  try {
    makeDirectories(dirname(path));
    writeFileSync(path, content);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'error';
    throw new UsageError(`cannot write --out ${path} (${code})`);
  }
}
