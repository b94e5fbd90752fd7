import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { networkFromJSON } from '../../src/index.ts';
import { runMain } from '../helpers/run-main.ts';

const BIN = fileURLToPath(new URL('../../bin/dniflow.js', import.meta.url));
const fixture = (name: string) => fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'dniflow-viz-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface Result {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** The CLI in a child process, as a user runs it (slow: used once per command). */
function spawnDniflow(...args: string[]): Result {
  const result = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', timeout: 60_000 });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

function expectUsageError(result: Result, pattern: RegExp): void {
  expect(result.code).toBe(2);
  expect(result.stderr.trim().split('\n')).toHaveLength(1);
  expect(result.stderr).toMatch(pattern);
}

describe('dniflow viz', () => {
  it('writes SVG, HTML, GEXF and graphology JSON by extension', async () => {
    const out = (ext: string) => join(dir, 'nested', `net.${ext}`);
    for (const ext of ['svg', 'html', 'gexf', 'json']) {
      const result = await runMain('viz', 'graphs/mnist-fcn.ts', '--set', 'layers=4', '--out', out(ext));
      expect(result.code, result.stderr).toBe(0);
    }
    const svg = readFileSync(out('svg'), 'utf8');
    expect(svg).toContain('data-node="layer4"');
    expect(svg).toContain('layers=4');
    expect(readFileSync(out('html'), 'utf8')).toMatch(/^<!doctype html>/);
    const gexf = readFileSync(out('gexf'), 'utf8');
    expect(gexf).toContain('<gexf xmlns="http://gexf.net/1.3"');
    expect(gexf.match(/<node /g)).toHaveLength(7);
    expect(gexf.match(/<edge /g)).toHaveLength(6);
    const network = networkFromJSON(JSON.parse(readFileSync(out('json'), 'utf8')));
    expect(network.order).toBe(7);
    // The JSON reads back into viz as well.
    expect((await runMain('viz', out('json'), '--out', join(dir, 'again.svg'))).code).toBe(0);
  });

  it('rejects an unknown output extension, a missing --out and an unwritable path with one line and exit 2', async () => {
    expectUsageError(
      await runMain('viz', 'graphs/mnist-fcn.ts', '--out', join(dir, 'net.png')),
      /unknown output extension.*\.svg, \.html, \.gexf, \.json/,
    );
    expectUsageError(await runMain('viz', 'graphs/mnist-fcn.ts'), /viz needs --out/);
    const file = join(dir, 'a-file');
    writeFileSync(file, 'not a folder');
    expectUsageError(
      await runMain('viz', 'graphs/mnist-fcn.ts', '--out', join(file, 'net.svg')),
      /cannot write --out .*a-file\/net\.svg \(E/,
    );
  });

  it('rejects a bad --set and a missing graph file with exit 2', async () => {
    expectUsageError(
      await runMain('viz', 'graphs/mnist-fcn.ts', '--set', 'depth=2', '--out', join(dir, 'x.svg')),
      /unknown --set key 'depth'/,
    );
    expectUsageError(
      await runMain('viz', 'graphs/nope.ts', '--out', join(dir, 'x.svg')),
      /graph file not found/,
    );
  });
});

describe('dniflow plot', () => {
  it('plots a run folder to SVG and HTML, and a feed-forward table to SVG', async () => {
    expect((await runMain('plot', fixture('run-dni'), '--out', join(dir, 'plots.svg'))).code).toBe(0);
    expect(readFileSync(join(dir, 'plots.svg'), 'utf8')).toContain('Synthetic-gradient loss');
    expect((await runMain('plot', fixture('run-dni'), '--out', join(dir, 'plots.html'))).code).toBe(0);
    expect(readFileSync(join(dir, 'plots.html'), 'utf8')).toContain('dniflowPlotsView');
    expect((await runMain('plot', fixture('table.json'), '--out', join(dir, 'table.svg'))).code).toBe(0);
    expect(readFileSync(join(dir, 'table.svg'), 'utf8')).toContain('Feed-forward test error');
  });

  it('rejects a folder with no run, an unknown extension and an unwritable path with one line and exit 2', async () => {
    expectUsageError(
      await runMain('plot', fixture('empty-dir'), '--out', join(dir, 'p.svg')),
      /no run in .*empty-dir/,
    );
    expectUsageError(
      await runMain('plot', join(dir, 'missing'), '--out', join(dir, 'p.svg')),
      /no run directory/,
    );
    expectUsageError(
      await runMain('plot', fixture('run-dni'), '--out', join(dir, 'p.pdf')),
      /unknown output extension.*\.svg or \.html/,
    );
    const file = join(dir, 'plain-file');
    writeFileSync(file, '');
    expectUsageError(
      await runMain('plot', fixture('run-dni'), '--out', join(file, 'p.svg')),
      /cannot write --out/,
    );
  });

  it('runs as a real process: exit 2 and one line for a bad extension, 0 for a plot', () => {
    const bad = spawnDniflow('plot', fixture('run-dni'), '--out', join(dir, 'p.png'));
    expectUsageError(bad, /^dniflow: unknown output extension/);
    const good = spawnDniflow('viz', 'graphs/mnist-fcn.ts', '--out', join(dir, 'spawned.svg'));
    expect(good.code, good.stderr).toBe(0);
    expect(readFileSync(join(dir, 'spawned.svg'), 'utf8')).toContain('data-node="layer1"');
  });

  it('is listed in the top-level help with viz', async () => {
    const { code, stdout } = await runMain('--help');
    expect(code).toBe(0);
    expect(stdout).toMatch(/^\s+viz <graph/m);
    expect(stdout).toMatch(/^\s+plot <run-dir/m);
    expect((await runMain('plot', '--help')).stdout).toContain('--out FILE');
    expect((await runMain('viz', '--help')).stdout).toContain('.gexf');
  });
});
