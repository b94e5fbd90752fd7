/**
 * The nats scheduler against workers and lockstep on FCN-3 with DNI (graphs/mnist-fcn.ts,
 * method=dni, its defaults: 256 units, linear synthetic-gradient models, batch 128), and what NATS
 * moves for it:
 *
 *   nice -n 10 node --import tsx bench/nats-transport.ts [--runs 5] [--train-limit 12800] [--batch 128]
 *
 * Part 1, epochs: every measurement is its own `dniflow train --epochs 1 --train-limit N --json`
 * process, the configurations alternating run by run so that load on this shared machine hits them
 * alike. `train_seconds` (first batch until every step in flight has completed; no start-up, no
 * evaluation) over the steps gives the time per step; the pipelined schedulers overlap steps, so this
 * is throughput, not one step's latency. lockstep runs with 1 and with 2 BLAS threads, workers and
 * nats with two partitions of one BLAS thread each (the default placement). The nats runs use one server
 * started here with monitoring on, and after each run its closed connections (`/connz?state=closed`)
 * give what every process of that run published: messages, bytes, mean message size, and the rate
 * in MB/s over the epoch (set-up, heartbeats and the end-of-epoch state pull included).
 *
 * Part 2, transport: one message's round trip through the server (publish, echo, receive; two
 * connections in this process, median of `--pings`) and a one-way stream's rate (publish 64 then
 * wait for the last), for a small control message, the sizes the run measured and larger tensors
 * (16 MiB crosses as chunks: the server's max_payload is 8 MiB). That is the per-edge latency NATS
 * adds to a step. Prints one JSON line per measurement, then the medians and ratios.
 */
import { spawnSync } from 'node:child_process';
import { createServer } from 'node:net';
import { performance } from 'node:perf_hooks';
import { connectNats, NatsLink } from '../src/runtime/nats/nats-link.ts';
import { startNatsServer } from '../src/runtime/nats/nats-server.ts';

const args = process.argv.slice(2);
const option = (name: string, fallback: string): string => {
  const i = args.indexOf(name);
  return i >= 0 && i + 1 < args.length ? args[i + 1] : fallback;
};
const runs = Number(option('--runs', '5'));
const trainLimit = Number(option('--train-limit', '12800'));
const batch = Number(option('--batch', '128'));
const pings = Number(option('--pings', '200'));
const steps = Math.ceil(trainLimit / batch);

// lockstep at 1 and at 2 BLAS threads: on a loaded machine 2 OpenBLAS threads can lose badly (they
// spin waiting for each other), so both are kept and the ratios are given against each.
type Config = 'lockstep-1' | 'lockstep-2' | 'workers' | 'nats';
const configs: Config[] = ['lockstep-1', 'lockstep-2', 'workers', 'nats'];

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};
const round = (x: number, digits = 3) => Number(x.toFixed(digits));

async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as { port: number };
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}

const monitorPort = await freePort();
const server = await startNatsServer({ config: `http: "127.0.0.1:${monitorPort}"\n` });
// Stopped by its PID if this bench is: the server is not this process's child in any other sense.
for (const signal of ['SIGINT', 'SIGTERM'] as const)
  process.on(signal, () => {
    process.kill(server.pid, 'SIGTERM');
    process.exit(130);
  });

interface Traffic {
  messages: number;
  bytes: number;
}

/** What the processes of run `run` published, from the server's record of closed connections. */
async function published(run: string): Promise<Traffic> {
  const response = await fetch(`http://127.0.0.1:${monitorPort}/connz?state=closed&limit=4096`);
  const { connections } = (await response.json()) as {
    connections: { name?: string; in_msgs: number; in_bytes: number }[];
  };
  const mine = connections.filter((c) => c.name?.startsWith(`dniflow-${run}-`));
  if (mine.length === 0) throw new Error(`bench: no closed connections of run ${run} on the server`);
  return {
    messages: mine.reduce((sum, c) => sum + c.in_msgs, 0),
    bytes: mine.reduce((sum, c) => sum + c.in_bytes, 0),
  };
}

async function measure(config: Config, run: number): Promise<{ seconds: number; traffic?: Traffic }> {
  const id = `bench${run}`;
  const nats = config === 'nats' ? ['--nats-url', server.url, '--run-id', id] : [];
  const [scheduler, threads] = config.startsWith('lockstep')
    ? ['lockstep', config.split('-')[1]]
    : [config, '1'];
  const child = spawnSync(
    'node',
    [
      '--import',
      'tsx',
      'bin/dniflow.js',
      'train',
      'graphs/mnist-fcn.ts',
      '--set',
      'method=dni',
      '--batch',
      String(batch),
      '--epochs',
      '1',
      '--train-limit',
      String(trainLimit),
      '--test-limit',
      '100',
      '--scheduler',
      scheduler,
      ...nats,
      '--json',
    ],
    { encoding: 'utf8', env: { ...process.env, DNIFLOW_BLAS_THREADS: threads } },
  );
  if (child.status !== 0) throw new Error(`dniflow failed: ${child.stderr}`);
  const epoch = JSON.parse(child.stdout.split('\n').find((line) => line.includes('"epoch":1'))!);
  return { seconds: epoch.train_seconds, traffic: config === 'nats' ? await published(id) : undefined };
}

// Part 1: epochs.
const seconds = new Map<Config, number[]>(configs.map((c) => [c, []]));
const traffic: Traffic[] = [];
for (let run = 0; run < runs; run++) {
  for (const config of configs) {
    const result = await measure(config, run);
    seconds.get(config)!.push(result.seconds);
    if (result.traffic) traffic.push(result.traffic);
    const rate = result.traffic ? { MB_per_s: round(result.traffic.bytes / 1e6 / result.seconds, 1) } : {};
    console.log(
      JSON.stringify({
        run,
        config,
        train_seconds: round(result.seconds),
        ms_per_step: round((1000 * result.seconds) / steps, 2),
        ...(result.traffic ?? {}),
        ...rate,
      }),
    );
  }
}
const m = Object.fromEntries([...seconds].map(([c, v]) => [c, median(v)])) as Record<Config, number>;
const natsMB = median(traffic.map((t) => t.bytes / 1e6));
const natsMessages = median(traffic.map((t) => t.messages));
console.log(
  JSON.stringify({
    summary: 'epoch',
    steps,
    batch,
    median_train_seconds: Object.fromEntries(configs.map((c) => [c, round(m[c])])),
    median_ms_per_step: Object.fromEntries(configs.map((c) => [c, round((1000 * m[c]) / steps, 2)])),
    over_lockstep_1: Object.fromEntries(configs.map((c) => [c, round(m[c] / m['lockstep-1'])])),
    over_lockstep_2: Object.fromEntries(configs.map((c) => [c, round(m[c] / m['lockstep-2'])])),
    nats_published_MB: round(natsMB, 2),
    nats_messages: natsMessages,
    nats_mean_message_bytes: Math.round((natsMB * 1e6) / natsMessages),
    nats_MB_per_step: round(natsMB / steps, 3),
    nats_MB_per_s: round(median(traffic.map((t, i) => t.bytes / 1e6 / seconds.get('nats')![i])), 1),
  }),
);

// Part 2: one message's round trip and a stream's rate, by size.
const a = new NatsLink(await connectNats(server.url, 'bench-a'));
const b = new NatsLink(await connectNats(server.url, 'bench-b'));
let onPong: () => void = () => undefined;
let onStream: () => void = () => undefined;
b.subscribe<{ data: Float32Array }>(
  'bench.ping',
  (message) => b.publish('bench.pong', message),
  (error) => {
    throw error;
  },
);
a.subscribe<unknown>(
  'bench.pong',
  () => onPong(),
  (error) => {
    throw error;
  },
);
b.subscribe<unknown>(
  'bench.stream',
  () => onStream(),
  (error) => {
    throw error;
  },
);
await a.connection.flush();
await b.connection.flush();
// A control message (the heartbeat's order of size), one activation or gradient of this batch
// (batch × 256 float32), and tensors of 1, 4 and 16 MiB.
const sizes = [16, batch * 256 * 4, 1 << 20, 4 << 20, 16 << 20];
for (const bytes of sizes) {
  const message = { data: new Float32Array(Math.max(1, bytes / 4)).fill(0.5) };
  const count = bytes >= 4 << 20 ? Math.max(10, pings / 10) : pings;
  const trips: number[] = [];
  for (let i = 0; i < count + 5; i++) {
    const started = performance.now();
    await new Promise<void>((resolve) => {
      onPong = resolve;
      a.publish('bench.ping', message);
    });
    // The first few warm the connections up.
    if (i >= 5) trips.push(performance.now() - started);
  }
  const streamed = bytes >= 4 << 20 ? 16 : 64;
  const started = performance.now();
  await new Promise<void>((resolve) => {
    let left = streamed;
    onStream = () => {
      if (--left === 0) resolve();
    };
    for (let i = 0; i < streamed; i++) a.publish('bench.stream', message);
  });
  const elapsed = (performance.now() - started) / 1000;
  console.log(
    JSON.stringify({
      summary: 'transport',
      payload_bytes: message.data.byteLength,
      round_trip_ms_median: round(median(trips)),
      stream_MB_per_s: round((streamed * message.data.byteLength) / 1e6 / elapsed, 1),
      stream_messages_per_s: Math.round(streamed / elapsed),
    }),
  );
}
await a.connection.close();
await b.connection.close();
await server.stop();
