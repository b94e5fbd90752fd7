import { gunzipSync } from 'node:zlib';
import { readBytes } from './files.ts';

/**
 * The IDX format (LeCun's MNIST files): a big-endian header, then the values row-major.
 *   magic  = 0x00 0x00 <type code> <number of dimensions>
 *   dims   = one big-endian uint32 per dimension
 *   values = product(dims) values of the type, big-endian
 */
export type IdxType = 'ubyte' | 'sbyte' | 'short' | 'int' | 'float' | 'double';
export type IdxData = Uint8Array | Int8Array | Int16Array | Int32Array | Float32Array | Float64Array;

export interface IdxFile {
  readonly path: string;
  readonly type: IdxType;
  readonly dims: number[];
  readonly data: IdxData;
}

const TYPES: Record<number, { type: IdxType; bytes: number }> = {
  8: { type: 'ubyte', bytes: 1 },
  9: { type: 'sbyte', bytes: 1 },
  11: { type: 'short', bytes: 2 },
  12: { type: 'int', bytes: 4 },
  13: { type: 'float', bytes: 4 },
  14: { type: 'double', bytes: 8 },
};

const TYPE_LIST = Object.entries(TYPES)
  .map(([code, { type }]) => `0x${hex(Number(code), 2)} ${type}`)
  .join(', ');

/** Reads and validates an IDX file; a gzipped file (as distributed on LeCun's site) is inflated first. */
export function readIdx(path: string): IdxFile {
  let bytes = readBytes(path, 'IDX file');
  if (bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b) {
    try {
      bytes = gunzipSync(bytes);
    } catch (error) {
      throw new Error(
        `dniflow/data: ${path} looks gzipped but does not inflate: ${(error as Error).message}`,
      );
    }
  }
  return parseIdx(bytes, path);
}

/**
 * Parses IDX bytes. Byte types are returned as zero-copy views on `bytes`; wider types are big-endian
 * on disk and must be byte-swapped on a little-endian host, so they are decoded into a fresh array.
 */
export function parseIdx(bytes: Uint8Array, path = '<buffer>'): IdxFile {
  if (bytes.length < 4) {
    throw new Error(
      `dniflow/data: ${path} is truncated: ${bytes.length} bytes cannot hold the 4-byte magic number`,
    );
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const magic = view.getUint32(0);
  if (bytes[0] !== 0 || bytes[1] !== 0) {
    throw new Error(
      `dniflow/data: ${path} is not an IDX file: magic number 0x${hex(magic, 8)} must start with two zero bytes`,
    );
  }
  const entry = TYPES[bytes[2]];
  if (entry === undefined) {
    throw new Error(
      `dniflow/data: ${path} has unknown IDX type code 0x${hex(bytes[2], 2)} in magic number 0x${hex(magic, 8)} ` +
        `(expected one of ${TYPE_LIST})`,
    );
  }
  const rank = bytes[3];
  if (rank === 0) {
    throw new Error(`dniflow/data: ${path} declares 0 dimensions in magic number 0x${hex(magic, 8)}`);
  }
  const headerBytes = 4 + 4 * rank;
  if (bytes.length < headerBytes) {
    throw new Error(
      `dniflow/data: ${path} is truncated: its ${rank}-dimension header needs ${headerBytes} bytes, found ${bytes.length}`,
    );
  }
  const dims: number[] = [];
  for (let d = 0; d < rank; d++) {
    const dim = view.getUint32(4 + 4 * d);
    if (dim === 0)
      throw new Error(`dniflow/data: ${path} has dimension ${d} of size 0 (sizes must be positive)`);
    dims.push(dim);
  }
  const count = dims.reduce((product, dim) => product * dim, 1);
  const expected = headerBytes + count * entry.bytes;
  if (bytes.length !== expected) {
    const problem =
      bytes.length < expected ? 'is truncated' : `has ${bytes.length - expected} trailing bytes`;
    throw new Error(
      `dniflow/data: ${path} ${problem}: expected ${expected} bytes (${dims.join('×')} ${entry.type} + ` +
        `${headerBytes}-byte header), found ${bytes.length}`,
    );
  }
  return { path, type: entry.type, dims, data: decode(entry.type, bytes, view, headerBytes, count) };
}

function decode(type: IdxType, bytes: Uint8Array, view: DataView, offset: number, count: number): IdxData {
  const start = bytes.byteOffset + offset;
  switch (type) {
    case 'ubyte':
      return new Uint8Array(bytes.buffer, start, count);
    case 'sbyte':
      return new Int8Array(bytes.buffer, start, count);
    case 'short': {
      const out = new Int16Array(count);
      for (let i = 0; i < count; i++) out[i] = view.getInt16(offset + 2 * i);
      return out;
    }
    case 'int': {
      const out = new Int32Array(count);
      for (let i = 0; i < count; i++) out[i] = view.getInt32(offset + 4 * i);
      return out;
    }
    case 'float': {
      const out = new Float32Array(count);
      for (let i = 0; i < count; i++) out[i] = view.getFloat32(offset + 4 * i);
      return out;
    }
    case 'double': {
      const out = new Float64Array(count);
      for (let i = 0; i < count; i++) out[i] = view.getFloat64(offset + 8 * i);
      return out;
    }
  }
}

/** Throws unless `file` has the given element type and rank, naming the file. */
export function expectIdx(file: IdxFile, type: IdxType, rank: number): void {
  if (file.type !== type || file.dims.length !== rank) {
    throw new Error(
      `dniflow/data: ${file.path} holds ${file.dims.length}-D ${file.type} [${file.dims.join('×')}], ` +
        `expected ${rank}-D ${type}`,
    );
  }
}

function hex(value: number, digits: number): string {
  return value.toString(16).toUpperCase().padStart(digits, '0');
}
