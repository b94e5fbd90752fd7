import { accessSync, constants, existsSync, mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { type ParseArgsConfig, parseArgs } from 'node:util';
import { LrScheduleError, parseLrSchedule } from '../graph/lr-schedule.ts';
import { UsageError } from './usage-error.ts';

type Options = NonNullable<ParseArgsConfig['options']>;

/** node:util parseArgs in strict mode, with its errors turned into one-line usage errors. */
export function parseCommandArgs<T extends Options>(command: string, argv: string[], options: T) {
  try {
    return parseArgs<{ args: string[]; options: T; allowPositionals: true; strict: true }>({
      args: argv,
      options,
      allowPositionals: true,
      strict: true,
    });
  } catch (error) {
    const message = (error as Error).message;
    const unknown = /Unknown option '([^']+)'/.exec(message);
    if (unknown) {
      throw new UsageError(`unknown flag ${unknown[1]} for '${command}' (see dniflow ${command} --help)`);
    }
    throw new UsageError(`${message.split('\n')[0]} (see dniflow ${command} --help)`);
  }
}

export function positiveInteger(flag: string, raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined;
  const value = Number(raw);
  if (!/^\d+$/.test(raw.trim()) || !Number.isSafeInteger(value) || value < 1) {
    throw new UsageError(`${flag} must be a positive integer, got '${raw}'`);
  }
  return value;
}

export function nonNegativeInteger(flag: string, raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined;
  const value = Number(raw);
  if (!/^\d+$/.test(raw.trim()) || !Number.isSafeInteger(value)) {
    throw new UsageError(`${flag} must be a non-negative integer, got '${raw}'`);
  }
  return value;
}

export function positiveNumber(flag: string, raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined;
  const value = Number(raw);
  if (raw.trim() === '' || !Number.isFinite(value) || value <= 0) {
    throw new UsageError(`${flag} must be a positive number, got '${raw}'`);
  }
  return value;
}

/** `--set key=value` pairs, in order; a later key overrides an earlier one. */
export function keyValuePairs(flag: string, raws: string[] | undefined): Record<string, string> {
  // No prototype: a key '__proto__' is kept as a key (and refused as unknown), not swallowed.
  const pairs: Record<string, string> = Object.create(null);
  for (const raw of raws ?? []) {
    const eq = raw.indexOf('=');
    if (eq <= 0) throw new UsageError(`${flag} expects key=value, got '${raw}'`);
    pairs[raw.slice(0, eq).trim()] = raw.slice(eq + 1).trim();
  }
  return pairs;
}

/** A directory that exists (created if needed) and can be written, or a usage error naming it. */
export function writableDirectory(flag: string, raw: string | undefined): string | undefined {
  if (raw === undefined) return undefined;
  try {
    makeDirectories(raw);
    accessSync(raw, constants.W_OK);
  } catch (error) {
    throw new UsageError(
      `${flag} ${raw} is not a writable directory (${(error as NodeJS.ErrnoException).code ?? 'error'})`,
    );
  }
  return raw;
}

/** mkdir -p, one level at a time: Node's recursive mkdir can spin forever under /proc. Throws on failure. */
export function makeDirectories(path: string): void {
  const missing: string[] = [];
  let existing = resolve(path);
  while (!existsSync(existing)) {
    missing.unshift(existing);
    existing = dirname(existing);
  }
  for (const dir of missing) mkdirSync(dir);
}

/** --lr-schedule, checked before any work (lr-schedule.ts's grammar); the text is what runs record. */
export function lrScheduleFlag(raw: string | undefined): string | undefined {
  if (raw === undefined) return undefined;
  try {
    parseLrSchedule(raw);
  } catch (error) {
    if (error instanceof LrScheduleError)
      throw new UsageError(error.message.replace(/^dniflow\/graph: /, ''));
    throw error;
  }
  return raw.trim();
}

/** A comma-separated flag value, each item parsed (undefined: refused, naming it); repeats refused. */
export function commaList<T extends string | number>(
  flag: string,
  raw: string,
  parse: (item: string) => T | undefined,
): T[] {
  const items = raw.split(',').map((item) => {
    const value = parse(item.trim());
    if (value === undefined) throw new UsageError(`${flag}: bad item '${item}' in '${raw}'`);
    return value;
  });
  if (new Set(items).size !== items.length) throw new UsageError(`${flag}: '${raw}' repeats an item`);
  return items;
}
