import { hostname } from 'node:os';
import { errors, type NatsConnection } from '@nats-io/transport-node';
import { describe, expect, it } from 'vitest';
import type { NatsLink } from '../../src/runtime/nats/nats-link.ts';
import { NatsPool } from '../../src/runtime/nats/nats-pool.ts';
import { WorkerFailedError } from '../../src/runtime/workers/partition-pool.ts';
import type { PartitionInit } from '../../src/runtime/workers/protocol.ts';

/**
 * A connection the server has just dropped: publishing throws, as the client does, while the
 * `closed()` promise has not settled yet (the race a killed server opens).
 */
function droppedLink(): NatsLink {
  const connection = {
    isClosed: () => true,
    closed: () => new Promise<Error | undefined>(() => undefined),
    subscribe: () => undefined,
    publish: () => {
      throw new errors.ClosedConnectionError();
    },
  } as unknown as NatsConnection;
  return {
    connection,
    publish: () => connection.publish('x', new Uint8Array()),
    subscribe: () => undefined,
  } as unknown as NatsLink;
}

describe('NatsPool', () => {
  it('names a publish on a dropped connection as the coordinator losing the server, not as a raw client error', async () => {
    const failures: WorkerFailedError[] = [];
    const pool = new NatsPool(
      [{ nodes: ['layer1', 'loss'] } as PartitionInit],
      () => undefined,
      (error) => failures.push(error),
      () => 7,
      {
        link: droppedLink(),
        url: 'nats://127.0.0.1:4999',
        run: 'r',
        remote: new Set([0]),
        log: () => undefined,
      },
    );
    try {
      expect(() => pool.post(0, { type: 'scale', factor: 1 })).not.toThrow();
      expect(failures).toHaveLength(1);
      expect(failures[0]).toBeInstanceOf(WorkerFailedError);
      expect(failures[0]!.message).toBe(
        `dniflow/runtime: the coordinator (process ${process.pid} on ${hostname()}) running 'layer1', 'loss' ` +
          'failed at step 7: lost its connection to the NATS server at nats://127.0.0.1:4999',
      );
      // A request on the failed pool rejects with the same error instead of waiting.
      await expect(pool.request((id) => ({ type: 'sync', id }))).rejects.toBe(failures[0]);
    } finally {
      await pool.terminate();
    }
  });
});
