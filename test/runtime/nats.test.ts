import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
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
import { operatorSetup } from '../helpers/nats-creds.ts';
import { startTcpProxy } from '../helpers/tcp-proxy.ts';

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

  /**
   * A 3-epoch run whose fault is injected at epoch 2, batch 5 (after epoch 1's checkpoint); resolves
   * with the error, the seconds from the fault to the run's end (teardown included), the partition
   * processes' pids and whether the checkpoint is byte for byte the one on disk at the fault.
   */
  async function faultRun(
    inject: (engine: WorkerEngine) => void,
    nats: { url?: string; run?: string; remote?: string[]; log?: (line: string) => void } = {},
  ) {
    const dir = mkdtempSync(join(tmpdir(), 'dniflow-nats-'));
    const checkpointPath = join(dir, 'last-good.ckpt');
    let engine: WorkerEngine | undefined;
    let faultAt = 0;
    let pids: number[] = [];
    let saved: Buffer | undefined;
    const error = await runGraph(mnistFcn, {
      ...quick,
      set: { method: 'dni', hidden: '16' },
      epochs: 3,
      scheduler: 'nats',
      workers: { placement: 'layer1,layer2|layer3,classifier' },
      nats,
      checkpointPath,
      onReady: ({ engine: started }) => {
        engine = started as WorkerEngine;
      },
      onEvent: (event) => {
        if (event.type === 'batch' && event.epoch === 2 && event.batch === 5 && faultAt === 0) {
          pids = ['layer1', 'layer3'].map((m) => engine!.processOf(m)!);
          saved = readFileSync(checkpointPath);
          inject(engine!);
          faultAt = performance.now();
        }
      },
    }).then(
      () => undefined,
      (e: unknown) => e,
    );
    if (faultAt === 0) throw error ?? new Error('the run ended before the fault was injected');
    const seconds = (performance.now() - faultAt) / 1000;
    const intact =
      saved!.equals(readFileSync(checkpointPath)) && readCheckpoint(checkpointPath).meta.epoch === 1;
    return { error: error as Error, seconds, pids, intact };
  }

  it('ends the run within 5 s, naming the module and its process, when a partition process hangs (SIGSTOP); no orphans', async () => {
    const { error, seconds, pids, intact } = await faultRun((engine) =>
      process.kill(engine.processOf('layer3')!, 'SIGSTOP'),
    );
    console.log(`hang detected and the run ended in ${seconds.toFixed(2)} s: ${error.message}`);
    expect(error).toBeInstanceOf(WorkerFailedError);
    expect(error.message).toMatch(
      new RegExp(
        `the process ${pids[1]} on ${hostname()} running 'layer3', 'classifier', 'loss' failed at step \\d+: no heartbeat for [\\d.]+ s`,
      ),
    );
    expect(seconds).toBeLessThan(5);
    // The hung process cannot take 'stop': it was killed, and the other one stopped.
    expect(pids.filter(alive)).toEqual([]);
    expect(intact).toBe(true);
  });

  it('ends the run within 5 s, naming the coordinator, when the NATS server is killed; no orphans', async () => {
    const own = await startNatsServer();
    try {
      const { error, seconds, pids, intact } = await faultRun(() => process.kill(own.pid, 'SIGKILL'), {
        url: own.url,
      });
      console.log(`server loss detected and the run ended in ${seconds.toFixed(2)} s: ${error.message}`);
      expect(error).toBeInstanceOf(WorkerFailedError);
      expect(error.message).toMatch(
        new RegExp(
          `the coordinator \\(process ${process.pid} on ${hostname()}\\) running 'layer1', 'layer2', 'layer3', 'classifier', 'loss' ` +
            `failed at step \\d+: lost its connection to the NATS server at ${own.url.replace(/\./g, '\\.')}`,
        ),
      );
      expect(seconds).toBeLessThan(5);
      // Every partition process lost its connection too, and left.
      expect(pids.filter(alive)).toEqual([]);
      expect(intact).toBe(true);
    } finally {
      await own.stop();
    }
  });

  it.each([
    ['goes silent (a network partition)', 'blackhole'],
    ['is reset', 'cut'],
  ] as const)(
    "ends the run within 5 s, naming the process and its host, when one process's connection %s; no orphans",
    async (_what, fault) => {
      const proxy = await startTcpProxy(server.url);
      const run = `lost-${fault}`;
      // Partition 1 is started as on another host, through the proxy: only its connection is lost.
      let byHand: ChildProcess | undefined;
      let stderr = '';
      try {
        const { error, seconds, pids, intact } = await faultRun(() => proxy[fault](), {
          url: server.url,
          run,
          remote: ['1'],
          log: () => {
            byHand ??= spawn(
              process.execPath,
              [BIN, 'partition', '--nats-url', proxy.url, '--run-id', run, '--partition', '1'],
              { stdio: ['ignore', 'inherit', 'pipe'] },
            );
            byHand.stderr!.on('data', (text: Buffer) => {
              stderr += text.toString();
            });
          },
        });
        console.log(
          `lost connection (${fault}) detected and the run ended in ${seconds.toFixed(2)} s: ${error.message}`,
        );
        expect(error).toBeInstanceOf(WorkerFailedError);
        expect(pids[1]).toBe(byHand!.pid);
        expect(error.message).toMatch(
          new RegExp(
            `the process ${byHand!.pid} on ${hostname()} running 'layer3', 'classifier', 'loss' failed at step \\d+: no heartbeat for [\\d.]+ s`,
          ),
        );
        expect(seconds).toBeLessThan(5);
        expect(alive(pids[0])).toBe(false);
        expect(intact).toBe(true);
        // The process that lost its connection leaves by itself: at once when reset, after 10 s of
        // the coordinator's silence when cut off silently.
        const code = byHand!.exitCode ?? (await new Promise((resolve) => byHand!.once('exit', resolve)));
        expect(code).toBe(1);
        expect(stderr).toMatch(
          fault === 'cut' ? /lost the NATS connection/ : /the coordinator has been silent/,
        );
      } finally {
        if (byHand?.exitCode === null) byHand.kill('SIGKILL');
        await proxy.close();
      }
    },
    60_000,
  );

  it.each([
    ['a user and password', 'password'],
    ['a token', 'token'],
    ['a credentials file (--nats-creds)', 'creds'],
  ] as const)(
    'runs every process with %s; no secret on a command line; wrong credentials get one line and exit 1',
    async (_what, kind) => {
      const dir = mkdtempSync(join(tmpdir(), 'dniflow-nats-auth-'));
      const operator = operatorSetup();
      const credsPath = join(dir, 'user.creds');
      writeFileSync(credsPath, operator.creds);
      const config = {
        password: 'authorization { user: trainer, password: "pw-s3cret" }\n',
        token: 'authorization { token: "tok-s3cret" }\n',
        creds: operator.config,
      }[kind];
      const own = await startNatsServer({ config });
      try {
        const bare = own.url;
        const withSecret = {
          password: bare.replace('//', '//trainer:pw-s3cret@'),
          token: bare.replace('//', '//tok-s3cret@'),
          creds: bare,
        }[kind];
        const creds = kind === 'creds' ? credsPath : undefined;
        const secret = { password: 'pw-s3cret', token: 'tok-s3cret', creds: 'BEGIN' }[kind];
        const commandLines: string[] = [];
        const result = await runGraph(mnistFcn, {
          ...quick,
          trainLimit: 640,
          set: { method: 'dni', hidden: '16' },
          epochs: 1,
          scheduler: 'nats',
          nats: { url: withSecret, creds },
          onReady: ({ engine }) => {
            for (const module of ['layer1', 'layer3']) {
              const pid = (engine as WorkerEngine).processOf(module)!;
              commandLines.push(readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' '));
            }
          },
        });
        expect(result.history).toHaveLength(1);
        expect(commandLines).toHaveLength(2);
        for (const line of commandLines) {
          expect(line).toMatch(/ partition --run-id /);
          expect(line).not.toContain(secret);
          if (creds) expect(line).toContain(`--nats-creds ${credsPath}`);
        }
        // A wrong password or token, or none where the server wants some: one line, exit code 1.
        const wrong = {
          password: bare.replace('//', '//trainer:wrong@'),
          token: bare.replace('//', '//wrong@'),
          creds: bare,
        }[kind];
        const refused = spawnSync(
          process.execPath,
          [BIN, 'partition', '--nats-url', wrong, '--run-id', 'auth', '--partition', '0'],
          { encoding: 'utf8' },
        );
        expect(refused.status).toBe(1);
        const held = kind === 'creds' ? 'a client without credentials' : 'the credentials given';
        expect(refused.stderr).toBe(
          `dniflow/runtime: the NATS server at ${bare} refused ${held} (Authorization Violation)\n`,
        );
      } finally {
        await own.stop();
      }
    },
  );

  it('says in one line what is wrong with a bad URL (exit 2), an unreachable server or a credentials file (exit 1 / 2)', () => {
    const partition = (...args: string[]) =>
      spawnSync(process.execPath, [BIN, 'partition', '--run-id', 'bad', '--partition', '0', ...args], {
        encoding: 'utf8',
      });
    const notNats = partition('--nats-url', 'http://127.0.0.1:4222');
    expect([notNats.status, notNats.stderr]).toEqual([
      2,
      "dniflow: 'http://127.0.0.1:4222' is not a nats:// URL\n",
    ]);
    const badPort = partition('--nats-url', 'nats://127.0.0.1:99999');
    expect(badPort.status).toBe(2);
    expect(badPort.stderr).toMatch(
      /^dniflow: 'nats:\/\/127\.0\.0\.1:99999' is not a URL \(expected nats:\/\/HOST:PORT\)\n$/,
    );
    // Port 1 on loopback: nothing listens there, and the refusal is immediate.
    const unreachable = partition('--nats-url', 'nats://127.0.0.1:1');
    expect([unreachable.status, unreachable.stderr]).toEqual([
      1,
      'dniflow/runtime: cannot reach the NATS server at nats://127.0.0.1:1: connection refused\n',
    ]);
    const noFile = partition('--nats-url', server.url, '--nats-creds', '/nonexistent/user.creds');
    expect([noFile.status, noFile.stderr]).toEqual([
      2,
      "dniflow: cannot read the NATS credentials file '/nonexistent/user.creds' (ENOENT)\n",
    ]);
    const notCreds = partition('--nats-url', server.url, '--nats-creds', BIN);
    expect(notCreds.status).toBe(2);
    expect(notCreds.stderr).toMatch(/^dniflow: '.*dniflow\.js' is not a NATS credentials file .*\n$/);
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
