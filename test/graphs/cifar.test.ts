import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import cifarCnn from '../../graphs/cifar-cnn.ts';
import cifarFcn from '../../graphs/cifar-fcn.ts';
import { ManualClock } from '../../src/runtime/clock.ts';
import { CIFAR10_DIR_ENV, loadSourceData } from '../../src/runtime/datasets.ts';
import { runGraph } from '../../src/runtime/run.ts';
import { Prng } from '../../src/tensor/prng.ts';

const RECORD = 1 + 3072;
const PER_TRAIN_FILE = 80;
const TEST_RECORDS = 100;

/**
 * CIFAR-10 binary batch bytes: each image is its class's fixed random template plus noise, so a
 * small network can learn the classes within an epoch.
 */
function cifarBytes(count: number, templates: Uint8Array[], prng: Prng): Uint8Array {
  const bytes = new Uint8Array(count * RECORD);
  for (let r = 0; r < count; r++) {
    const label = prng.int(10);
    bytes[r * RECORD] = label;
    for (let k = 0; k < 3072; k++) {
      const noisy = templates[label][k] + 60 * (prng.uniform() - 0.5);
      bytes[r * RECORD + 1 + k] = Math.max(0, Math.min(255, Math.round(noisy)));
    }
  }
  return bytes;
}

const root = mkdtempSync(join(tmpdir(), 'dniflow-cifar-graphs-'));
const dataDir = join(root, 'cifar-10-batches-bin');
const saved = process.env[CIFAR10_DIR_ENV];
const BIN = new URL('../../bin/dniflow.js', import.meta.url).pathname;

beforeAll(() => {
  const prng = new Prng(42);
  const templates = Array.from({ length: 10 }, () =>
    Uint8Array.from({ length: 3072 }, () => 40 + prng.int(176)),
  );
  spawnSync('mkdir', ['-p', dataDir]);
  for (let i = 1; i <= 5; i++)
    writeFileSync(join(dataDir, `data_batch_${i}.bin`), cifarBytes(PER_TRAIN_FILE, templates, prng));
  writeFileSync(join(dataDir, 'test_batch.bin'), cifarBytes(TEST_RECORDS, templates, prng));
  process.env[CIFAR10_DIR_ENV] = dataDir;
});

afterAll(() => {
  if (saved === undefined) delete process.env[CIFAR10_DIR_ENV];
  else process.env[CIFAR10_DIR_ENV] = saved;
  rmSync(root, { recursive: true, force: true });
});

function dniflow(args: string[], env: Record<string, string | undefined>) {
  const result = spawnSync(process.execPath, [BIN, ...args], {
    encoding: 'utf8',
    timeout: 120_000,
    env: { ...process.env, ...env },
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('CIFAR-10 from the directory in DNIFLOW_CIFAR10_DIR', () => {
  it('loads the binary files there, standardised, as [3, 32, 32] examples', () => {
    const { train, test } = loadSourceData('cifar10');
    expect(train.count).toBe(5 * PER_TRAIN_FILE);
    expect(test.count).toBe(TEST_RECORDS);
    expect(train.shape).toEqual([3, 32, 32]);
    expect(loadSourceData('cifar10', { train: 64, test: 10 }).train.count).toBe(64);
  });

  // The classes are easy (fixed templates): backprop learns them in two short epochs; DNI, whose
  // synthetic gradients start at zero and must learn first, gets only part of the way.
  it.each([
    ['bprop', 10],
    ['dni', 80],
    ['cdni', 80],
  ])(
    'trains graphs/cifar-fcn for two epochs with %s and learns (test error under %i percent)',
    async (method, bound) => {
      const result = await runGraph(cifarFcn, {
        set: { method, hidden: '32', sg: 'linear' },
        epochs: 2,
        batch: 32,
        seed: 3,
        clock: new ManualClock(),
      });
      expect(result.history).toHaveLength(2);
      // 10 classes: chance is ~90% error.
      expect(result.history[1].test_error).toBeLessThan(Number(bound));
    },
  );

  it.each(['bprop', 'cdni'])(
    'trains graphs/cifar-cnn for an epoch with %s: every module updates every step',
    async (method) => {
      const result = await runGraph(cifarCnn, {
        set: { method, channels: '4', sgChannels: '4' },
        epochs: 1,
        batch: 50,
        trainLimit: 200,
        seed: 3,
        clock: new ManualClock(),
      });
      expect(result.history[0].modules.map((m) => m.updates)).toEqual([4, 4, 4, 4]);
      expect(result.history[0].test_error).toBeLessThanOrEqual(100);
    },
  );

  it('says how to provide the data when DNIFLOW_CIFAR10_DIR is not set', () => {
    delete process.env[CIFAR10_DIR_ENV];
    try {
      expect(() => loadSourceData('cifar10')).toThrow(
        /dataset 'cifar10' needs the CIFAR-10 binary files.*set DNIFLOW_CIFAR10_DIR/,
      );
    } finally {
      process.env[CIFAR10_DIR_ENV] = dataDir;
    }
  });

  it('names a missing directory in one line on the command line, exit code 1', () => {
    const missing = join(root, 'nowhere');
    const { code, stderr, stdout } = dniflow(['train', 'graphs/cifar-fcn.ts', '--epochs', '1'], {
      [CIFAR10_DIR_ENV]: missing,
    });
    expect(code).toBe(1);
    expect(stdout).toBe('');
    expect(stderr.trim().split('\n')).toEqual([
      `dniflow/data: CIFAR-10 directory not found: ${missing} (from ${CIFAR10_DIR_ENV}=${missing})`,
    ]);
    const unset = dniflow(['train', 'graphs/cifar-cnn.ts'], { [CIFAR10_DIR_ENV]: '' });
    expect(unset.code).toBe(1);
    expect(unset.stderr.trim().split('\n')).toHaveLength(1);
    expect(unset.stderr).toContain(CIFAR10_DIR_ENV);
  });

  it('trains from the command line on the generated files', () => {
    const { code, stdout } = dniflow(
      [
        'train',
        'graphs/cifar-fcn.ts',
        '--set',
        'hidden=16',
        '--set',
        'method=dni',
        '--epochs',
        '1',
        '--json',
      ],
      { [CIFAR10_DIR_ENV]: dataDir },
    );
    expect(code).toBe(0);
    const lines = stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
    expect(lines.at(-1)).toMatchObject({ done: true, graph: 'cifar-fcn' });
    expect(lines[0].interfaces.map((i: { kind: string }) => i.kind)).toEqual(['dni', 'dni', 'dni']);
  });
});
