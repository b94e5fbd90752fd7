import * as fs from 'node:fs';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { OutputWriteError, type WriteIo, writeFileAtomic } from '../../src/runtime/atomic-write.ts';
import { readCheckpoint, writeCheckpoint } from '../../src/runtime/checkpoint.ts';
import { Tensor } from '../../src/tensor/tensor.ts';

const errno = (code: string) => Object.assign(new Error(`${code}: simulated`), { code });

/** Node's fs with one operation failing as a full disk or a refusing folder would. */
function failing(operation: keyof WriteIo, code: string): WriteIo {
  return { ...fs, [operation]: () => fail(code) } as WriteIo;
}
function fail(code: string): never {
  throw errno(code);
}

describe('writeFileAtomic (issue 15: no partial file, one line naming the path)', () => {
  it.each([
    ['writeSync', 'ENOSPC', 'no space left on the device'],
    ['fsyncSync', 'ENOSPC', 'no space left on the device'],
    ['renameSync', 'EACCES', 'permission denied'],
    ['openSync', 'EACCES', 'permission denied'],
  ] as const)('a %s failing with %s keeps the old file and leaves no temporary', (operation, code, why) => {
    const dir = mkdtempSync(join(tmpdir(), 'dniflow-atomic-'));
    const path = join(dir, 'metrics.jsonl');
    writeFileSync(path, 'old\n');
    let thrown: unknown;
    try {
      writeFileAtomic(path, 'new and longer\n', failing(operation, code));
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(OutputWriteError);
    const message = (thrown as Error).message;
    expect(message).toBe(`dniflow/runtime: cannot write ${path}: ${why} (${code})`);
    expect(message.split('\n')).toHaveLength(1);
    expect((thrown as OutputWriteError).code).toBe(code);
    expect(readFileSync(path, 'utf8')).toBe('old\n');
    expect(readdirSync(dir)).toEqual(['metrics.jsonl']);
  });

  it('a checkpoint write that runs out of space keeps the last good checkpoint whole', () => {
    const dir = mkdtempSync(join(tmpdir(), 'dniflow-atomic-'));
    const path = join(dir, 'checkpoint.ckpt');
    writeCheckpoint(path, { meta: { epoch: 1 }, state: { w: Tensor.from([1, 2, 3], [3]) } });
    // The disk fills up after the header: the old code left checkpoint.ckpt.tmp, half written.
    let writes = 0;
    const fillsUp: WriteIo = {
      ...fs,
      writeSync: (fd, data) => (++writes > 2 ? fail('ENOSPC') : fs.writeSync(fd, data)),
    };
    expect(() =>
      writeCheckpoint(path, { meta: { epoch: 2 }, state: { w: Tensor.from([4, 5, 6], [3]) } }, fillsUp),
    ).toThrow(`cannot write ${path}: no space left on the device (ENOSPC)`);
    expect(existsSync(`${path}.tmp`)).toBe(false);
    const kept = readCheckpoint(path);
    expect(kept.meta.epoch).toBe(1);
    expect(Array.from(kept.state.w.data)).toEqual([1, 2, 3]);
  });

  it('writes the whole content when it succeeds', () => {
    const dir = mkdtempSync(join(tmpdir(), 'dniflow-atomic-'));
    const path = join(dir, 'a.txt');
    writeFileAtomic(path, [Buffer.from('ab'), Buffer.from('cd')]);
    expect(readFileSync(path, 'utf8')).toBe('abcd');
    expect(readdirSync(dir)).toEqual(['a.txt']);
  });
});
