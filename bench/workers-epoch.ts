/**
 * The workers scheduler against lockstep and against an independent PyTorch DNI peer, on the paper's
 * MNIST FCN with DNI and 2×1024 synthetic-gradient models (graphs/mnist-fcn.ts, method=dni sg=mlp),
 * at batch 256:
 *
 *   node --import tsx bench/workers-epoch.ts [--layers 3,4] [--runs 3] [--batch 256] [--peer-batches 80]
 *
 * Every measurement is its own process, and the configurations alternate run by run, so that load on
 * this shared machine hits them alike. Ours: one full training epoch (`train_seconds`, from the first
 * batch until every step in flight has completed, evaluation excluded), lockstep at 1 and at 2 BLAS
 * threads (the faster is the baseline) and workers (two workers, one BLAS thread each, the default
 * placement). The peer: bench/peers/fcn_dni_torch_idiomatic.py with one torch thread and 1 or 2 OpenBLAS
 * threads (the faster counts),
 * its per-step median × steps per epoch over `--peer-batches` steps (no evaluation): generous to the
 * peer, since our figure is a whole epoch with its warm-up. Prints one JSON line per measurement, then
 * medians and the ratios workers/lockstep and workers/peer.
 */
import { spawnSync } from 'node:child_process';

const args = process.argv.slice(2);
const option = (name: string, fallback: string): string => {
  const i = args.indexOf(name);
  return i >= 0 && i + 1 < args.length ? args[i + 1] : fallback;
};
const layersList = option('--layers', '3,4').split(',').map(Number);
const runs = Number(option('--runs', '3'));
const batch = option('--batch', '256');
const peerBatches = option('--peer-batches', '80');

// peer-N: one torch (intra-op) thread and N OpenBLAS threads: on 2 cores, 2 torch threads
// oversubscribe and run 2x slower (bench/RESULTS.md, "FCN DNI peers"), so 1 + 2 is the peer's fastest.
type Config = 'lockstep-1' | 'lockstep-2' | 'workers' | 'peer-1' | 'peer-2';
const configs: Config[] = ['lockstep-1', 'lockstep-2', 'workers', 'peer-1', 'peer-2'];

function measure(config: Config, layers: number): number {
  if (config.startsWith('peer')) {
    const blasThreads = config.split('-')[1];
    const child = spawnSync(
      '/usr/bin/python3',
      [
        'bench/peers/fcn_dni_torch_idiomatic.py',
        '--layers',
        String(layers),
        '--batch',
        batch,
        '--threads',
        '1',
        '--blas-threads',
        blasThreads,
        '--max-batches',
        peerBatches,
        '--no-eval',
      ],
      { encoding: 'utf8' },
    );
    if (child.status !== 0) throw new Error(`peer failed: ${child.stderr}`);
    const summary = JSON.parse(child.stdout.trim().split('\n').at(-1)!);
    return summary.extrapolated_train_seconds ?? summary.train_seconds;
  }
  const [scheduler, threads] = config === 'workers' ? ['workers', '1'] : ['lockstep', config.split('-')[1]];
  const child = spawnSync(
    'node',
    [
      '--import',
      'tsx',
      'bin/dniflow.js',
      'train',
      'graphs/mnist-fcn.ts',
      '--set',
      `layers=${layers}`,
      '--set',
      'method=dni',
      '--set',
      'sg=mlp',
      '--batch',
      batch,
      '--epochs',
      '1',
      '--scheduler',
      scheduler,
      '--json',
    ],
    { encoding: 'utf8', env: { ...process.env, DNIFLOW_BLAS_THREADS: threads } },
  );
  if (child.status !== 0) throw new Error(`dniflow failed: ${child.stderr}`);
  const epoch = JSON.parse(child.stdout.split('\n').find((line) => line.includes('"epoch":1'))!);
  return epoch.train_seconds;
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};

for (const layers of layersList) {
  const seconds = new Map<Config, number[]>(configs.map((c) => [c, []]));
  for (let run = 0; run < runs; run++) {
    for (const config of configs) {
      const value = measure(config, layers);
      seconds.get(config)!.push(value);
      console.log(JSON.stringify({ layers, run, config, train_seconds: Number(value.toFixed(3)) }));
    }
  }
  const m = Object.fromEntries([...seconds].map(([c, v]) => [c, median(v)])) as Record<Config, number>;
  const lockstep = Math.min(m['lockstep-1'], m['lockstep-2']);
  const peer = Math.min(m['peer-1'], m['peer-2']);
  console.log(
    JSON.stringify({
      summary: true,
      layers,
      batch: Number(batch),
      medians: Object.fromEntries(Object.entries(m).map(([c, v]) => [c, Number(v.toFixed(2))])),
      lockstep_over_workers: Number((lockstep / m.workers).toFixed(3)),
      workers_over_peer: Number((m.workers / peer).toFixed(3)),
      lockstep_over_peer: Number((lockstep / peer).toFixed(3)),
    }),
  );
}
