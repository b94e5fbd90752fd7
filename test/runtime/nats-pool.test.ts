import { hostname } from 'node:os';
import { errors, type NatsConnection } from '@nats-io/transport-node';
import { describe, expect, it } from 'vitest';
import { NatsLink } from '../../src/runtime/nats/nats-link.ts';
import { NatsPool } from '../../src/runtime/nats/nats-pool.ts';
import { WorkerFailedError } from '../../src/runtime/workers/partition-pool.ts';
import type { PartitionInit } from '../../src/runtime/workers/protocol.ts';

/**
 * A connection whose publish throws `thrown`; `closed` says whether it has closed. A dropped one
 * throws ClosedConnectionError while its `closed()` promise has not settled yet (the race a killed
 * server opens).
 */
function fakeConnection(thrown: Error | null, closed: boolean): NatsConnection {
  return {
    isClosed: () => closed,
    closed: () => new Promise<Error | undefined>(() => undefined),
    subscribe: () => undefined,
    publish: () => {
      if (thrown) throw thrown;
    },
  } as unknown as NatsConnection;
}

const droppedLink = () => new NatsLink(fakeConnection(new errors.ClosedConnectionError(), true));

describe('NatsLink.publishUnlessClosed', () => {
  it('publishes on an open connection, says false on a closed one, and rethrows any other error', () => {
    expect(new NatsLink(fakeConnection(null, false)).publishUnlessClosed('s', { a: 1 })).toBe(true);
    expect(droppedLink().publishUnlessClosed('s', { a: 1 })).toBe(false);
    const other = new errors.InvalidSubjectError('bad subject');
    expect(() => new NatsLink(fakeConnection(other, false)).publishUnlessClosed('s', {})).toThrow(other);
  });
});

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
