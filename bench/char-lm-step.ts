/**
 * One truncated-BPTT training step of the paper's character-level LM (§3.2) — ours against the
 * way a PyTorch user writes it (bench/peers/char_lm_torch.py) — at graphs/char-lm.ts's settings:
 * LSTM 256, T = 5, 32 lanes, one-hot Moby Dick characters, softmax CE per tick, Adam.
 *
 *   node --import tsx bench/char-lm-step.ts [--runs 5] [--threads 1] [--windows 200]
 *
 * Ours: RecurrentEngine.step on graphs/char-lm.ts with method=bptt, the window's one-hot encoding
 * included (the peer encodes with F.one_hot in its loop). Each run measures ours in a child process
 * and the peer in another, alternating; prints the median seconds per step and the ratio of the
 * medians. PyTorch is probed at torch:OpenBLAS threads t:t and, with 1 thread, 1:2, and the faster
 * is kept (its fastest settings).
 */
import { spawnSync } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';

const args = process.argv.slice(2);
const option = (name: string, fallback: number): number => {
  const index = args.indexOf(name);
  const value = Number(index >= 0 ? args[index + 1] : fallback);
  if (!(Number.isInteger(value) && value > 0))
    throw new Error(`bench/char-lm-step: ${name} must be a positive integer`);
  return value;
};
const runs = option('--runs', 5);
const threads = option('--threads', 1);
const windows = option('--windows', 200);
const warmup = 20;
const PYTHON = '/usr/bin/python3';
const PEER = fileURLToPath(new URL('./peers/char_lm_torch.py', import.meta.url));
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

async function child(): Promise<void> {
  const { default: charLm } = await import('../graphs/char-lm.ts');
  const { resolveParams, trainingDefaults } = await import('../src/graph/define.ts');
  const { validateNetwork } = await import('../src/graph/validate.ts');
  const { buildRecurrentRun } = await import('../src/runtime/recurrent/build.ts');
  const { Prng } = await import('../src/tensor/prng.ts');
  const params = resolveParams(charLm, { method: 'bptt' });
  const { batch, lr } = trainingDefaults(charLm, params);
  const network = charLm.build(params);
  const run = buildRecurrentRun(network, validateNetwork(network), new Prng(1).stream('init'), {
    batch,
    optimizer: { kind: 'adam', lr },
  });
  if (run.kind !== 'text') throw new Error('bench/char-lm-step: char-lm is not a text run');
  const times: number[] = [];
  for (let w = 0; w < warmup + windows; w++) {
    const start = performance.now();
    run.engine.step(run.train.next());
    if (w >= warmup) times.push((performance.now() - start) / 1000);
  }
  const vocab = run.corpus.vocabulary.size;
  process.stdout.write(
    `${JSON.stringify({ seconds: median(times), vocab, batch, hidden: run.engine.core.lstm.hiddenSize, ticks: run.window })}\n`,
  );
}

function measure(command: string, argv: string[], env: NodeJS.ProcessEnv) {
  const result = spawnSync(command, argv, { encoding: 'utf8', env });
  if (result.status !== 0) throw new Error(`bench/char-lm-step: ${command} failed: ${result.stderr}`);
  return JSON.parse(result.stdout.trim().split('\n').at(-1)!) as {
    seconds: number;
    vocab?: number;
    batch?: number;
    hidden?: number;
    ticks?: number;
  };
}

function main(): void {
  const oursEnv = { ...process.env, DNIFLOW_BLAS_THREADS: String(threads) };
  const ours: number[] = [];
  const peers = new Map<string, number[]>();
  let shape = { vocab: 0, batch: 0, hidden: 0, ticks: 0 };
  const blasOptions = threads === 1 ? [1, 2] : [threads];
  for (let r = 0; r < runs; r++) {
    const mine = measure(
      process.execPath,
      ['--import', 'tsx', fileURLToPath(import.meta.url), '--child', '--windows', String(windows)],
      oursEnv,
    );
    ours.push(mine.seconds);
    shape = mine as typeof shape;
    for (const blas of blasOptions) {
      const peer = measure(
        PYTHON,
        [
          PEER,
          '--vocab',
          String(shape.vocab),
          '--hidden',
          String(shape.hidden),
          '--batch',
          String(shape.batch),
          '--ticks',
          String(shape.ticks),
          '--threads',
          String(threads),
          '--blas-threads',
          String(blas),
          '--windows',
          String(windows),
        ],
        process.env,
      );
      const key = `${threads}:${blas}`;
      peers.set(key, [...(peers.get(key) ?? []), peer.seconds]);
    }
  }
  const [bestKey, bestTimes] = [...peers.entries()].sort((a, b) => median(a[1]) - median(b[1]))[0];
  const ms = (s: number) => `${(s * 1000).toFixed(2)} ms`;
  process.stdout.write(
    `char-LM training step (V ${shape.vocab}, LSTM ${shape.hidden}, T ${shape.ticks}, batch ${shape.batch}, ${threads} thread(s), ${runs} runs x ${windows} steps)\n` +
      `ours ${ms(median(ours))}  PyTorch ${ms(median(bestTimes))} (torch:BLAS ${bestKey}; ${[...peers.entries()].map(([k, v]) => `${k} ${ms(median(v))}`).join(', ')})  ratio ours/PyTorch ${(median(ours) / median(bestTimes)).toFixed(2)}\n`,
  );
}

if (args.includes('--child')) await child();
else main();
