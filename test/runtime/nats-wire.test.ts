import { describe, expect, it } from 'vitest';
import { ChunkError, Chunker, Reassembler } from '../../src/runtime/nats/chunks.ts';
import { decode, encode } from '../../src/runtime/nats/wire.ts';
import type { Envelope } from '../../src/runtime/workers/envelope.ts';

/** `bytes` copied into a larger buffer at `offset`, as a NATS payload may sit in its read buffer. */
function at(offset: number, bytes: Uint8Array): Uint8Array {
  const buffer = new Uint8Array(offset + bytes.length + 3);
  buffer.set(bytes, offset);
  return buffer.subarray(offset, offset + bytes.length);
}

describe('NATS wire format (envelopes as a header and the tensor bytes)', () => {
  const envelope: Envelope = {
    to: 'node',
    node: 'layer2',
    edge: 'layer1->layer2',
    direction: 'backward',
    step: 7,
    tick: 0,
    shape: [2, 3],
    data: Float32Array.from([1.5, -2, 3.25, Number.NaN, Number.POSITIVE_INFINITY, -0]),
    kind: 'synthetic',
    update: Float32Array.from([0.1, 0.2, 0.3, 0.4, 0.5, 0.6]),
    labels: Uint8Array.from([3, 9]),
    examples: Uint32Array.from([4_000_000_000, 1]),
  };

  for (const offset of [0, 1, 2, 3, 5]) {
    it(`decodes a payload at byte offset ${offset} exactly, into aligned arrays of their own`, () => {
      const payload = at(offset, encode({ type: 'work', envelope }));
      expect(payload.byteOffset % 4).toBe(offset % 4);
      const decoded = decode<{ type: string; envelope: Envelope }>(payload);
      const back = decoded.envelope;
      expect(back.data).toBeInstanceOf(Float32Array);
      expect(back.data!.byteOffset).toBe(0);
      // Bit for bit, NaN and -0 included.
      expect(new Uint32Array(back.data!.buffer)).toEqual(new Uint32Array(envelope.data!.buffer));
      expect(back.update).toEqual(envelope.update);
      expect(back.labels).toEqual(envelope.labels);
      expect(back.examples).toEqual(envelope.examples);
      expect({ ...back, data: 0, update: 0, labels: 0, examples: 0 }).toEqual({
        ...envelope,
        data: 0,
        update: 0,
        labels: 0,
        examples: 0,
      });
      // Not a view of the payload: the client may reuse its read buffer.
      payload.fill(0);
      expect(back.data![0]).toBe(1.5);
    });
  }

  it('keeps a non-finite metric (JSON has no NaN)', () => {
    const message = { type: 'results', metrics: [{ loss: Number.NaN, cosine: Number.NEGATIVE_INFINITY }] };
    expect(decode(encode(message))).toEqual(message);
  });

  it('cuts a tensor larger than max_payload into chunks and puts it back exactly, other senders interleaved', () => {
    const big = new Float32Array(10_000).map((_, i) => Math.sin(i) * 1e3);
    const a = new Chunker(1, 1000);
    const b = new Chunker(2, 1000);
    const fromA = a.split(encode({ state: { w: { shape: [100, 100], data: big } } }));
    const fromB = b.split(encode({ other: Float32Array.from([1, 2, 3]) }));
    expect(fromA.length).toBeGreaterThan(40);
    for (const chunk of fromA) expect(chunk.length).toBeLessThanOrEqual(1000);
    const reassembler = new Reassembler();
    const whole: Uint8Array[] = [];
    for (let i = 0; i < fromA.length; i++) {
      const done = reassembler.add(at(i % 4, fromA[i]));
      if (done) whole.push(done);
      if (i === 5) whole.push(reassembler.add(at(1, fromB[0]))!);
    }
    expect(whole).toHaveLength(2);
    expect(decode<{ other: Float32Array }>(whole[0]).other).toEqual(Float32Array.from([1, 2, 3]));
    expect(decode<{ state: { w: { data: Float32Array } } }>(whole[1]).state.w.data).toEqual(big);
    // A chunk out of order is an error, not a silently wrong tensor.
    const fresh = new Reassembler();
    expect(() => fresh.add(fromA[1])).toThrow(ChunkError);
  });
});
