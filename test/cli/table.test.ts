import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

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
    expect(result.stdout).toContain('MNIST test error %, ours (paper)');
    const table = JSON.parse(readFileSync(out, 'utf8'));
    expect(table.budget).toEqual({ epochs: 1, trainLimit: 256, sg: 'linear' });
    expect(table.rows).toHaveLength(16);
    const cell = table.rows.find(
      (r: { layers: number; method: string }) => r.layers === 5 && r.method === 'cdni',
    );
    expect(cell.paper).toBe(1.7);
    for (const row of table.rows) expect(row.test_error).toBeGreaterThanOrEqual(0);
  });

  it('rejects a bad family or table name with exit code 2', () => {
    expect(run('table', 'feedforward', '--only', 'RNN').status).toBe(2);
    expect(run('table', 'sideways').status).toBe(2);
  });

  it('table recurrent refuses bad flags before any cell runs', () => {
    for (const args of [
      ['--only', 'FCN'],
      ['--T', '0,3'],
      ['--T', '3,3'],
      ['--methods', 'bptt,lstm'],
      ['--budget', '10'],
      ['--epochs', '2'],
    ]) {
      const result = run('table', 'recurrent', ...args, '--out', '/nonexistent-dir/t.json');
      expect(result.status, args.join(' ')).toBe(2);
    }
    // A path that cannot be written fails at once, before the first cell.
    const unwritable = run('table', 'recurrent', '--budget', '100', '--out', '/nonexistent-dir/t.json');
    expect(unwritable.status).not.toBe(0);
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
  }, 120_000);
});
