/**
 * LSTM window benchmark (issue 10): forward + backward of one window of our LSTM (src/nn/lstm.ts) on
 * the active backend against PyTorch's nn.LSTM (bench/peers/lstm_torch.py) on the same shapes and
 * the same number of threads, measured in the same run; printed as the ratio ours/PyTorch.
 *
 *   node --import tsx bench/lstm-window.ts [--inputs 256,10] [--threads 1,2] [--runs 5] [--reps 30]
 *        [--warmup 10] [--hidden 256] [--batch 256] [--ticks 5] [--profile] [--no-peer] [--json]
 *
 * Shapes: T = 5 ticks, batch 256, 256 hidden units, input size 256 (a stacked layer: ∂L/∂inputs is
 * computed on both sides) and input size 10 (the Copy task's; inputs straight from the data, so no
 * ∂L/∂inputs on either side: `{ inputGradient: false }` / inputs that do not require grad).
 *
 * One truncated-BPTT window, timed on both sides as its user writes it: zeroGrad of the parameters
 * (ours: zeroGradient, deferred for the LSTM's gemm-written gradients; PyTorch:
 * zero_grad(set_to_none=True)), forward from the carried state (h0, c0) — detached on PyTorch's side,
 * as truncated BPTT carries it — and backward from per-tick output gradients [T, B, H] only, giving
 * the parameter gradients (and ∂L/∂inputs for a stacked layer). Nothing is injected at the final
 * state and PyTorch computes no gradient at (h0, c0); ours computes that one anyway (its window
 * always returns it), which is our cost, not the peer's. Each child process times --reps windows
 * after --warmup untimed ones and reports medians; the table quotes the median over --runs processes
 * per side, the two sides alternating process by process.
 *
 * Threads: ours DNIFLOW_BLAS_THREADS = N (native backend: OpenBLAS threads; the TS backend is
 * single-threaded). PyTorch at N threads in total is probed over its configurations
 * torch (intra-op) threads : OpenBLAS threads with both at most N (1:1 for N = 1; 1:2 and 2:2 for
 * N = 2) and the faster of a short probe is used for the full runs: its fastest setting at that
 * thread budget. The peer's OpenBLAS picks its own kernels, as it would for a PyTorch user (torch
 * does its matmuls in the system OpenBLAS). This is the layer-level comparison issue 10 asked for;
 * the paper's experiment as a PyTorch user trains it is bench/char-lm-step.ts.
 *
 * --profile adds, for ours, a breakdown of the window: gemm (wall time inside backend.gemm, timed by
 * wrapping it), the per-tick gate elementwise code (lstmTickForward/Backward of src/nn/lstm-cell.ts,
 * timed on their own over the same buffers and T), and the rest; and for PyTorch its profiler's self
 * CPU time grouped the same way. Run with DNIFLOW_BACKEND=native (the default when the addon is built).
 */
import { spawnSync } from 'node:child_process';
import os from 'node:os';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { zeroGradient } from '../src/nn/deferred-zero.ts';
import { LSTM } from '../src/nn/lstm.ts';
import { LstmWindowCache } from '../src/nn/lstm-buffers.ts';
import { lstmTickBackward, lstmTickForward } from '../src/nn/lstm-cell.ts';
import { backend } from '../src/tensor/backend-registry.ts';
import { Prng } from '../src/tensor/prng.ts';
import { Tensor } from '../src/tensor/tensor.ts';

const args = process.argv.slice(2);
const option = (name: string): string | undefined => {
  const index = args.indexOf(name);
  return index >= 0 ? args[index + 1] : undefined;
};
const positiveInt = (name: string, fallback: number): number => {
  const value = Number(option(name) ?? fallback);
  if (!(Number.isInteger(value) && value > 0))
    throw new Error(`bench/lstm-window: ${name} must be a positive integer`);
  return value;
};
const intList = (name: string, fallback: string): number[] =>
  (option(name) ?? fallback).split(',').map((item) => {
    const value = Number(item);
    if (!(Number.isInteger(value) && value > 0))
      throw new Error(`bench/lstm-window: ${name} must be a list of positive integers`);
    return value;
  });

const hidden = positiveInt('--hidden', 256);
const batch = positiveInt('--batch', 256);
const ticks = positiveInt('--ticks', 5);
const reps = positiveInt('--reps', 30);
const warmup = positiveInt('--warmup', 10);
/** ∂L/∂inputs only for a layer fed by another layer; the Copy task's inputs come from the data. */
const inputGradientFor = (inputSize: number): boolean => inputSize !== 10;

/** One process's measurement, ours or the peer's (medians over its windows, seconds). */
interface WindowRun {
  /** Ours only: the backend the child ran on. */
  backend?: string;
  seconds: number;
  forward_seconds: number;
  backward_seconds: number;
  cpu_seconds: number;
  threads: number;
  blas_threads?: number;
  blas_core?: string;
  profile?: { gemm: number; elementwise: number; other: number };
}

function median(values: number[]): number {
  const sorted = [...values].sort((x, y) => x - y);
  const middle = sorted.length >> 1;
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

const cpuNow = (): number => {
  const usage = process.cpuUsage();
  return (usage.user + usage.system) / 1e6;
};

/** Our side, in this process: prints one WindowRun as JSON. */
function childWindow(inputSize: number, profile: boolean): void {
  const prng = new Prng(1, 'bench-lstm');
  const lstm = new LSTM('lstm', inputSize, hidden, { prng });
  const random = (shape: number[]) => {
    const tensor = Tensor.zeros(shape);
    prng.fillNormal(tensor.data);
    return tensor;
  };
  const inputs = random([ticks, batch, inputSize]);
  const h0 = random([batch, hidden]);
  const c0 = random([batch, hidden]);
  const gradOutputs = random([ticks, batch, hidden]);
  const options = { inputGradient: inputGradientFor(inputSize) };
  const parameters = lstm.parameters();
  const forward = () => {
    for (const parameter of parameters) zeroGradient(parameter.grad.data);
    lstm.forwardWindow(inputs, h0, c0, true);
  };
  const backward = () => lstm.backwardWindow(gradOutputs, null, null, options);
  for (let i = 0; i < warmup; i++) {
    forward();
    backward();
  }
  const walls: number[] = [];
  const forwards: number[] = [];
  const backwards: number[] = [];
  const cpus: number[] = [];
  for (let i = 0; i < reps; i++) {
    const cpu0 = cpuNow();
    const t0 = performance.now();
    forward();
    const t1 = performance.now();
    backward();
    const t2 = performance.now();
    cpus.push(cpuNow() - cpu0);
    walls.push((t2 - t0) / 1000);
    forwards.push((t1 - t0) / 1000);
    backwards.push((t2 - t1) / 1000);
  }
  const active = backend();
  const run: WindowRun = {
    seconds: median(walls),
    forward_seconds: median(forwards),
    backward_seconds: median(backwards),
    cpu_seconds: median(cpus),
    threads: active.threads,
    blas_core: (active as { blasCore?: string }).blasCore ?? 'none (TS backend)',
    backend: active.name,
  };
  if (profile) run.profile = profileWindow(forward, backward);
  console.log(JSON.stringify(run));
}

/**
 * Where one window's time goes: gemm (backend.gemm wrapped with a timer), the per-tick gate
 * elementwise kernels (timed alone, over a cache of the same shape), and the rest; medians, seconds.
 */
function profileWindow(
  forward: () => void,
  backward: () => void,
): { gemm: number; elementwise: number; other: number; total: number; gemm_calls: number } {
  const active = backend() as { gemm: (...operands: never[]) => void };
  const gemm = active.gemm;
  let gemmSeconds = 0;
  let gemmCalls = 0;
  active.gemm = (...operands: never[]) => {
    const start = performance.now();
    gemm(...operands);
    gemmSeconds += (performance.now() - start) / 1000;
    gemmCalls++;
  };
  const totals: number[] = [];
  const gemms: number[] = [];
  let calls = 0;
  for (let i = 0; i < reps; i++) {
    gemmSeconds = 0;
    gemmCalls = 0;
    const start = performance.now();
    forward();
    backward();
    totals.push((performance.now() - start) / 1000);
    gemms.push(gemmSeconds);
    calls = gemmCalls;
  }
  active.gemm = gemm;
  // The elementwise half of every tick, forward and backward, on its own buffers of the same shape.
  const cache = new LstmWindowCache(ticks, batch, hidden);
  const prng = new Prng(2, 'bench-lstm-cell');
  const preActivations = prng.fillNormal(new Float32Array(cache.gates.length));
  prng.fillNormal(cache.cells.subarray(0, batch * hidden));
  const gradOutputs = prng.fillNormal(new Float32Array(ticks * batch * hidden));
  const gradHidden = prng.fillNormal(new Float32Array(batch * hidden));
  const gradCell = prng.fillNormal(new Float32Array(batch * hidden));
  const gradGates = new Float32Array(cache.gates.length);
  const elementwise: number[] = [];
  for (let i = 0; i < warmup + reps; i++) {
    cache.gates.set(preActivations);
    const start = performance.now();
    for (let t = 0; t < ticks; t++) lstmTickForward(cache, t);
    for (let t = ticks - 1; t >= 0; t--)
      lstmTickBackward(cache, t, gradOutputs, gradHidden, gradCell, gradGates);
    if (i >= warmup) elementwise.push((performance.now() - start) / 1000);
  }
  const total = median(totals);
  const gemmMedian = median(gemms);
  const elementwiseMedian = median(elementwise);
  return {
    total,
    gemm: gemmMedian,
    elementwise: elementwiseMedian,
    other: total - gemmMedian - elementwiseMedian,
    gemm_calls: calls,
  };
}

function parseRun(stdout: string): WindowRun {
  const line = stdout
    .split('\n')
    .reverse()
    .find((text) => text.startsWith('{'));
  if (line === undefined) throw new Error(`bench/lstm-window: no JSON in the child's output:\n${stdout}`);
  return JSON.parse(line) as WindowRun;
}

function runOurs(inputSize: number, threads: number, profile: boolean): WindowRun {
  const self = fileURLToPath(import.meta.url);
  const result = spawnSync(
    process.execPath,
    [
      '--import',
      'tsx',
      self,
      '--child',
      '--input',
      String(inputSize),
      ...['--hidden', String(hidden), '--batch', String(batch), '--ticks', String(ticks)],
      ...['--reps', String(reps), '--warmup', String(warmup)],
      ...(profile ? ['--profile'] : []),
    ],
    { encoding: 'utf8', maxBuffer: 1 << 24, env: { ...process.env, DNIFLOW_BLAS_THREADS: String(threads) } },
  );
  if (result.status !== 0) throw new Error(`bench/lstm-window: our window failed:\n${result.stderr.trim()}`);
  return parseRun(result.stdout);
}

const peerScript = fileURLToPath(new URL('./peers/lstm_torch.py', import.meta.url));
const PYTHON = '/usr/bin/python3';

/** A PyTorch configuration: torch intra-op threads, OpenBLAS threads, oneDNN flag. */
interface PeerConfig {
  threads: number;
  blasThreads: number;
  mkldnn: 'on' | 'off';
}

function runPeer(
  inputSize: number,
  config: PeerConfig,
  runReps: number,
  profile: boolean,
): WindowRun | string {
  const result = spawnSync(
    PYTHON,
    [
      peerScript,
      ...['--input', String(inputSize), '--hidden', String(hidden), '--batch', String(batch)],
      ...['--ticks', String(ticks), '--reps', String(runReps), '--warmup', String(warmup)],
      ...['--threads', String(config.threads), '--blas-threads', String(config.blasThreads)],
      ...['--mkldnn', config.mkldnn],
      ...(inputGradientFor(inputSize) ? [] : ['--no-input-grad']),
      ...(profile ? ['--profile'] : []),
    ],
    {
      encoding: 'utf8',
      maxBuffer: 1 << 24,
    },
  );
  if (result.error) return `${PYTHON} could not be started: ${result.error.message}`;
  if (result.status !== 0) return `PyTorch peer failed: ${result.stderr.trim().split('\n').pop()}`;
  return parseRun(result.stdout);
}

/** The peer's configurations at a budget of N threads in total. */
function peerConfigs(threads: number): PeerConfig[] {
  const configs: PeerConfig[] = [];
  for (const torchThreads of threads === 1 ? [1] : [1, threads]) {
    for (const mkldnn of ['on', 'off'] as const)
      configs.push({ threads: torchThreads, blasThreads: threads, mkldnn });
  }
  return configs;
}

interface CaseResult {
  input: number;
  threads: number;
  inputGradient: boolean;
  ours: WindowRun[];
  peer: WindowRun[] | string;
  peerConfig?: PeerConfig;
  probes: (PeerConfig & { seconds: number | null })[];
  oursProfile?: WindowRun['profile'] & { total: number; gemm_calls: number };
  peerProfile?: WindowRun['profile'];
}

function main(): void {
  const inputs = intList('--inputs', '256,10');
  const threadCounts = intList('--threads', '1,2');
  const runs = positiveInt('--runs', 5);
  const withPeer = !args.includes('--no-peer');
  const profile = args.includes('--profile');
  const loadBefore = os.loadavg();
  const results: CaseResult[] = [];
  for (const threads of threadCounts) {
    for (const input of inputs) {
      const result: CaseResult = {
        input,
        threads,
        inputGradient: inputGradientFor(input),
        ours: [],
        peer: withPeer ? [] : 'skipped (--no-peer)',
        probes: [],
      };
      if (withPeer) {
        // A short probe per configuration; the full runs use the fastest.
        for (const config of peerConfigs(threads)) {
          const probe = runPeer(input, config, 10, false);
          result.probes.push({ ...config, seconds: typeof probe === 'string' ? null : probe.seconds });
          if (typeof probe === 'string') result.peer = probe;
        }
        const usable = result.probes.filter((p) => p.seconds !== null);
        if (usable.length > 0) {
          const best = usable.reduce((a, b) => (b.seconds! < a.seconds! ? b : a));
          result.peerConfig = { threads: best.threads, blasThreads: best.blasThreads, mkldnn: best.mkldnn };
        }
      }
      const peer: WindowRun[] = [];
      for (let run = 0; run < runs; run++) {
        result.ours.push(runOurs(input, threads, false));
        if (result.peerConfig && typeof result.peer !== 'string') {
          const measured = runPeer(input, result.peerConfig, reps, false);
          if (typeof measured === 'string') result.peer = measured;
          else peer.push(measured);
        }
      }
      if (typeof result.peer !== 'string') result.peer = peer;
      if (profile) {
        result.oursProfile = runOurs(input, threads, true).profile as CaseResult['oursProfile'];
        if (result.peerConfig) {
          const measured = runPeer(input, result.peerConfig, reps, true);
          if (typeof measured !== 'string') result.peerProfile = measured.profile;
        }
      }
      results.push(result);
    }
  }
  const loadAfter = os.loadavg();
  // Every one of our runs must have had the same backend: a child that found the addon missing (being
  // rebuilt, say) falls back to the TS backend, and its time would pass for a slow native run.
  const backends = new Set(
    results.flatMap((r) => r.ours.map((run) => `${run.backend} (OpenBLAS ${run.blas_core})`)),
  );
  if (backends.size !== 1)
    throw new Error(`bench/lstm-window: our runs used different backends: ${[...backends].join(', ')}`);
  const meta = {
    date: new Date().toISOString(),
    command: `node --import tsx bench/lstm-window.ts ${args.join(' ')}`.trim(),
    backend: [...backends][0],
    peerBlasCore: results.flatMap((r) => (typeof r.peer === 'string' ? [] : r.peer))[0]?.blas_core ?? 'n/a',
    node: process.version,
    torch: torchVersion(),
    cpu: os.cpus()[0]?.model ?? 'unknown',
    cores: os.cpus().length,
    runs,
    reps,
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
  results: CaseResult[],
): void {
  const ms = (seconds: number | null | undefined) =>
    seconds === null || seconds === undefined ? 'n/a' : (1000 * seconds).toFixed(2);
  const f = (value: number) => value.toFixed(3);
  console.log(
    `lstm-window: T=${ticks}, batch ${batch}, hidden ${hidden}; forward + backward of one window; backend ${meta.backend}; PyTorch's OpenBLAS ${meta.peerBlasCore}; node ${meta.node}, torch ${meta.torch}; ${meta.cpu}, ${meta.cores} cores`,
  );
  console.log(
    `${meta.date}; medians over ${meta.runs} processes per side (alternating), each the median of ${meta.reps} windows after warm-up`,
  );
  console.log(`load average before ${meta.loadavg.before.join(' ')}, after ${meta.loadavg.after.join(' ')}`);
  console.log('');
  console.log(
    '| input | dX | threads | ours ms/window | PyTorch ms/window (torch:BLAS threads, oneDNN) | ours/PyTorch | forward ours / PyTorch ms | backward ours / PyTorch ms | CPU ms ours / PyTorch | CPU ratio |',
  );
  console.log('|--:|:-:|--:|--:|--:|--:|--:|--:|--:|--:|');
  for (const r of results) {
    const m = (runs: WindowRun[], key: keyof WindowRun) => median(runs.map((x) => x[key] as number));
    const peer = typeof r.peer === 'string' || r.peer.length === 0 ? null : r.peer;
    const ours = m(r.ours, 'seconds');
    const theirs = peer ? m(peer, 'seconds') : null;
    const config = r.peerConfig
      ? ` (${r.peerConfig.threads}:${r.peerConfig.blasThreads}, ${r.peerConfig.mkldnn})`
      : '';
    console.log(
      `| ${r.input} | ${r.inputGradient ? 'yes' : 'no'} | ${r.threads} | ${ms(ours)} | ${ms(theirs)}${config} | ${theirs ? f(ours / theirs) : 'n/a'} | ${ms(m(r.ours, 'forward_seconds'))} / ${peer ? ms(m(peer, 'forward_seconds')) : 'n/a'} | ${ms(m(r.ours, 'backward_seconds'))} / ${peer ? ms(m(peer, 'backward_seconds')) : 'n/a'} | ${ms(m(r.ours, 'cpu_seconds'))} / ${peer ? ms(m(peer, 'cpu_seconds')) : 'n/a'} | ${peer ? f(m(r.ours, 'cpu_seconds') / m(peer, 'cpu_seconds')) : 'n/a'} |`,
    );
  }
  console.log('');
  for (const r of results) {
    const label = `input ${r.input}, ${r.threads} thread${r.threads > 1 ? 's' : ''}`;
    console.log(
      `${label}: ours per run (ms): ${r.ours.map((x) => ms(x.seconds)).join(', ')}; PyTorch per run: ${typeof r.peer === 'string' ? r.peer : r.peer.map((x) => ms(x.seconds)).join(', ')}`,
    );
    if (r.probes.length > 0) {
      console.log(
        `${label}: PyTorch probe, 10 windows (ms): ${r.probes.map((p) => `${p.threads}:${p.blasThreads} oneDNN ${p.mkldnn} ${ms(p.seconds)}`).join(', ')}`,
      );
    }
    if (r.oursProfile) {
      const p = r.oursProfile;
      const share = (x: number) => `${ms(x)} (${((100 * x) / p.total).toFixed(0)}%)`;
      console.log(
        `${label}: ours profile (wall ms/window): total ${ms(p.total)}, gemm ${share(p.gemm)} in ${p.gemm_calls} calls, gate elementwise ${share(p.elementwise)}, other ${share(p.other)}`,
      );
    }
    if (r.peerProfile) {
      const p = r.peerProfile;
      const total = p.gemm + p.elementwise + p.other;
      const share = (x: number) => `${ms(x)} (${((100 * x) / total).toFixed(0)}%)`;
      console.log(
        `${label}: PyTorch profile (self CPU ms/window, profiler on): total ${ms(total)}, gemm ${share(p.gemm)}, elementwise ${share(p.elementwise)}, other ${share(p.other)}`,
      );
    }
  }
}

// Last, so that every module-level constant above is initialised.
if (args.includes('--child')) {
  childWindow(positiveInt('--input', 256), args.includes('--profile'));
} else {
  main();
}
