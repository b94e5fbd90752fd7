import * as fs from 'node:fs';
import { dirname } from 'node:path';

/** The few file operations an atomic write needs; tests inject failing ones (a full disk, a refused path). */
export interface WriteIo {
  openSync(path: string, flags: string): number;
  writeSync(fd: number, data: Uint8Array): number;
  fsyncSync(fd: number): void;
  closeSync(fd: number): void;
  renameSync(from: string, to: string): void;
  rmSync(path: string, options: { force: boolean }): void;
}

const nodeIo: WriteIo = fs;

/** Why an output path could not be written: one line naming the path, the code kept for callers. */
export class OutputWriteError extends Error {
  override readonly name = 'OutputWriteError';
  constructor(
    readonly path: string,
    readonly code: string,
  ) {
    super(`dniflow/runtime: cannot write ${path}: ${describeCode(code)} (${code})`);
  }
}

function describeCode(code: string): string {
  switch (code) {
    case 'ENOSPC':
      return 'no space left on the device';
    case 'EDQUOT':
      return 'disk quota exceeded';
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'EROFS':
      return 'read-only file system';
    case 'ENOENT':
      return 'its folder does not exist';
    case 'ENOTDIR':
      return 'a part of the path is not a folder';
    case 'EISDIR':
      return 'it is a folder';
    default:
      return 'write failed';
  }
}

/**
 * Writes `path` so that readers only ever see the old file or the whole new one: the bytes go to
 * `path.tmp`, are fsynced, and the temporary file is renamed over `path` (rename is atomic on one
 * file system). On failure the temporary file is removed and the old file is left as it was. The
 * call is synchronous, so a signal handler cannot run in the middle of it.
 */
export function writeFileAtomic(path: string, chunks: string | readonly Uint8Array[], io = nodeIo): void {
  const temporary = `${path}.tmp`;
  const parts = typeof chunks === 'string' ? [Buffer.from(chunks, 'utf8')] : chunks;
  try {
    const fd = io.openSync(temporary, 'w');
    try {
      for (const part of parts) {
        // writeSync may write less than asked (rare on files, possible on some file systems).
        let written = 0;
        while (written < part.byteLength) written += io.writeSync(fd, part.subarray(written));
      }
      io.fsyncSync(fd);
    } finally {
      io.closeSync(fd);
    }
    io.renameSync(temporary, path);
  } catch (error) {
    try {
      io.rmSync(temporary, { force: true });
    } catch {
      // The folder itself refuses us; there is no temporary file to remove.
    }
    const code = (error as NodeJS.ErrnoException).code;
    if (typeof code !== 'string') throw error;
    throw new OutputWriteError(path, code);
  }
  syncDirectory(dirname(path));
}

/** Makes a rename durable across a power loss; some file systems refuse to open a folder, which is harmless. */
function syncDirectory(dir: string): void {
  try {
    const fd = fs.openSync(dir, 'r');
    try {
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
  } catch {
    // Durability of the rename is best effort; the file itself is complete either way.
  }
}
