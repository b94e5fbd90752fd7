import * as fs from 'node:fs';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { UsageError } from '../../src/cli/usage-error.ts';
import { writeOutput } from '../../src/cli/write-output.ts';
import type { WriteIo } from '../../src/runtime/atomic-write.ts';

// Issue 15: "a full disk during `viz` leaves a partial output file". viz and plot write their
// --out through writeOutput; a disk that fills mid-write must leave the old picture whole.
describe('writeOutput (viz and plot --out)', () => {
  it('a disk that fills up mid-write keeps the old file whole, leaves no temporary, and names the path', () => {
    const dir = mkdtempSync(join(tmpdir(), 'dniflow-out-'));
    const path = join(dir, 'network.svg');
    writeFileSync(path, '<svg>old</svg>\n');
    const fillsUp: WriteIo = {
      ...fs,
      writeSync: () => {
        throw Object.assign(new Error('ENOSPC: simulated'), { code: 'ENOSPC' });
      },
    };
    let thrown: unknown;
    try {
      writeOutput(path, `<svg>${'new '.repeat(10_000)}</svg>\n`, fillsUp);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(UsageError);
    expect((thrown as Error).message).toBe(`cannot write --out ${path} (ENOSPC)`);
    expect(readFileSync(path, 'utf8')).toBe('<svg>old</svg>\n');
    expect(readdirSync(dir)).toEqual(['network.svg']);
  });

  it('a path whose folder is a file is refused, naming the path', () => {
    const dir = mkdtempSync(join(tmpdir(), 'dniflow-out-'));
    writeFileSync(join(dir, 'file'), 'x');
    const path = join(dir, 'file', 'network.svg');
    expect(() => writeOutput(path, '<svg/>')).toThrow(`cannot write --out ${path}`);
  });
});
