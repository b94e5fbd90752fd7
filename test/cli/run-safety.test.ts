import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readCheckpoint } from '../../src/runtime/checkpoint.ts';
import { runMain } from '../helpers/run-main.ts';
import { interruptAfterFirstLine } from '../helpers/signal-run.ts';

const BIN = new URL('../../bin/dniflow.js', import.meta.url).pathname;
const dniflow = (...args: string[]) => {
  const result = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', timeout: 60_000 });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
};
const tiny = [
  'graphs/mnist-fcn.ts',
  '--set',
  'hidden=8',
  '--train-limit',
  '200',
  '--test-limit',
  '50',
  '--json',
];
const freshDir = () => join(mkdtempSync(join(tmpdir(), 'dniflow-cli-run-')), 'run');
const runJson = (dir: string) => JSON.parse(readFileSync(join(dir, 'run.json'), 'utf8'));
const snapshot = (dir: string) =>
  Object.fromEntries(
    readdirSync(dir).map((name) => [name, readFileSync(join(dir, name)).toString('base64')]),
  );
// Root ignores permission bits, so a read-only directory refuses nothing there.
const isRoot = process.getuid?.() === 0;

describe('train: run directories, resume and clean stops (issue 15)', () => {
  it('documents --resume, --overwrite and --max-loss in train --help', () => {
    const { code, stdout } = dniflow('train', '--help');
    expect(code).toBe(0);
    for (const flag of ['--resume DIR', '--overwrite', '--max-loss X', 'default 1e6', 'interrupted'])
      expect(stdout).toContain(flag);
  });

  it('refuses --out DIR holding another run with one line and exit 2, before any work', () => {
    const dir = freshDir();
    expect(dniflow('train', ...tiny, '--epochs', '1', '--out', dir).code).toBe(0);
    const before = snapshot(dir);
    const { code, stdout, stderr } = dniflow('train', ...tiny, '--epochs', '1', '--out', dir);
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr.trim().split('\n')).toHaveLength(1);
    expect(stderr).toContain(`run directory ${dir} already holds a run`);
    expect(stderr).toContain(`--resume ${dir}`);
    expect(snapshot(dir)).toEqual(before);
    expect(dniflow('train', ...tiny, '--epochs', '1', '--out', dir, '--overwrite').code).toBe(0);
    expect(runJson(dir).status).toBe('completed');
  });

  it('--resume continues a run to the total --epochs, and refuses another --set with exit 2', () => {
    // The graph's own cosine reads the run's length: such a run cannot be extended.
    const cosine = freshDir();
    expect(dniflow('train', ...tiny, '--epochs', '1', '--out', cosine).code).toBe(0);
    const extended = dniflow('train', 'graphs/mnist-fcn.ts', '--resume', cosine, '--epochs', '2');
    expect(extended.code).toBe(2);
    expect(extended.stderr).toContain("its learning-rate schedule depends on the run's length");
    const dir = freshDir();
    expect(dniflow('train', ...tiny, '--epochs', '1', '--lr-schedule', 'constant', '--out', dir).code).toBe(
      0,
    );
    const mismatch = dniflow(
      'train',
      'graphs/mnist-fcn.ts',
      '--resume',
      dir,
      '--set',
      'hidden=9',
      '--epochs',
      '2',
    );
    expect(mismatch.code).toBe(2);
    expect(mismatch.stderr.trim()).toBe(
      `dniflow: cannot resume ${dir}: its parameters differ: hidden=9 (the run has 8)`,
    );
    const resumed = dniflow('train', 'graphs/mnist-fcn.ts', '--resume', dir, '--epochs', '2', '--json');
    expect(resumed.code).toBe(0);
    expect(JSON.parse(resumed.stdout.trim().split('\n')[0]).epoch).toBe(2);
    expect(readFileSync(join(dir, 'metrics.jsonl'), 'utf8').trim().split('\n')).toHaveLength(2);
    expect(runJson(dir)).toMatchObject({ status: 'completed', epochs_done: 2, epochs: 2 });
  });

  it('stops on an exploding (finite) loss past --max-loss, naming the loss and step, and marks the run failed', () => {
    const dir = freshDir();
    const { code, stderr } = dniflow('train', ...tiny, '--epochs', '1', '--out', dir, '--max-loss', '0.5');
    expect(code).toBe(1);
    expect(stderr.trim()).toMatch(
      /^dniflow\/runtime: training diverged at step 0: the loss of 'loss' is [\d.]+, above maxLoss 0\.5 .*; no checkpoint was saved$/,
    );
    expect(runJson(dir)).toMatchObject({ status: 'failed', epochs_done: 0, checkpoint: null });
    expect(dniflow('train', ...tiny, '--max-loss', '-1').code).toBe(2);
  });

  it('refuses a batch of one for batch norm before training, and skips a last batch of one example', async () => {
    const dir = freshDir();
    const single = await runMain('train', ...tiny, '--batch', '1', '--out', dir);
    expect(single.code).toBe(1);
    expect(single.stderr.trim()).toBe(
      "dniflow/runtime: module 'layer1' uses batch norm, which cannot train on one example per batch; choose a batch of at least 2",
    );
    // Refused before the run directory is written.
    expect(existsSync(join(dir, 'run.json'))).toBe(false);
    const one = await runMain('train', ...tiny, '--train-limit', '1');
    expect(one.code).toBe(1);
    expect(one.stderr.trim()).toBe(
      "dniflow/runtime: module 'layer1' uses batch norm, which cannot train on one example; train on at least 2",
    );
    // 201 examples at batch 50: four batches of 50, and the 201st is left out (before, batch norm threw mid-epoch).
    const odd = await runMain('train', ...tiny, '--train-limit', '201', '--batch', '50', '--epochs', '1');
    expect(odd.code, odd.stderr).toBe(0);
    expect(JSON.parse(odd.stdout.trim().split('\n')[0])).toMatchObject({ epoch: 1 });
  });

  it('closes the --dashboard server when training fails, so the process ends', () => {
    // Before, the open server kept the process alive forever after any error (here: killed at 60 s).
    const { code, stderr } = dniflow(
      'train',
      ...tiny,
      '--epochs',
      '1',
      '--dashboard',
      '--port',
      '0',
      '--max-loss',
      '0.5',
    );
    expect(code).toBe(1);
    expect(stderr).toContain('training diverged at step 0');
  });

  it.each([
    ['SIGTERM', 143],
    ['SIGINT', 130],
  ] as const)(
    '%s during training finishes the write, leaves the directory whole and marked interrupted, and exits %i',
    async (signal, exitCode) => {
      const dir = freshDir();
      // Once an epoch has ended, a checkpoint exists: the signal then lands in the middle of training.
      const { code, stderr } = await interruptAfterFirstLine(
        ['train', ...tiny, '--batch', '10', '--epochs', '100000', '--out', dir],
        signal,
      );
      expect(code).toBe(exitCode);
      expect(stderr).toContain(`dniflow/runtime: training interrupted (${signal})`);
      expect(stderr).toContain(`--resume ${dir}`);
      const run = runJson(dir);
      expect(run.status).toBe('interrupted');
      const done = run.epochs_done as number;
      expect(done).toBeGreaterThanOrEqual(1);
      expect(readCheckpoint(join(dir, 'checkpoint.ckpt')).meta.epoch).toBe(done);
      expect(readFileSync(join(dir, 'metrics.jsonl'), 'utf8').trim().split('\n')).toHaveLength(done);
      expect(readdirSync(dir).sort()).toEqual(['checkpoint.ckpt', 'metrics.jsonl', 'run.json']);
    },
    60_000,
  );

  it.skipIf(isRoot)(
    'an unwritable place for the run is one line naming the path (skipped as root: root ignores permission bits)',
    () => {
      const dir = freshDir();
      expect(dniflow('train', ...tiny, '--epochs', '1', '--out', dir).code).toBe(0);
      const parent = join(dir, '..');
      chmodSync(parent, 0o555);
      try {
        // --overwrite stages the new run beside the old one; the parent refuses it.
        const { code, stderr } = dniflow('train', ...tiny, '--epochs', '1', '--out', dir, '--overwrite');
        expect(code).not.toBe(0);
        expect(stderr.trim().split('\n')).toHaveLength(1);
        expect(stderr).toMatch(/EACCES/);
        expect(stderr).toContain(parent.replace(/\/run\/\.\.$/, ''));
        expect(existsSync(join(dir, 'run.json'))).toBe(true);
      } finally {
        chmodSync(parent, 0o755);
      }
    },
  );
});
