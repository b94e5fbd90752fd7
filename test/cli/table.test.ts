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
    expect(run('table', 'recurrent').status).toBe(2);
  });
});
