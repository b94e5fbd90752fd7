import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runMain } from '../helpers/run-main.ts';
import { interruptAfterFirstLine } from '../helpers/signal-run.ts';

const BIN = new URL('../../bin/dniflow.js', import.meta.url).pathname;
const GRAPH = new URL('../../graphs/repeat-copy.ts', import.meta.url).pathname;
const tiny = ['train', GRAPH, '--set', 'units=8', '--batch', '4'];
const freshDir = () => join(mkdtempSync(join(tmpdir(), 'dniflow-recurrent-cli-')), 'run');

describe('train on a recurrent graph', () => {
  it('prints one JSON line per epoch and a summary, and writes a whole run directory', () => {
    const dir = freshDir();
    const result = spawnSync(
      process.execPath,
      [BIN, ...tiny, '--set', 'method=dni-aux', '--epochs', '2', '--ticks', '30', '--json', '--out', dir],
      { encoding: 'utf8', timeout: 60_000 },
    );
    expect(result.status, result.stderr).toBe(0);
    const lines = result.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
    expect(lines).toHaveLength(3);
    expect(lines[0]).toMatchObject({ task: 'copy', epoch: 1, ticks: 30 });
    expect(lines[2]).toMatchObject({ done: true, method: 'dni-aux', window: 3 });
    const run = JSON.parse(readFileSync(join(dir, 'run.json'), 'utf8'));
    expect(run).toMatchObject({
      status: 'completed',
      epochs_done: 2,
      checkpoint: 'checkpoint.ckpt',
      method: 'dni-aux',
    });
    expect(readFileSync(join(dir, 'metrics.jsonl'), 'utf8').trim().split('\n')).toHaveLength(2);
  });

  it('refuses flags that do not apply, with exit code 2', async () => {
    for (const extra of [
      ['--scheduler', 'workers'],
      ['--train-limit', '5'],
      ['--clip', '0'],
    ]) {
      const result = await runMain(...tiny, ...extra);
      expect(result.code, `${extra.join(' ')}: ${result.stderr}`).not.toBe(0);
      expect(result.stderr.trim().split('\n')).toHaveLength(1);
    }
  });

  it('--dashboard serves the run live, and closes with it when the run is refused', async () => {
    const served = await runMain(...tiny, '--epochs', '2', '--ticks', '30', '--dashboard', '--port', '0');
    expect(served.code, served.stderr).toBe(0);
    expect(served.stderr).toMatch(/dashboard: http:\/\/127\.0\.0\.1:\d+/);
    // Refused after the page opened: the server must not keep the process alive.
    const refused = spawnSync(
      process.execPath,
      [BIN, ...tiny, '--scheduler', 'async', '--dashboard', '--port', '0'],
      { encoding: 'utf8', timeout: 30_000 },
    );
    expect(refused.signal).toBeNull();
    expect(refused.status).not.toBe(0);
    expect(refused.stderr).toContain('only --scheduler lockstep runs recurrent modules so far');
  });

  it('SIGTERM stops it at the next windows, marks the directory interrupted and exits 143; --resume continues it', async () => {
    const dir = freshDir();
    const { code, stderr, milliseconds } = await interruptAfterFirstLine([
      ...tiny,
      '--epochs',
      '100000',
      '--ticks',
      '30',
      '--out',
      dir,
    ]);
    expect(code).toBe(143);
    expect(milliseconds).toBeLessThan(5000);
    expect(stderr).toContain('dniflow/runtime: training interrupted (SIGTERM)');
    expect(stderr).toContain(`(continue with: dniflow train ${GRAPH} --resume ${dir})`);
    const interrupted = JSON.parse(readFileSync(join(dir, 'run.json'), 'utf8'));
    expect(interrupted.status).toBe('interrupted');
    // --resume continues it from its last checkpoint to the total asked.
    const total = interrupted.epochs_done + 1;
    const resumed = spawnSync(
      process.execPath,
      [BIN, 'train', GRAPH, '--resume', dir, '--epochs', `${total}`],
      {
        encoding: 'utf8',
        timeout: 60_000,
      },
    );
    expect(resumed.status, resumed.stderr).toBe(0);
    expect(JSON.parse(readFileSync(join(dir, 'run.json'), 'utf8'))).toMatchObject({
      status: 'completed',
      epochs_done: total,
    });
    const epochs = readFileSync(join(dir, 'metrics.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line).epoch);
    expect(epochs).toEqual(Array.from({ length: total }, (_, i) => i + 1));
    // Another seed is refused as a usage error naming it.
    const refused = spawnSync(
      process.execPath,
      [BIN, 'train', GRAPH, '--resume', dir, '--seed', '9', '--epochs', `${total + 1}`],
      {
        encoding: 'utf8',
        timeout: 60_000,
      },
    );
    expect(refused.status).toBe(2);
    expect(refused.stderr).toContain('seed 9 was asked, the run has 1');
  }, 60_000);
});
