import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import mnistFcn from '../../graphs/mnist-fcn.ts';
import { resolveParams } from '../../src/graph/define.ts';
import { validateNetwork } from '../../src/graph/validate.ts';
import { readCheckpoint } from '../../src/runtime/checkpoint.ts';
import { ManualClock } from '../../src/runtime/clock.ts';
import { startNatsEngine } from '../../src/runtime/nats/nats-engine.ts';
import { connectNats, NatsLink, subjects } from '../../src/runtime/nats/nats-link.ts';
import type { ToProcess } from '../../src/runtime/nats/nats-protocol.ts';
import { type LocalNatsServer, natsServerPath, startNatsServer } from '../../src/runtime/nats/nats-server.ts';
import { runGraph } from '../../src/runtime/run.ts';
import { WorkerFailedError } from '../../src/runtime/workers/partition-pool.ts';
import type { WorkerEngine } from '../../src/runtime/workers/worker-engine.ts';
import { Prng } from '../../src/tensor/prng.ts';

// CI runs scripts/setup.sh, which installs Debian's nats-server: skipped only where it truly is absent.
const missing = natsServerPath() === undefined;
if (missing) console.warn('test/runtime/nats.test.ts skipped: no nats-server binary (run scripts/setup.sh)');

const quick = { batch: 64, trainLimit: 3000, testLimit: 1000, seed: 3, clock: new ManualClock() };
const BIN = fileURLToPath(new URL('../../bin/dniflow.js', import.meta.url));

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe.skipIf(missing)('the nats scheduler (modules as OS processes joined by NATS)', () => {
  let server: LocalNatsServer;
  beforeAll(async () => {
    server = await startNatsServer();
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('trains the MNIST FCN with DNI to the same test-error band as lockstep, one partition started by hand', async () => {
    const set = { method: 'dni', hidden: '32' };
    const lockstep = await runGraph(mnistFcn, { ...quick, set, epochs: 2 });
    // Partition 1 joins as a user would start it on another host: `dniflow partition ...`.
    let byHand: ChildProcess | undefined;
    const nats = await runGraph(mnistFcn, {
      ...quick,
      set,
      epochs: 2,
      scheduler: 'nats',
      nats: {
        url: server.url,
        run: 'hand',
        remote: ['1'],
        log: () => {
          byHand ??= spawn(
            process.execPath,
            [BIN, 'partition', '--nats-url', server.url, '--run-id', 'hand', '--partition', '1'],
            { stdio: 'inherit' },
          );
        },
      },
    });
    const [a, b] = [lockstep.history.at(-1)!, nats.history.at(-1)!];
    console.log(`test error: lockstep ${a.test_error}%, nats ${b.test_error}%`);
    // Not the same bits: several steps are in flight, so DNI targets arrive later (as with workers).
    expect(b.test_error).toBeLessThan(75); // chance is 90%
    expect(Math.abs(b.test_error - a.test_error)).toBeLessThan(8);
    for (const module of b.modules) expect(module.updates).toBe(2 * Math.ceil(3000 / 64));
    expect(b.interfaces.map((i) => i.edge).sort()).toEqual(a.interfaces.map((i) => i.edge).sort());
    // The process started by hand was told to stop, and did.
    const code = byHand!.exitCode ?? (await new Promise((resolve) => byHand!.once('exit', resolve)));
    expect(code).toBe(0);
  });

  it('ends the run within 5 s, naming the module and its process, when a partition process is killed; no orphans', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dniflow-nats-'));
    const checkpointPath = join(dir, 'last-good.ckpt');
    let engine: WorkerEngine | undefined;
    let killedAt = 0;
    let pids: number[] = [];
    const run = runGraph(mnistFcn, {
      ...quick,
      set: { method: 'dni', hidden: '16' },
      epochs: 3,
      scheduler: 'nats',
      workers: { placement: 'layer1,layer2|layer3,classifier' },
      checkpointPath,
      onReady: ({ engine: started }) => {
        engine = started as WorkerEngine;
      },
      onEvent: (event) => {
        if (event.type === 'batch' && event.epoch === 2 && event.batch === 5 && killedAt === 0) {
          pids = ['layer1', 'layer3'].map((m) => engine!.processOf(m)!);
          process.kill(engine!.processOf('layer3')!, 'SIGKILL');
          killedAt = performance.now();
        }
      },
    });
    const error = await run.then(
      () => undefined,
      (e: unknown) => e,
    );
    const seconds = (performance.now() - killedAt) / 1000;
    if (killedAt === 0) throw error; // it failed before the kill: show why
    expect(killedAt).toBeGreaterThan(0);
    expect(error).toBeInstanceOf(WorkerFailedError);
    expect((error as Error).message).toMatch(
      new RegExp(`the process ${pids[1]} on \\S+ running 'layer3', 'classifier'`),
    );
    expect((error as Error).message).toMatch(/signal SIGKILL/);
    expect(seconds).toBeLessThan(5);
    // The other process was stopped and the run's server too: nothing is left running.
    expect(pids.filter(alive)).toEqual([]);
    expect(readCheckpoint(checkpointPath).meta).toMatchObject({ epoch: 1 });
  });

  it('refuses a process that runs other code, at join, with a clear error', async () => {
    const net = mnistFcn.build(resolveParams(mnistFcn, { method: 'dni', hidden: '8' }));
    const impostor = new NatsLink(await connectNats(server.url, 'impostor'));
    const names = subjects('refuse');
    const told: string[] = [];
    impostor.subscribe<ToProcess>(
      names.partition(1),
      (message) => message.type === 'refused' && told.push(message.why),
      () => undefined,
    );
    await impostor.connection.flush();
    // It asks to join as a real process does, again until answered (the coordinator may not be listening yet).
    const join = { type: 'join', index: 1, code: '0.0.1+other', host: 'elsewhere', pid: 4242 };
    const asking = setInterval(() => impostor.publish(names.coordinator, join), 200);
    const started = startNatsEngine(
      net,
      validateNetwork(net),
      new Prng(1),
      { kind: 'adam', lr: 1e-3 },
      {
        url: server.url,
        run: 'refuse',
        remote: ['1'],
        log: () => undefined,
      },
    );
    await expect(started.finally(() => clearInterval(asking))).rejects.toThrow(
      /process 4242 on elsewhere running .* failed: refused at join: it runs dniflow 0\.0\.1\+other, this is /,
    );
    expect(told[0]).toMatch(/it runs dniflow 0\.0\.1\+other, the coordinator runs/);
    await impostor.connection.close();
  });

  it('moves a tensor larger than the server max_payload exactly (chunked and reassembled)', async () => {
    const a = new NatsLink(await connectNats(server.url, 'a'));
    const b = new NatsLink(await connectNats(server.url, 'b'));
    try {
      const limit = a.connection.info!.max_payload;
      const big = new Float32Array(limit / 4 + 12_345).map((_, i) => Math.cos(i) * i);
      const got = new Promise<Float32Array>((resolve) =>
        b.subscribe<{ data: Float32Array }>(
          'dniflow.test.big',
          (m) => resolve(m.data),
          () => undefined,
        ),
      );
      await b.connection.flush();
      a.publish('dniflow.test.big', { data: big });
      const data = await got;
      expect(big.byteLength).toBeGreaterThan(limit);
      // Bit for bit (a byte comparison: deep equality over millions of elements takes seconds).
      expect(Buffer.from(data.buffer).equals(Buffer.from(big.buffer))).toBe(true);
    } finally {
      await a.connection.close();
      await b.connection.close();
    }
  });
});
