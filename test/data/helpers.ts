import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** IDX bytes: a magic number from (type code, rank), big-endian dims, then `body` as given. */
export function idxBytes(typeCode: number, dims: number[], body: Uint8Array): Uint8Array {
  const header = new Uint8Array(4 + 4 * dims.length);
  const view = new DataView(header.buffer);
  header[2] = typeCode;
  header[3] = dims.length;
  for (const [d, dim] of dims.entries()) view.setUint32(4 + 4 * d, dim);
  const out = new Uint8Array(header.length + body.length);
  out.set(header);
  out.set(body, header.length);
  return out;
}

/** A ubyte IDX file whose values are 0, 1, 2, ... (mod 256), the right size for `dims`. */
export function ubyteIdx(dims: number[], value: (i: number) => number = (i) => i % 256): Uint8Array {
  const count = dims.reduce((a, b) => a * b, 1);
  return idxBytes(
    0x08,
    dims,
    Uint8Array.from({ length: count }, (_, i) => value(i)),
  );
}

/** A fresh temporary directory and its cleanup. */
export function tempDir(prefix: string): { dir: string; path: (name: string) => string; remove: () => void } {
  const dir = mkdtempSync(join(tmpdir(), `dniflow-${prefix}-`));
  return {
    dir,
    path: (name) => join(dir, name),
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}
