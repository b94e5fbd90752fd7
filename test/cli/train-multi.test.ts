import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runMain } from '../helpers/run-main.ts';
import { interruptAfterFirstLine } from '../helpers/signal-run.ts';
import { attribute, elementsWithClass, groupMarkup } from '../viz/svg-helpers.ts';

const dir = mkdtempSync(join(tmpdir(), 'dniflow-train-multi-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const SMALL = ['--set', 'units=8', '--set', 'encoder=8', '--set', 'T=2', '--batch', '4', '--ticks', '32'];

describe('dniflow train graphs/odd-threes.ts (paper §3.3)', () => {
  it('trains each join into a run directory, and plot draws them on one page, a line per join', async () => {
    const runs: string[] = [];
    for (const join of ['backprop', 'dni', 'none']) {
      const out = `${dir}/${join}`;
      const result = await runMain(
        'train',
        'graphs/odd-threes.ts',
        '--set',
        `join=${join}`,
        ...SMALL,
        '--epochs',
        '2',
        '--out',
        out,
        '--json',
      );
      expect(result.code, result.stderr).toBe(0);
      const lines = result.stdout
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line));
      expect(lines.at(-1)).toMatchObject({ done: true, join, T: 2, scheduler: 'lockstep' });
      // 32 ticks per epoch: 8 blocks of T² = 4; A updates every T ticks, or every T² under backprop.
      expect(lines[1]).toMatchObject({
        task: 'multi',
        ticks: 64,
        b_updates: 16,
        a_updates: join === 'backprop' ? 16 : 32,
      });
      expect(JSON.parse(readFileSync(`${out}/run.json`, 'utf8')).status).toBe('completed');
      runs.push(out);
    }
    const page = `${dir}/joins.svg`;
    const plotted = await runMain('plot', ...runs, '--out', page);
    expect(plotted.code, plotted.stderr).toBe(0);
    const svg = readFileSync(page, 'utf8');
    const panel = groupMarkup(svg, 'panel', "B's held-out accuracy (count of 3s)")!;
    expect(elementsWithClass(panel, 'series').map((tag) => attribute(tag, 'data-series'))).toEqual([
      'backprop T=2',
      'dni T=2',
      'none T=2',
    ]);
    expect(groupMarkup(svg, 'panel', "A's updates")).toBeDefined();
  }, 60_000);

  it('prints A’s locked time on the async schedule', async () => {
    const result = await runMain(
      'train',
      'graphs/odd-threes.ts',
      '--set',
      'join=backprop',
      ...SMALL,
      '--epochs',
      '1',
      '--scheduler',
      'async',
    );
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/A locked \d+\.\d+s of virtual time/);
  });

  it('stops a diverging run naming the loss and the window, and marks the run failed', async () => {
    const out = `${dir}/diverged`;
    const result = await runMain(
      'train',
      'graphs/odd-threes.ts',
      ...SMALL,
      '--max-loss',
      '0.1',
      '--out',
      out,
    );
    expect(result.code).not.toBe(0);
    expect(result.stderr).toMatch(
      /training diverged at step 0: the loss of 'odd' is [\d.]+, above maxLoss 0.1/,
    );
    expect(JSON.parse(readFileSync(`${out}/run.json`, 'utf8')).status).toBe('failed');
  });

  it('--dashboard serves the run live on lockstep and async, and is refused where messages cross threads', async () => {
    const result = await runMain(
      'train',
      'graphs/odd-threes.ts',
      ...SMALL,
      '--epochs',
      '1',
      '--dashboard',
      '--port',
      '0',
    );
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toMatch(/dashboard: http:\/\/127\.0\.0\.1:\d+/);
    const refused = await runMain(
      'train',
      'graphs/odd-threes.ts',
      ...SMALL,
      '--dashboard',
      '--scheduler',
      'workers',
    );
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('--dashboard follows a multi-network system on lockstep or async');
  });

  it('SIGTERM stops it between epochs, marks the directory interrupted and exits 143; --resume continues it', async () => {
    const out = `${dir}/interrupted`;
    const graph = 'graphs/odd-threes.ts';
    const { code, stderr } = await interruptAfterFirstLine([
      'train',
      graph,
      ...SMALL,
      '--epochs',
      '100000',
      '--out',
      out,
    ]);
    expect(code).toBe(143);
    expect(stderr).toContain('dniflow/runtime: training interrupted (SIGTERM)');
    expect(stderr).toContain(`(continue with: dniflow train ${graph} --resume ${out})`);
    const interrupted = JSON.parse(readFileSync(`${out}/run.json`, 'utf8'));
    expect(interrupted).toMatchObject({ status: 'interrupted', checkpoint: 'checkpoint.ckpt' });
    const total = interrupted.epochs_done + 1;
    const resumed = await runMain('train', graph, '--resume', out, '--epochs', `${total}`);
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(JSON.parse(readFileSync(`${out}/run.json`, 'utf8'))).toMatchObject({
      status: 'completed',
      epochs_done: total,
    });
    const epochs = readFileSync(`${out}/metrics.jsonl`, 'utf8')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line).epoch);
    expect(epochs).toEqual(Array.from({ length: total }, (_, i) => i));
    // Another join or seed is refused as a usage error naming it; so is another scheduler.
    for (const [flags, message] of [
      [['--set', 'join=cdni'], 'its parameters differ: join=cdni (the run has dni)'],
      [['--seed', '9'], 'seed 9 was asked, the run has 1'],
    ] as const) {
      const refused = await runMain('train', graph, '--resume', out, ...flags, '--epochs', `${total + 1}`);
      expect(refused.code).toBe(2);
      expect(refused.stderr).toContain(message);
    }
    const workers = await runMain('train', graph, '--resume', out, '--scheduler', 'workers');
    expect(workers.code).not.toBe(0);
    expect(workers.stderr).toContain('it resumes on --scheduler lockstep or async only, not workers');
  }, 60_000);

  it.each([
    [
      ['--scheduler', 'nats', '--nats-url', 'nats://127.0.0.1:4222', '--run-id', 'x'],
      'its two processes are started by the run',
    ],
    [['--patience', '3'], '--patience applies to text (recurrent) graphs only'],
    [['--lr-schedule', 'cosine'], '--lr-schedule applies to feed-forward graphs only'],
    [['--set', 'join=both'], 'must be one of backprop | dni | cdni | none'],
    [['--train-limit', '10'], '--train-limit and --test-limit do not apply'],
  ])('refuses %j in one line', async (flags, message) => {
    const result = await runMain('train', 'graphs/odd-threes.ts', ...SMALL, ...flags);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain(message);
  });
});
