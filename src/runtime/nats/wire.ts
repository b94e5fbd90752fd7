/**
 * Messages as bytes for NATS (DESIGN.md, "Messages"): a small JSON header, then the raw bytes of every
 * typed array the message holds (an envelope's Float32Array, a state's tensors, labels). Plain data
 * only, so the same encoding serves envelopes, control messages and state.
 *
 * Layout: u32 (little-endian) header length | header JSON | array bytes, one after another. In the
 * header each array is `{"$bin": i}` and `b[i]` is its type and byte length; NaN and ±Infinity,
 * which JSON lacks, are `{"$num": "NaN"}`.
 */

const TYPES = {
  f32: Float32Array,
  u8: Uint8Array,
  i32: Int32Array,
  u32: Uint32Array,
} as const;
type TypeName = keyof typeof TYPES;
type AnyArray = InstanceType<(typeof TYPES)[TypeName]>;

export class WireFormatError extends Error {}

function typeOf(value: unknown): TypeName | undefined {
  if (value instanceof Float32Array) return 'f32';
  if (value instanceof Uint8Array) return 'u8';
  if (value instanceof Int32Array) return 'i32';
  if (value instanceof Uint32Array) return 'u32';
  return undefined;
}

export function encode(message: unknown): Uint8Array {
  const arrays: AnyArray[] = [];
  const table: [TypeName, number][] = [];
  const body = JSON.stringify(message, (_key, value: unknown) => {
    // JSON has no NaN or Infinity; a metric may be either.
    if (typeof value === 'number' && !Number.isFinite(value)) return { $num: String(value) };
    const type = typeOf(value);
    if (type === undefined) return value;
    const array = value as AnyArray;
    arrays.push(array);
    table.push([type, array.byteLength]);
    return { $bin: arrays.length - 1 };
  });
  const header = `{"v":${body},"b":${JSON.stringify(table)}}`;
  const head = new TextEncoder().encode(header);
  let size = 4 + head.length;
  for (const array of arrays) size += array.byteLength;
  const out = new Uint8Array(size);
  new DataView(out.buffer).setUint32(0, head.length, true);
  out.set(head, 4);
  let offset = 4 + head.length;
  for (const array of arrays) {
    out.set(new Uint8Array(array.buffer, array.byteOffset, array.byteLength), offset);
    offset += array.byteLength;
  }
  return out;
}

/**
 * The message `bytes` hold. `bytes` may view any offset of a larger buffer (a NATS payload does):
 * every array is copied out into its own aligned buffer before it is viewed as floats, since a
 * Float32Array cannot view a buffer at an offset that is not a multiple of 4.
 */
export function decode<T>(bytes: Uint8Array): T {
  if (bytes.length < 4) throw new WireFormatError('dniflow/runtime: a NATS message shorter than its header');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headLength = view.getUint32(0, true);
  if (4 + headLength > bytes.length)
    throw new WireFormatError('dniflow/runtime: a NATS message cut short in its header');
  const { v, b } = JSON.parse(new TextDecoder().decode(bytes.subarray(4, 4 + headLength))) as {
    v: unknown;
    b: [TypeName, number][];
  };
  const arrays: AnyArray[] = [];
  let offset = 4 + headLength;
  for (const [type, byteLength] of b) {
    const Type = TYPES[type];
    if (Type === undefined || offset + byteLength > bytes.length || byteLength % Type.BYTES_PER_ELEMENT !== 0)
      throw new WireFormatError(
        `dniflow/runtime: a NATS message with a bad array (${type}, ${byteLength} bytes)`,
      );
    const array = new Type(byteLength / Type.BYTES_PER_ELEMENT);
    new Uint8Array(array.buffer).set(bytes.subarray(offset, offset + byteLength));
    arrays.push(array);
    offset += byteLength;
  }
  return revive(v, arrays) as T;
}

function revive(value: unknown, arrays: AnyArray[]): unknown {
  if (Array.isArray(value)) return value.map((item) => revive(item, arrays));
  if (value === null || typeof value !== 'object') return value;
  const record = value as Record<string, unknown>;
  if (typeof record.$bin === 'number') return arrays[record.$bin];
  if (typeof record.$num === 'string') return Number(record.$num);
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(record)) out[key] = revive(item, arrays);
  return out;
}
