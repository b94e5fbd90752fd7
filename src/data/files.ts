import { readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';

/**
 * File access for the loaders: every failure becomes one `dniflow/data:` error that names the path,
 * instead of a raw ENOENT stack that leaves the user guessing which of several files was meant.
 */
export function readBytes(path: string, what: string): Uint8Array {
  try {
    return readFileSync(path);
  } catch (error) {
    throw fileError(error, path, what);
  }
}

/** Reads a UTF-8 text file; rejects a missing or empty file and invalid UTF-8, naming the file. */
export function readText(path: string, what: string): string {
  const bytes = readBytes(path, what);
  if (bytes.length === 0) throw new Error(`dniflow/data: ${what} ${path} is empty`);
  let text: string;
  try {
    // fatal: a Latin-1 file silently decoded as UTF-8 would put U+FFFD into the vocabulary.
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new Error(`dniflow/data: ${what} ${path} is not valid UTF-8`);
  }
  // NUL is valid UTF-8 but never in text: a binary file (an image, a checkpoint) passed by mistake.
  if (text.includes('\u0000'))
    throw new Error(`dniflow/data: ${what} ${path} looks binary (it has NUL bytes)`);
  return text;
}

/** Throws unless `dir` exists and is a directory. */
export function requireDirectory(dir: string, what: string): void {
  let isDirectory: boolean;
  try {
    isDirectory = statSync(dir).isDirectory();
  } catch (error) {
    throw fileError(error, dir, what);
  }
  if (!isDirectory) throw new Error(`dniflow/data: ${what} ${dir} is not a directory`);
}

export function fileExists(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

function fileError(error: unknown, path: string, what: string): Error {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return new Error(`dniflow/data: ${what} not found: ${path}`);
  if (code === 'EISDIR') return new Error(`dniflow/data: ${what} ${path} is a directory, expected a file`);
  const message = error instanceof Error ? error.message : String(error);
  return new Error(`dniflow/data: cannot read ${what} ${path}: ${message}`);
}

/** The install directory of an npm package (data packages ship their files beside package.json). */
export function packageDir(name: string): string {
  try {
    return dirname(createRequire(import.meta.url).resolve(`${name}/package.json`));
  } catch {
    throw new Error(`dniflow/data: the npm package ${name} is not installed (npm install ${name})`);
  }
}
