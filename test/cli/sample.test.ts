import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';

const BIN = new URL('../../bin/dniflow.js', import.meta.url).pathname;
const GRAPH = new URL('../../graphs/char-lm.ts', import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), 'dniflow-sample-'));
const corpus = join(dir, 'tiny.txt');
const runDir = join(dir, 'run');
const dniflow = (...args: string[]) =>
  spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', timeout: 60_000 });

describe('dniflow sample', () => {
  beforeAll(() => {
    writeFileSync(corpus, 'the cat sat on the mat. the dog sat on the log. '.repeat(40));
    const trained = dniflow(
      'train',
      GRAPH,
      '--set',
      `text=${corpus}`,
      '--set',
      'units=16',
      '--batch',
      '4',
      '--epochs',
      '2',
      '--ticks',
      '40',
      '--out',
      runDir,
    );
    expect(trained.status, trained.stderr).toBe(0);
  }, 60_000);

  it('writes the asked number of characters after the prime, the same for the same seed', () => {
    const a = dniflow('sample', runDir, '--chars', '50', '--prime', 'the ', '--seed', '3');
    const b = dniflow('sample', runDir, '--chars', '50', '--prime', 'the ', '--seed', '3');
    const c = dniflow('sample', runDir, '--chars', '50', '--prime', 'the ', '--seed', '4');
    expect(a.status, a.stderr).toBe(0);
    const text = a.stdout.replace(/\n$/, '');
    expect(text.startsWith('the ')).toBe(true);
    expect([...text].length).toBe(4 + 50);
    expect(b.stdout).toBe(a.stdout);
    expect(c.stdout).not.toBe(a.stdout);
    // Only characters of the run's vocabulary.
    expect(/^[a-z .]*$/.test(text)).toBe(true);
  }, 60_000);

  it('samples the same text from a run trained 1 epoch then resumed to 2 (the best parameters cross the resume)', () => {
    const halves = join(dir, 'halves');
    const args = [GRAPH, '--set', `text=${corpus}`, '--set', 'units=16', '--batch', '4', '--ticks', '40'];
    const first = dniflow('train', ...args, '--epochs', '1', '--out', halves);
    expect(first.status, first.stderr).toBe(0);
    const resumed = dniflow('train', GRAPH, '--resume', halves, '--epochs', '2');
    expect(resumed.status, resumed.stderr).toBe(0);
    const a = dniflow('sample', runDir, '--chars', '50', '--prime', 'the ', '--seed', '3');
    const b = dniflow('sample', halves, '--chars', '50', '--prime', 'the ', '--seed', '3');
    expect(b.status, b.stderr).toBe(0);
    expect(b.stdout).toBe(a.stdout);
  }, 60_000);

  it('refuses a prime outside the vocabulary, a directory without a run, and a bad temperature', () => {
    const prime = dniflow('sample', runDir, '--prime', 'Zebra');
    expect(prime.status).toBe(2);
    expect(prime.stderr).toContain('"Z"');
    const empty = dniflow('sample', dir);
    expect(empty.status).toBe(2);
    expect(empty.stderr).toContain('holds no run (no run.json)');
    expect(dniflow('sample', runDir, '--temperature', '0').status).toBe(2);
  }, 60_000);
});
