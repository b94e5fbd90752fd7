import { writeFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { parseIdx, readIdx } from '../../src/data/idx.ts';
import { idxBytes, tempDir, ubyteIdx } from './helpers.ts';

const temp = tempDir('idx');
afterAll(() => temp.remove());

function writeIdx(name: string, bytes: Uint8Array): string {
  const path = temp.path(name);
  writeFileSync(path, bytes);
  return path;
}

describe('readIdx', () => {
  it('reads a ubyte 3-D file as a zero-copy view with its dims', () => {
    const path = writeIdx('ok-idx3-ubyte', ubyteIdx([2, 3, 4]));
    const file = readIdx(path);
    expect(file.type).toBe('ubyte');
    expect(file.dims).toEqual([2, 3, 4]);
    expect(file.data).toBeInstanceOf(Uint8Array);
    expect(Array.from(file.data)).toEqual(Array.from({ length: 24 }, (_, i) => i));
  });

  it('returns byte data as a view on the given buffer, not a copy', () => {
    const bytes = ubyteIdx([3]);
    const file = parseIdx(bytes);
    expect(file.data.buffer).toBe(bytes.buffer);
    bytes[8 + 1] = 77;
    expect(file.data[1]).toBe(77);
  });

  it('decodes big-endian multi-byte types', () => {
    const cases = [
      { code: 0x0b, type: 'short', bytes: 2, values: [-2, 300], put: 'setInt16' },
      { code: 0x0c, type: 'int', bytes: 4, values: [-70000, 123456789], put: 'setInt32' },
      { code: 0x0d, type: 'float', bytes: 4, values: [1.5, -0.25], put: 'setFloat32' },
      { code: 0x0e, type: 'double', bytes: 8, values: [Math.PI, -1e300], put: 'setFloat64' },
    ] as const;
    for (const c of cases) {
      const body = new Uint8Array(c.values.length * c.bytes);
      const view = new DataView(body.buffer);
      // DataView writes big-endian by default.
      for (const [i, v] of c.values.entries()) view[c.put](i * c.bytes, v);
      const file = parseIdx(idxBytes(c.code, [2], body), c.type);
      expect(file.type).toBe(c.type);
      expect(Array.from(file.data)).toEqual(c.values);
    }
    const signed = parseIdx(idxBytes(0x09, [2], Uint8Array.from([0xff, 0x7f])));
    expect(Array.from(signed.data)).toEqual([-1, 127]);
  });

  it('inflates a gzipped file', () => {
    const path = writeIdx('zipped.gz', gzipSync(ubyteIdx([5])));
    expect(Array.from(readIdx(path).data)).toEqual([0, 1, 2, 3, 4]);
  });

  it('reports a truncated file with expected and found sizes', () => {
    const path = writeIdx('train-images-idx3-ubyte', idxBytes(0x08, [60000, 28, 28], new Uint8Array(984)));
    expect(() => readIdx(path)).toThrow(
      `dniflow/data: ${path} is truncated: expected 47040016 bytes (60000×28×28 ubyte + 16-byte header), found 1000`,
    );
  });

  it('reports a truncated header', () => {
    const path = writeIdx('short-header', ubyteIdx([3, 3]).subarray(0, 9));
    expect(() => readIdx(path)).toThrow(
      `${path} is truncated: its 2-dimension header needs 12 bytes, found 9`,
    );
    const tiny = writeIdx('tiny', Uint8Array.from([0, 0]));
    expect(() => readIdx(tiny)).toThrow(`${tiny} is truncated`);
  });

  it('reports trailing bytes', () => {
    const good = ubyteIdx([4]);
    const path = writeIdx('trailing', Uint8Array.from([...good, 9, 9, 9]));
    expect(() => readIdx(path)).toThrow(
      `dniflow/data: ${path} has 3 trailing bytes: expected 12 bytes (4 ubyte + 8-byte header), found 15`,
    );
  });

  it('rejects a magic number without the two zero bytes', () => {
    const bytes = ubyteIdx([4]);
    bytes[0] = 0x1e; // not 0x1f: that would be read as gzip
    const path = writeIdx('bad-magic', bytes);
    expect(() => readIdx(path)).toThrow(
      `dniflow/data: ${path} is not an IDX file: magic number 0x1E000801 must start with two zero bytes`,
    );
  });

  it('rejects an unknown type code', () => {
    const path = writeIdx('bad-type', idxBytes(0x0a, [4], new Uint8Array(4)));
    expect(() => readIdx(path)).toThrow(`${path} has unknown IDX type code 0x0A in magic number 0x00000A01`);
  });

  it('rejects zero dimensions and empty dimensions', () => {
    const noDims = writeIdx('no-dims', idxBytes(0x08, [], new Uint8Array(1)));
    expect(() => readIdx(noDims)).toThrow(`${noDims} declares 0 dimensions`);
    const emptyDim = writeIdx('empty-dim', idxBytes(0x08, [3, 0], new Uint8Array(0)));
    expect(() => readIdx(emptyDim)).toThrow(`${emptyDim} has dimension 1 of size 0`);
  });

  it('names a missing file without a raw ENOENT', () => {
    const path = temp.path('nowhere-idx1-ubyte');
    expect(() => readIdx(path)).toThrow(`dniflow/data: IDX file not found: ${path}`);
    expect(() => readIdx(path)).not.toThrow(/ENOENT/);
  });
});
