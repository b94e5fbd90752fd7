import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runMain } from '../helpers/run-main.ts';
import { interruptAfterFirstLine } from '../helpers/signal-run.ts';

const BIN = new URL('../../bin/dniflow.js', import.meta.url).pathname;
const run = (...args: string[]) =>
  spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', timeout: 300_000 });

describe('dniflow table feedforward', () => {
  it('runs every FCN cell at the budget and writes the table beside the paper numbers', () => {
    const out = join(mkdtempSync(join(tmpdir(), 'dniflow-table-')), 'table.json');
    const result = run(
      'table',
      'feedforward',
      '--only',
      'FCN',
      '--epochs',
      '1',
      '--train-limit',
      '256',
      '--out',
      out,
    );
    expect(result.status).toBe(0);
    expect(result.stdout).toContain(
      'MNIST test error %, ours (paper) and seconds per cell, 1 epoch per cell',
    );
    const table = JSON.parse(readFileSync(out, 'utf8'));
    expect(table.kind).toBe('feedforward');
    expect(table.settings).toEqual({
      iterations: null,
      epochs: 1,
      eval_every: null,
      train_limit: 256,
      sg: 'linear',
      lr_schedule: null,
      seed: 1,
    });
    expect(table.rows).toHaveLength(16);
    const cell = table.rows.find(
      (r: { layers: number; method: string }) => r.layers === 5 && r.method === 'cdni',
    );
    expect(cell.paper).toBe(1.7);
    for (const row of table.rows) {
      expect(row.test_error).toBeGreaterThanOrEqual(0);
      expect(row.iterations).toBe(2); // 256 examples at the FCN's batch of 128
      expect(row.curve).toEqual([{ iterations: 2, test_error: row.test_error }]);
      expect(row.seconds).toBeGreaterThan(0);
    }
  });

  it('trains every cell for the same budget of iterations, with a learning curve per cell, and --set reaches every cell', () => {
    const out = join(mkdtempSync(join(tmpdir(), 'dniflow-table-')), 'table.json');
    const result = run(
      ...['table', 'feedforward', '--only', 'FCN', '--layers', '3', '--methods', 'nobprop,cdni'],
      ...['--budget', '5', '--eval-every', '2', '--train-limit', '256', '--lr-schedule', 'cosine'],
      ...['--lr', '3e-4', '--set', 'sgLr=0', '--set', 'hidden=32', '--out', out],
    );
    expect(result.status, result.stderr).toBe(0);
    expect(result.stdout).toContain(
      '5 iterations per cell, lr 0.0003, lr schedule cosine, --set hidden=32, --set sgLr=0',
    );
    const table = JSON.parse(readFileSync(out, 'utf8'));
    expect(table.settings).toMatchObject({
      iterations: 5,
      epochs: null,
      eval_every: 2,
      lr_schedule: 'cosine',
      lr: 3e-4,
      set: { hidden: '32', sgLr: '0' },
    });
    expect(table.rows.map((r: { method: string }) => r.method)).toEqual(['nobprop', 'cdni']);
    for (const row of table.rows) {
      expect(row.iterations).toBe(5);
      expect(row.lr).toBe(3e-4);
      // Every 2 iterations and at each epoch's end (2 steps an epoch at batch 128): 2, 4, 5.
      expect(row.curve.map((p: { iterations: number }) => p.iterations)).toEqual([2, 4, 5]);
      expect(row.curve.at(-1).test_error).toBe(row.test_error);
      expect(row.paper).toBe(row.method === 'nobprop' ? 9.3 : 2.2);
    }
    // sgLr=0 reached the cDNI cell: zero-initialised output layers that never learn send zero
    // gradients, so nothing below the classifier moves, exactly as with No Bprop.
    const [nobprop, cdni] = table.rows;
    expect(cdni.curve).toEqual(nobprop.curve);
    expect(cdni.train_loss).toBe(nobprop.train_loss);
  });

  it('an interrupted table continues where it stopped, skipping finished cells, and gives the same table', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dniflow-table-resume-'));
    const args = ['table', 'feedforward', '--only', 'FCN', '--layers', '3'];
    const budget = ['--budget', '4', '--eval-every', '2', '--train-limit', '256', '--json'];
    const straight = run(...args, ...budget, '--out', join(dir, 'straight.json'));
    expect(straight.status, straight.stderr).toBe(0);
    // Stopped after its first cell's line, while the next cell trains.
    const resumed = join(dir, 'resumed.json');
    await interruptAfterFirstLine([...args, ...budget, '--out', resumed]);
    const kept = JSON.parse(readFileSync(resumed, 'utf8')).rows.length;
    expect(kept).toBeGreaterThanOrEqual(1);
    expect(kept).toBeLessThan(4);
    const rerun = run(...args, ...budget, '--out', resumed);
    expect(rerun.status, rerun.stderr).toBe(0);
    expect(rerun.stderr).toContain(`${kept} of 4 cells already in ${resumed}; skipping them`);
    expect(rerun.stdout.trim().split('\n')).toHaveLength(4 - kept);
    const withoutSeconds = (path: string) =>
      JSON.parse(readFileSync(path, 'utf8')).rows.map(({ seconds: _s, ...row }: { seconds: number }) => row);
    expect(withoutSeconds(resumed)).toEqual(withoutSeconds(join(dir, 'straight.json')));
    // Other settings on the same file are refused, before any cell.
    const other = run(
      ...args,
      '--budget',
      '6',
      '--eval-every',
      '2',
      '--train-limit',
      '256',
      '--out',
      resumed,
    );
    expect(other.status).toBe(2);
    expect(other.stderr).toContain('holds a table with other settings');
  }, 120_000);

  it('refuses a bad --budget and other bad flags with one line and exit code 2, before any cell', async () => {
    const out = '/nonexistent-dir/t.json';
    for (const [args, message] of [
      [['--budget', '0'], "--budget must be a positive integer, got '0'"],
      [['--budget', '-5'], '--budget'],
      [['--budget', '1.5'], "--budget must be a positive integer, got '1.5'"],
      [['--budget', '50k'], "--budget must be a positive integer, got '50k'"],
      [['--budget', ''], '--budget must be a positive integer'],
      [['--budget', '20000000'], '--budget must be at most 10000000 iterations'],
      [['--budget', '100', '--epochs', '2'], '--budget (iterations) and --epochs exclude each other'],
      [['--budget', '100', '--eval-every', '200'], '--eval-every 200 is more than the --budget of 100'],
      [['--layers', '3,7'], "--layers: bad item '7'"],
      [['--only', 'CNN', '--layers', '5'], "--layers: bad item '5'"],
      [['--methods', 'dni,sgd'], "--methods: bad item 'sgd'"],
      [['--lr-schedule', 'step:0:0.5'], 'EVERY must be a positive integer'],
      [['--lr', '0'], "--lr must be a positive number, got '0'"],
      [['--units', '4'], '--units does not apply to table feedforward'],
      [['--set', 'layers=4'], "--set layers is the table's to choose per cell"],
      [['--set', 'sg=mlp'], "--set sg is the table's to choose per cell (use --sg)"],
      [['--set', 'hidden'], "--set expects key=value, got 'hidden'"],
      [['--set', 'width=3'], '--set for the FCN cells'],
      [['--only', 'CNN', '--set', 'sgTop=mlp'], '--set for the CNN cells'],
      [['--set', 'sgTop=mlp'], '--set for the CNN cells'],
    ] as const) {
      const result = await runMain('table', 'feedforward', ...args, '--out', out);
      expect(result.code, args.join(' ')).toBe(2);
      expect(result.stderr.trim().split('\n'), args.join(' ')).toHaveLength(1);
      expect(result.stderr, args.join(' ')).toContain(message);
    }
    // Issue 15: an --out that cannot be written used to fail only after every cell had trained.
    const unwritable = await runMain(
      'table',
      'feedforward',
      '--budget',
      '100',
      '--layers',
      '3',
      '--out',
      out,
    );
    expect(unwritable.code).not.toBe(0);
    expect(unwritable.stderr.trim()).toBe(
      `dniflow/runtime: cannot write ${out}: its folder does not exist (ENOENT)`,
    );
    expect(unwritable.stdout).toBe('');
  });

  it('rejects a bad family or table name with exit code 2', async () => {
    expect((await runMain('table', 'feedforward', '--only', 'RNN')).code).toBe(2);
    expect((await runMain('table', 'sideways')).code).toBe(2);
  });

  it('table recurrent refuses bad flags before any cell runs', async () => {
    for (const args of [
      ['--only', 'FCN'],
      ['--T', '0,3'],
      ['--T', '3,3'],
      ['--methods', 'bptt,lstm'],
      ['--budget', '10'],
      ['--epochs', '2'],
      ['--set', 'T=4'],
      ['--set', 'width=3'],
      ['--set', 'N=0'],
    ]) {
      const result = await runMain('table', 'recurrent', ...args, '--out', '/nonexistent-dir/t.json');
      expect(result.code, args.join(' ')).toBe(2);
    }
    expect((await runMain('table', 'recurrent', '--set', 'T=4')).stderr).toContain(
      "--set T is the table's to choose per cell (use --T)",
    );
    expect((await runMain('table', 'recurrent', '--set', 'width=3')).stderr).toContain(
      '--set for the copy cells',
    );
    // A path that cannot be written fails at once, before the first cell.
    const unwritable = await runMain(
      'table',
      'recurrent',
      '--budget',
      '100',
      '--out',
      '/nonexistent-dir/t.json',
    );
    expect(unwritable.code).not.toBe(0);
    expect(unwritable.stderr).toContain('/nonexistent-dir/t.json');
  });
});

describe('dniflow table recurrent', () => {
  it('runs its cells, writes the table after each, and a rerun skips the finished ones', () => {
    const out = join(mkdtempSync(join(tmpdir(), 'dniflow-table-rnn-')), 'table.json');
    const args = ['table', 'recurrent', '--only', 'copy', '--T', '2', '--methods', 'bptt,dni'];
    const small = ['--budget', '40', '--units', '4', '--batch', '2', '--jobs', '2', '--out', out];
    const first = run(...args, ...small);
    expect(first.status, first.stderr).toBe(0);
    expect(first.stdout).toContain('Largest task length solved, ours (paper');
    const table = JSON.parse(readFileSync(out, 'utf8'));
    expect(table.settings).toEqual({ budget: 40, units: 4, batch: 2, seed: 1 });
    expect(table.rows.map((r: { method: string }) => r.method).sort()).toEqual(['bptt', 'dni']);
    for (const row of table.rows) {
      expect(row.paper).toBe(row.method === 'bptt' ? 7 : 16);
      expect(row.curve).toHaveLength(20);
    }
    // Adding a method runs only that cell; the finished ones are kept as they were.
    const second = run('table', 'recurrent', '--only', 'copy', '--T', '2', ...small);
    expect(second.status, second.stderr).toBe(0);
    expect(second.stderr).toContain('2 of 3 cells already in');
    const again = JSON.parse(readFileSync(out, 'utf8'));
    expect(again.rows.slice(0, 2)).toEqual(table.rows);
    expect(again.rows[2].method).toBe('dni-aux');
    // --set reaches the cell's process: a curriculum started at N = 3 is another run.
    const harder = join(mkdtempSync(join(tmpdir(), 'dniflow-table-rnn-')), 'table.json');
    const withSet = run(...args.slice(0, -1), 'bptt', ...small.slice(0, -1), harder, '--set', 'N=3');
    expect(withSet.status, withSet.stderr).toBe(0);
    expect(withSet.stdout).toContain('LSTM 4, --set N=3');
    const set = JSON.parse(readFileSync(harder, 'utf8'));
    expect(set.settings.set).toEqual({ N: '3' });
    const bptt = (rows: { method: string; bits_per_tick: number }[]) =>
      rows.find((r) => r.method === 'bptt')!;
    expect(bptt(set.rows).bits_per_tick).not.toBe(bptt(table.rows).bits_per_tick);
  }, 120_000);
});
