/**
 * Training-epoch benchmark: one epoch of graphs/mnist-fcn.ts (FCN-3, 3 × [Linear → BN → ReLU] of 256,
 * softmax classifier; Adam lr 1e-3, batch 128, 60k examples; DNI with the paper's 2×1024 SG models,
 * sg=mlp) on our engine; backprop also against the PyTorch reference bench/peers/fcn_torch.py, in the
 * same run. DNI has no peer here: bench/workers-epoch.ts compares it with an independent PyTorch DNI
 * peer written from the paper (bench/peers/fcn_dni_torch_idiomatic.py) at batch 256.
 *
 *   node --import tsx bench/train-epoch.ts [--runs N] [--mode bprop|dni|both] [--peer-runs N]
 *        [--blas-threads N] [--peer-threads 1:1,1:2,2:2] [--probe-batches B] [--no-peer] [--json]
 *
 * What is timed, on both sides: the epoch as the trainer reports it — shuffled batch gathering, every
 * training step, and one evaluation of the 10k test set (batch 1000). Data loading and network
 * construction are not timed. The train-only part is reported too.
 *
 * Each of our epochs runs in its own child process (`--child`), so that its peak RSS
 * (process.resourceUsage().maxRSS) is that of one epoch with the data loaded, and runs do not warm
 * each other up. We quote medians over runs; every run uses a different seed (1, 2, ...), as does the
 * peer, and the two sides alternate epoch by epoch (ours 1, peer 1, ours 2, ...), each peer epoch in its
 * own process too. DNIFLOW_BACKEND=ts|native picks our backend (the children inherit it); our BLAS threads are
 * --blas-threads, else DNIFLOW_BLAS_THREADS, else 1 (the peer's 1-thread runs are its fastest on this
 * shared 2-core machine, and 2 OpenBLAS threads were ~2.5× slower than 1 under load).
 *
 * The peer runs with Debian's /usr/bin/python3 (scripts/setup-bench.sh installs python3-torch). Its
 * configuration — torch:OpenBLAS thread counts (`--peer-threads`; 1:2 is its fastest on this 2-core
 * machine, 2:2 oversubscribes) × Adam implementation (PyTorch 1.13's default
 * per-tensor loop, or its multi-tensor 'foreach' one) — is picked per mode by a short probe
 * (`--probe-batches` steps each), and the full runs use the fastest (Adam by CPU per step at each
 * thread count, then threads by wall time per step): the strongest reference we can give it, not
 * just its defaults. Wall time and process CPU time (all threads
 * summed) are both reported: on a shared, loaded machine CPU time is the steadier of the two.
 *
 * Short runs of our side alone (no peer; FCN-N at any batch size):
 *   node --import tsx bench/train-epoch.ts --child --mode dni --seed 1 --batch 256 --layers 3 --max-batches 150
 * trains only the first B batches (`trainLimit` = B × batch, then the full test evaluation) and adds
 * to its JSON the per-step median wall time after 10 warm-up steps (`median_batch_seconds`) and that
 * median × ceil(60000 / batch) (`extrapolated_train_seconds`).
 */
import { spawnSync } from 'node:child_process';
import os from 'node:os';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import mnistFcn from '../graphs/mnist-fcn.ts';
import { trainingDefaults } from '../src/graph/define.ts';
import { loadSourceData } from '../src/runtime/datasets.ts';
import { runGraph } from '../src/runtime/run.ts';
import { backend } from '../src/tensor/backend-registry.ts';

type Mode = 'bprop' | 'dni';

/** One epoch, ours or the peer's, as the child processes print it. */
interface EpochRun {
  mode: Mode;
  seconds_per_epoch: number;
  train_seconds: number;
  eval_seconds: number;
  cpu_seconds: number;
  train_cpu_seconds: number;
  test_error: number;
  train_loss: number;
  max_rss_mib: number;
  threads: number;
  batches?: number;
}

const args = process.argv.slice(2);
const option = (name: string): string | undefined => {
  const index = args.indexOf(name);
  return index >= 0 ? args[index + 1] : undefined;
};
const positiveInt = (name: string, fallback: number): number => {
  const value = Number(option(name) ?? fallback);
  if (!(Number.isInteger(value) && value > 0))
    throw new Error(`bench/train-epoch: ${name} must be a positive integer`);
  return value;
};

/** Runs one epoch in this process and prints it as JSON (the `--child` side). */
async function childEpoch(mode: Mode, seed: number): Promise<void> {
  if (mode !== 'bprop' && mode !== 'dni') throw new Error(`bench/train-epoch: unknown mode '${mode}'`);
  // Optional (short runs): --batch, --layers, --max-batches; the graph's defaults otherwise.
  const batch = option('--batch') === undefined ? undefined : positiveInt('--batch', 128);
  const layers = option('--layers');
  const maxBatches = option('--max-batches') === undefined ? undefined : positiveInt('--max-batches', 1);
  const batchTimes: number[] = [];
  // Loaded (and cached by loadMnist) before the clock starts; runGraph's own load hits the cache.
  loadSourceData('mnist');
  const active = backend();
  // The trainer reads the clock at the start and at the end of the epoch (after its test evaluation):
  // take CPU time at the same points.
  const wallMarks: number[] = [];
  const cpuMarks: number[] = [];
  const clock = {
    now: () => {
      const usage = process.cpuUsage();
      cpuMarks.push((usage.user + usage.system) / 1e6);
      wallMarks.push(performance.now() / 1000);
      return wallMarks[wallMarks.length - 1];
    },
  };
  let lastBatchAt = Number.NaN;
  let lastBatchCpu = Number.NaN;
  const result = await runGraph(mnistFcn, {
    // The paper's 2×1024 synthetic-gradient models (BN + ReLU), not the graph's linear default.
    set: {
      ...(mode === 'dni' ? { method: 'dni', sg: 'mlp' } : { method: mode }),
      ...(layers === undefined ? {} : { layers }),
    },
    epochs: 1,
    seed,
    clock,
    batch,
    trainLimit:
      maxBatches === undefined ? undefined : maxBatches * (batch ?? trainingDefaults(mnistFcn, {}).batch),
    onEvent: (event) => {
      if (event.type !== 'batch') return;
      const now = performance.now() / 1000;
      batchTimes.push(now - (Number.isNaN(lastBatchAt) ? wallMarks[0] : lastBatchAt));
      lastBatchAt = now;
      const usage = process.cpuUsage();
      lastBatchCpu = (usage.user + usage.system) / 1e6;
    },
  });
  const [epoch] = result.history;
  // The trainer reads the clock at the epoch's start, after training (since train_seconds) and at its end.
  if (wallMarks.length < 2 || Number.isNaN(lastBatchAt))
    throw new Error(
      `bench/train-epoch: expected one epoch with batches, the clock was read ${wallMarks.length} times`,
    );
  const wallEnd = wallMarks[wallMarks.length - 1];
  const cpuEnd = cpuMarks[cpuMarks.length - 1];
  const evalSeconds = wallEnd - lastBatchAt;
  const run: EpochRun = {
    mode,
    seconds_per_epoch: epoch.seconds,
    train_seconds: epoch.seconds - evalSeconds,
    eval_seconds: evalSeconds,
    cpu_seconds: cpuEnd - cpuMarks[0],
    train_cpu_seconds: lastBatchCpu - cpuMarks[0],
    test_error: epoch.test_error,
    train_loss: epoch.train_loss,
    max_rss_mib: process.resourceUsage().maxRSS / 1024,
    threads: active.threads,
  };
  const extra: Record<string, number> = {};
  if (maxBatches !== undefined) {
    const steady = batchTimes.length > 10 ? batchTimes.slice(10) : batchTimes;
    const perEpoch = Math.ceil(60000 / result.batch);
    extra.batch = result.batch;
    extra.batches = batchTimes.length;
    extra.median_batch_seconds = median(steady);
    extra.extrapolated_train_seconds = median(steady) * perEpoch;
  }
  console.log(JSON.stringify({ ...run, ...extra, backend: active.name }));
}

function median(values: number[]): number {
  const sorted = [...values].sort((x, y) => x - y);
  const middle = sorted.length >> 1;
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

function parseLines(stdout: string): EpochRun[] {
  return stdout
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as EpochRun);
}

function runOurs(mode: Mode, seed: number, blasThreads: string): EpochRun & { backend: string } {
  const self = fileURLToPath(import.meta.url);
  const result = spawnSync(
    process.execPath,
    ['--import', 'tsx', self, '--child', '--mode', mode, '--seed', String(seed)],
    { encoding: 'utf8', maxBuffer: 1 << 24, env: { ...process.env, DNIFLOW_BLAS_THREADS: blasThreads } },
  );
  if (result.status !== 0)
    throw new Error(`bench/train-epoch: our ${mode} epoch failed:\n${result.stderr.trim()}`);
  return parseLines(result.stdout)[0] as EpochRun & { backend: string };
}

const peerScript = fileURLToPath(new URL('./peers/fcn_torch.py', import.meta.url));
const PYTHON = '/usr/bin/python3';

/** A PyTorch configuration: its torch and OpenBLAS thread counts and Adam implementation (see fcn_torch.py). */
interface PeerConfig {
  threads: number;
  blasThreads: number;
  adam: 'single' | 'foreach';
}

function runPeer(
  mode: Mode,
  config: PeerConfig,
  runs: number,
  maxBatches?: number,
  seed = 1,
): EpochRun[] | string {
  const extra = maxBatches === undefined ? [] : ['--max-batches', String(maxBatches)];
  const result = spawnSync(
    PYTHON,
    [
      peerScript,
      ...['--mode', mode, '--threads', String(config.threads), '--blas-threads', String(config.blasThreads)],
      ...['--adam', config.adam],
      ...['--runs', String(runs), '--seed', String(seed), ...extra],
    ],
    { encoding: 'utf8', maxBuffer: 1 << 24 },
  );
  if (result.error) return `${PYTHON} could not be started: ${result.error.message}`;
  if (result.status !== 0) return `PyTorch peer failed: ${result.stderr.trim().split('\n').pop()}`;
  return parseLines(result.stdout);
}

interface ModeResult {
  mode: Mode;
  ours: EpochRun[];
  peer: EpochRun[] | string;
  peerConfig?: PeerConfig;
  probes: (PeerConfig & { secondsPerBatch: number | null; cpuPerBatch: number | null })[];
}

function main(): void {
  const runs = positiveInt('--runs', 3);
  const peerRuns = positiveInt('--peer-runs', runs);
  const probeBatches = positiveInt('--probe-batches', 20);
  const modeArg = option('--mode') ?? 'both';
  if (!['bprop', 'dni', 'both'].includes(modeArg))
    throw new Error(`bench/train-epoch: --mode must be bprop, dni or both, got '${modeArg}'`);
  const modes: Mode[] = modeArg === 'both' ? ['bprop', 'dni'] : [modeArg as Mode];
  const peerThreads = (option('--peer-threads') ?? '1:1,1:2,2:2').split(',').map((pair) => {
    const [threads, blasThreads] = pair.split(':').map(Number);
    return { threads, blasThreads: blasThreads ?? threads };
  });
  const withPeer = !args.includes('--no-peer');
  const blasThreads = String(positiveInt('--blas-threads', Number(process.env.DNIFLOW_BLAS_THREADS || 1)));
  const loadBefore = os.loadavg();
  const results: ModeResult[] = [];
  for (const mode of modes) {
    const ours: EpochRun[] = [];
    const result: ModeResult = { mode, ours, peer: 'skipped (--no-peer)', probes: [] };
    // A peer that replays our order of work is no peer: DNI's is in bench/workers-epoch.ts.
    if (withPeer && mode === 'dni') result.peer = 'see bench/workers-epoch.ts (idiomatic PyTorch DNI peer)';
    if (withPeer && mode === 'bprop') {
      result.peer = [];
      // A short probe per configuration (threads × Adam implementation); the full runs use the best
      // (2 threads can be far slower on this shared machine).
      for (const { threads, blasThreads: blas } of peerThreads) {
        for (const adam of ['single', 'foreach'] as const) {
          const probe = runPeer(mode, { threads, blasThreads: blas, adam }, 1, probeBatches);
          const ok = typeof probe !== 'string';
          result.probes.push({
            threads,
            blasThreads: blas,
            adam,
            secondsPerBatch: ok ? probe[0].train_seconds / probe[0].batches! : null,
            cpuPerBatch: ok ? probe[0].train_cpu_seconds / probe[0].batches! : null,
          });
          if (!ok) result.peer = probe;
        }
      }
      // Per thread count, the Adam implementation with less CPU per step (CPU time is the steadier
      // clock on a loaded machine, and at equal threads it ranks the same work); across thread
      // counts, the lower wall time per step (more threads only help if they shorten the step).
      const usable = result.probes.filter((p) => p.secondsPerBatch !== null);
      const perThreads = peerThreads
        .map(({ threads, blasThreads }) =>
          usable.filter((p) => p.threads === threads && p.blasThreads === blasThreads),
        )
        .filter((group) => group.length > 0)
        .map((group) => group.reduce((a, b) => (b.cpuPerBatch! < a.cpuPerBatch! ? b : a)));
      if (perThreads.length > 0) {
        const best = perThreads.reduce((a, b) => (b.secondsPerBatch! < a.secondsPerBatch! ? b : a));
        result.peerConfig = { threads: best.threads, blasThreads: best.blasThreads, adam: best.adam };
      }
    }
    // Ours and the peer's epochs alternate, run k of each with seed k, so that a change in the
    // machine's load or clock over the benchmark reaches both sides alike (each peer epoch is its
    // own process, like ours; torch's import and the data loading are outside the timed epoch).
    const peer: EpochRun[] = [];
    for (let run = 0; run < Math.max(runs, withPeer ? peerRuns : 0); run++) {
      if (run < runs) ours.push(runOurs(mode, run + 1, blasThreads));
      if (result.peerConfig && typeof result.peer !== 'string' && run < peerRuns) {
        const epoch = runPeer(mode, result.peerConfig, 1, undefined, run + 1);
        if (typeof epoch === 'string') result.peer = epoch;
        else peer.push(...epoch);
      }
    }
    if (result.peerConfig && typeof result.peer !== 'string') result.peer = peer;
    results.push(result);
  }
  const loadAfter = os.loadavg();
  const active = backend();
  const meta = {
    date: new Date().toISOString(),
    command: `node --import tsx bench/train-epoch.ts ${args.join(' ')}`.trim(),
    backend: results[0]?.ours[0]
      ? (results[0].ours[0] as EpochRun & { backend: string }).backend
      : active.name,
    blasThreads: results[0]?.ours[0]?.threads ?? active.threads,
    node: process.version,
    torch: torchVersion(),
    cpu: os.cpus()[0]?.model ?? 'unknown',
    cores: os.cpus().length,
    runs,
    peerRuns,
    loadavg: { before: loadBefore.map((l) => +l.toFixed(2)), after: loadAfter.map((l) => +l.toFixed(2)) },
  };
  if (args.includes('--json')) {
    console.log(JSON.stringify({ ...meta, results }, null, 2));
    return;
  }
  printTable(meta, results);
}

function torchVersion(): string {
  const result = spawnSync(PYTHON, ['-c', 'import torch; print(torch.__version__)'], { encoding: 'utf8' });
  return result.status === 0 ? result.stdout.trim() : 'unavailable';
}

function printTable(
  meta: Record<string, unknown> & { loadavg: { before: number[]; after: number[] } },
  results: ModeResult[],
): void {
  const f = (value: number | null | undefined, digits = 2) =>
    value === null || value === undefined ? 'n/a' : value.toFixed(digits);
  console.log(
    `train-epoch: mnist-fcn (FCN-3, hidden 256, batch 128, Adam 1e-3), backend '${meta.backend}' (${meta.blasThreads} BLAS threads), node ${meta.node}, torch ${meta.torch}; ${meta.cpu}, ${meta.cores} cores`,
  );
  console.log(
    `${meta.date}; medians of ${meta.runs} epochs (ours) and ${meta.peerRuns} (PyTorch); one epoch = 60k training examples + 10k test evaluation, data loading excluded`,
  );
  console.log(`load average before ${meta.loadavg.before.join(' ')}, after ${meta.loadavg.after.join(' ')}`);
  console.log('');
  console.log(
    '| mode | ours s/epoch | PyTorch s/epoch (threads, Adam) | ours/PyTorch | ours CPU s | PyTorch CPU s | CPU ratio | ours train-only s | PyTorch train-only s | test error ours / PyTorch % | peak RSS ours / PyTorch MiB |',
  );
  console.log('|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|');
  for (const r of results) {
    const m = (runs: EpochRun[], key: keyof EpochRun) => median(runs.map((x) => x[key] as number));
    const peer = typeof r.peer === 'string' ? null : r.peer;
    const ours = { wall: m(r.ours, 'seconds_per_epoch'), cpu: m(r.ours, 'cpu_seconds') };
    const theirs = peer && { wall: m(peer, 'seconds_per_epoch'), cpu: m(peer, 'cpu_seconds') };
    console.log(
      `| ${r.mode} | ${f(ours.wall)} | ${theirs ? `${f(theirs.wall)} (${r.peerConfig?.threads}:${r.peerConfig?.blasThreads}, ${r.peerConfig?.adam})` : 'n/a'} | ${theirs ? f(ours.wall / theirs.wall) : 'n/a'} | ${f(ours.cpu)} | ${f(theirs?.cpu)} | ${theirs ? f(ours.cpu / theirs.cpu) : 'n/a'} | ${f(m(r.ours, 'train_seconds'))} | ${peer ? f(m(peer, 'train_seconds')) : 'n/a'} | ${f(m(r.ours, 'test_error'))} / ${peer ? f(m(peer, 'test_error')) : 'n/a'} | ${f(Math.max(...r.ours.map((x) => x.max_rss_mib)), 0)} / ${peer ? f(Math.max(...peer.map((x) => x.max_rss_mib)), 0) : 'n/a'} |`,
    );
  }
  console.log('');
  for (const r of results) {
    console.log(
      `${r.mode}: ours per run (s): ${r.ours.map((x) => f(x.seconds_per_epoch)).join(', ')}; PyTorch per run: ${typeof r.peer === 'string' ? r.peer : r.peer.map((x) => f(x.seconds_per_epoch)).join(', ')}`,
    );
    const peerRuns = typeof r.peer === 'string' ? null : r.peer;
    console.log(
      `${r.mode}: train-only CPU s, ours ${f(median(r.ours.map((x) => x.train_cpu_seconds)))} / PyTorch ${peerRuns ? f(median(peerRuns.map((x) => x.train_cpu_seconds))) : 'n/a'}`,
    );
    if (r.probes.length > 0) {
      console.log(
        `${r.mode}: PyTorch probe over ${option('--probe-batches') ?? 20} steps (wall / CPU ms per step): ${r.probes.map((p) => `${p.threads}:${p.blasThreads}t ${p.adam} ${p.secondsPerBatch === null ? 'failed' : `${(1000 * p.secondsPerBatch).toFixed(0)} / ${(1000 * p.cpuPerBatch!).toFixed(0)}`}`).join(', ')}`,
      );
    }
  }
}

// Last, so that every module-level constant above is initialised.
if (args.includes('--child')) {
  await childEpoch(option('--mode') as Mode, positiveInt('--seed', 1));
} else {
  main();
}
