import { existsSync, readFileSync } from 'node:fs';
import { Tensor } from '../tensor/tensor.ts';
import { type WriteIo, writeFileAtomic } from './atomic-write.ts';

/**
 * Checkpoint file: the 8-byte magic "DNIFLOW1", a uint32 (little-endian) header length, a JSON header
 * {meta, tensors: [{name, shape, offset}]}, then the float32 data. Written atomically (writeFileAtomic),
 * so a crash or a full disk mid-write never replaces the last good checkpoint nor leaves a partial file.
 */
const MAGIC = 'DNIFLOW1';

export interface Checkpoint {
  meta: Record<string, unknown>;
  state: Record<string, Tensor>;
}

export function writeCheckpoint(path: string, checkpoint: Checkpoint, io?: WriteIo): void {
  const entries = Object.entries(checkpoint.state);
  let offset = 0;
  const tensors = entries.map(([name, t]) => {
    const entry = { name, shape: t.shape, offset };
    offset += t.size;
    return entry;
  });
  const header = Buffer.from(JSON.stringify({ meta: checkpoint.meta, tensors }), 'utf8');
  const prefix = Buffer.alloc(12);
  prefix.write(MAGIC, 0, 'latin1');
  prefix.writeUInt32LE(header.length, 8);
  const data = entries.map(([, t]) => new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength));
  writeFileAtomic(path, [prefix, header, ...data], io);
}

export function readCheckpoint(path: string): Checkpoint {
  const bad = (why: string): never => {
    throw new Error(`dniflow/runtime: checkpoint ${path} ${why}`);
  };
  if (!existsSync(path)) bad('does not exist');
  const bytes = readFileSync(path);
  if (bytes.length < 12 || bytes.toString('latin1', 0, 8) !== MAGIC)
    bad('is not a dniflow checkpoint (bad magic)');
  const headerLength = bytes.readUInt32LE(8);
  if (12 + headerLength > bytes.length) bad(`is truncated inside its header (${bytes.length} bytes)`);
  let header: { meta: Record<string, unknown>; tensors: { name: string; shape: number[]; offset: number }[] };
  try {
    header = JSON.parse(bytes.toString('utf8', 12, 12 + headerLength));
  } catch {
    return bad('has a corrupt header');
  }
  const dataStart = 12 + headerLength;
  const floats = (bytes.length - dataStart) / 4;
  const state: Record<string, Tensor> = {};
  for (const { name, shape, offset } of header.tensors) {
    const size = shape.reduce((a, b) => a * b, 1);
    if (offset + size > floats)
      bad(`is truncated: tensor '${name}' needs ${size} floats at ${offset}, file has ${floats}`);
    const data = new Float32Array(size);
    data.set(
      new Float32Array(
        bytes.buffer.slice(
          bytes.byteOffset + dataStart + offset * 4,
          bytes.byteOffset + dataStart + (offset + size) * 4,
        ),
      ),
    );
    state[name] = new Tensor(data, shape);
  }
  return { meta: header.meta, state };
}
