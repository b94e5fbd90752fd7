/**
 * gemm benchmark: the active backend against numpy (float32 matmul) on the shapes of
 * bench/gemm-shapes.json, measured in the same run.
 *
 *   node --import tsx bench/gemm.ts [--json] [--reps N] [--clock wall|cpu] [--no-numpy]
 *
 * Each shape is warmed up, then timed over N repetitions (each long enough, ~20 ms, for the timer
 * not to matter); we quote the median. numpy is run twice in a child process, after our own timings
 * (never concurrently): with its default thread count and with one thread, since the TS backend
 * uses one thread. DNIFLOW_BACKEND=ts|native picks the backend (see src/tensor/backend-registry.ts).
 *
 * --clock cpu times with process CPU time (user + system, summed over threads) instead of wall time,
 * on both sides. On a shared machine it is far steadier; for a multi-threaded BLAS it measures
 * throughput per CPU-second rather than elapsed speed.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { backend } from '../src/tensor/backend-registry.ts';
import { Prng } from '../src/tensor/prng.ts';

interface GemmShape {
  name: string;
  transA: boolean;
  transB: boolean;
  m: number;
  n: number;
  k: number;
}

interface PeerRun {
  numpy: string;
  threads: number | 'default';
  results: { name: string; seconds: number; gflops: number }[];
}

const args = process.argv.slice(2);
const asJson = args.includes('--json');
const withNumpy = !args.includes('--no-numpy');
const repsIndex = args.indexOf('--reps');
const reps = repsIndex >= 0 ? Number(args[repsIndex + 1]) : 9;
if (!(Number.isInteger(reps) && reps > 0)) throw new Error('bench/gemm: --reps must be a positive integer');
const clockIndex = args.indexOf('--clock');
const clock = clockIndex >= 0 ? args[clockIndex + 1] : 'wall';
if (clock !== 'wall' && clock !== 'cpu')
  throw new Error(`bench/gemm: --clock must be wall or cpu, got ${clock}`);

/** Seconds on the chosen clock. */
function now(): number {
  if (clock === 'wall') return performance.now() / 1000;
  const usage = process.cpuUsage();
  return (usage.user + usage.system) / 1e6;
}

const shapesPath = fileURLToPath(new URL('./gemm-shapes.json', import.meta.url));
const shapes: GemmShape[] = JSON.parse(readFileSync(shapesPath, 'utf8')).shapes;
const active = backend();
const loadBefore = os.loadavg();

function operands(shape: GemmShape, prng: Prng) {
  const { m, n, k, transA, transB } = shape;
  return {
    a: prng.fillNormal(new Float32Array(m * k)),
    b: prng.fillNormal(new Float32Array(k * n)),
    c: new Float32Array(m * n),
    lda: transA ? m : k,
    ldb: transB ? k : n,
  };
}

function median(values: number[]): number {
  const sorted = [...values].sort((x, y) => x - y);
  const middle = sorted.length >> 1;
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

function timeOurs(shape: GemmShape): number {
  const { m, n, k, transA, transB } = shape;
  const { a, b, c, lda, ldb } = operands(shape, new Prng(1, shape.name));
  const call = () => active.gemm(transA, transB, m, n, k, 1, a, lda, b, ldb, 0, c, n);
  // Calls per repetition: enough for ~20 ms, judged from the warm-up, so that clock resolution and
  // per-call overhead of the timer do not matter.
  let warmupStart = now();
  let calls = 0;
  while (calls < 3 || now() - warmupStart < 0.05) {
    call();
    calls++;
  }
  warmupStart = now();
  for (let i = 0; i < calls; i++) call();
  const perCall = Math.max(1e-7, (now() - warmupStart) / calls);
  const inner = Math.max(1, Math.ceil(0.02 / perCall));
  const times: number[] = [];
  for (let r = 0; r < reps; r++) {
    const start = now();
    for (let i = 0; i < inner; i++) call();
    times.push((now() - start) / inner);
  }
  return median(times);
}

function runNumpy(threads: number | null): PeerRun | string {
  const script = fileURLToPath(new URL('./peers/gemm_numpy.py', import.meta.url));
  const threadArgs = threads === null ? [] : ['--threads', String(threads)];
  const result = spawnSync('python3', [script, '--reps', String(reps), '--clock', clock, ...threadArgs], {
    encoding: 'utf8',
  });
  if (result.error) return `python3 could not be started: ${result.error.message}`;
  if (result.status !== 0) return `numpy peer failed: ${result.stderr.trim().split('\n').pop()}`;
  return JSON.parse(result.stdout) as PeerRun;
}

// One untimed pass over every shape first, so that the JIT has seen all transposes and edge tiles
// before anything is timed (otherwise the first shapes pay for deoptimisations the later ones trigger).
for (const shape of shapes) timeOurs({ ...shape });

const ours = shapes.map((shape) => {
  const seconds = timeOurs(shape);
  return { ...shape, seconds, gflops: (2 * shape.m * shape.n * shape.k) / seconds / 1e9 };
});
const numpyDefault = withNumpy ? runNumpy(null) : 'skipped (--no-numpy)';
const numpyOne = withNumpy ? runNumpy(1) : 'skipped (--no-numpy)';
const loadAfter = os.loadavg();

function peerGflops(run: PeerRun | string, name: string): number | null {
  if (typeof run === 'string') return null;
  return run.results.find((r) => r.name === name)?.gflops ?? null;
}

const rows = ours.map((o) => {
  const numpy = peerGflops(numpyDefault, o.name);
  const numpy1 = peerGflops(numpyOne, o.name);
  return {
    name: o.name,
    shape: `${o.transA ? 'Aᵀ' : 'A'}·${o.transB ? 'Bᵀ' : 'B'} ${o.m}×${o.n}×${o.k}`,
    ours: o.gflops,
    numpy,
    ratio: numpy === null ? null : o.gflops / numpy,
    numpy1,
    ratio1: numpy1 === null ? null : o.gflops / numpy1,
  };
});

const meta = {
  date: new Date().toISOString(),
  backend: active.name,
  backendThreads: active.threads,
  node: process.version,
  cpu: os.cpus()[0]?.model ?? 'unknown',
  cores: os.cpus().length,
  reps,
  clock,
  loadavg: { before: loadBefore.map((l) => +l.toFixed(2)), after: loadAfter.map((l) => +l.toFixed(2)) },
  numpy: typeof numpyDefault === 'string' ? numpyDefault : numpyDefault.numpy,
};

if (asJson) {
  const peerNote = (run: PeerRun | string) => (typeof run === 'string' ? run : undefined);
  console.log(
    JSON.stringify(
      { ...meta, rows, numpyDefaultError: peerNote(numpyDefault), numpyOneThreadError: peerNote(numpyOne) },
      null,
      2,
    ),
  );
} else {
  const fmt = (value: number | null, digits = 2) => (value === null ? 'n/a' : value.toFixed(digits));
  console.log(
    `gemm: backend '${meta.backend}' (${meta.backendThreads} thread) vs numpy ${meta.numpy}; node ${meta.node}; ${meta.cpu}, ${meta.cores} cores`,
  );
  console.log(`median of ${reps} repetitions on the ${clock} clock; GFLOP/s = 2·m·n·k / time; ${meta.date}`);
  console.log(`load average before ${meta.loadavg.before.join(' ')}, after ${meta.loadavg.after.join(' ')}`);
  if (typeof numpyDefault === 'string') console.log(`numpy: ${numpyDefault}`);
  console.log('');
  console.log(
    '| shape | op, m×n×k | ours GFLOP/s | numpy GFLOP/s (default threads) | ours/numpy | numpy 1 thread | ours/numpy 1t |',
  );
  console.log('|---|---|--:|--:|--:|--:|--:|');
  for (const r of rows) {
    console.log(
      `| ${r.name} | ${r.shape} | ${fmt(r.ours)} | ${fmt(r.numpy, 1)} | ${fmt(r.ratio, 3)} | ${fmt(r.numpy1, 1)} | ${fmt(r.ratio1, 3)} |`,
    );
  }
}
