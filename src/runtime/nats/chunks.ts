/**
 * Messages larger than the server's `max_payload` (a network's state, a wide layer's activations)
 * are cut into chunks and put back together on arrival. Every chunk starts with 16 bytes: the
 * sender's id, the message's number at that sender, the chunk's index and the chunk count. NATS
 * keeps one publisher's messages in order, so a message's chunks arrive in order, interleaved only
 * with other senders' chunks.
 */
const HEAD = 16;

export class ChunkError extends Error {}

export class Chunker {
  private next = 0;

  constructor(
    /** Random per process: tells this sender's chunks apart from others' on the same subject. */
    readonly sender: number,
    /** The server's max_payload: no chunk is larger. */
    readonly maxPayload: number,
  ) {
    if (maxPayload <= HEAD)
      throw new ChunkError(`dniflow/runtime: a max_payload of ${maxPayload} bytes is too small`);
  }

  split(bytes: Uint8Array): Uint8Array[] {
    const room = this.maxPayload - HEAD;
    const count = Math.max(1, Math.ceil(bytes.length / room));
    const id = this.next++ >>> 0;
    const chunks: Uint8Array[] = [];
    for (let index = 0; index < count; index++) {
      const part = bytes.subarray(index * room, Math.min(bytes.length, (index + 1) * room));
      const chunk = new Uint8Array(HEAD + part.length);
      const view = new DataView(chunk.buffer);
      view.setUint32(0, this.sender, true);
      view.setUint32(4, id, true);
      view.setUint32(8, index, true);
      view.setUint32(12, count, true);
      chunk.set(part, HEAD);
      chunks.push(chunk);
    }
    return chunks;
  }
}

export class Reassembler {
  private readonly partial = new Map<string, Uint8Array[]>();

  /** The whole message once its last chunk arrives, else undefined. */
  add(chunk: Uint8Array): Uint8Array | undefined {
    if (chunk.length < HEAD) throw new ChunkError('dniflow/runtime: a NATS chunk shorter than its header');
    const view = new DataView(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    const [sender, id, index, count] = [0, 4, 8, 12].map((at) => view.getUint32(at, true));
    const body = chunk.subarray(HEAD);
    if (count === 1 && index === 0) return body;
    const key = `${sender}:${id}`;
    const parts = this.partial.get(key) ?? [];
    if (index !== parts.length || index >= count)
      throw new ChunkError(
        `dniflow/runtime: chunk ${index} of ${count} arrived after ${parts.length} (message ${key})`,
      );
    parts.push(body);
    if (parts.length < count) {
      this.partial.set(key, parts);
      return undefined;
    }
    this.partial.delete(key);
    const whole = new Uint8Array(parts.reduce((sum, part) => sum + part.length, 0));
    let offset = 0;
    for (const part of parts) {
      whole.set(part, offset);
      offset += part.length;
    }
    return whole;
  }
}
