import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runMain } from '../helpers/run-main.ts';

const BIN = new URL('../../bin/dniflow.js', import.meta.url).pathname;

function dniflow(...args: string[]) {
  const result = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', timeout: 60_000 });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('dniflow CLI', () => {
  it('documents every train flag in --help', () => {
    const { code, stdout } = dniflow('train', '--help');
    expect(code).toBe(0);
    for (const flag of [
      '--set',
      '--epochs',
      '--batch',
      '--lr',
      '--seed',
      '--json',
      '--train-limit',
      '--test-limit',
    ]) {
      expect(stdout).toContain(flag);
    }
  });

  it('lists the commands in the top-level --help', () => {
    const { code, stdout } = dniflow('--help');
    expect(code).toBe(0);
    expect(stdout).toContain('train <graph.ts>');
  });

  it('rejects an unknown flag with one line and exit code 2', () => {
    const { code, stderr } = dniflow('train', 'graphs/mnist-fcn.ts', '--epoch', '3');
    expect(code).toBe(2);
    expect(stderr.trim().split('\n')).toHaveLength(1);
    expect(stderr).toContain('unknown flag --epoch');
  });

  it('rejects a non-numeric --epochs with exit code 2', () => {
    const { code, stderr } = dniflow('train', 'graphs/mnist-fcn.ts', '--epochs', 'three');
    expect(code).toBe(2);
    expect(stderr.trim()).toBe("dniflow: --epochs must be a positive integer, got 'three'");
  });

  it.each([
    ['--batch', '0'],
    ['--lr', '-1'],
    ['--seed', '1.5'],
  ])('rejects %s %s with exit code 2', (flag, value) => {
    const { code, stderr } = dniflow('train', 'graphs/mnist-fcn.ts', flag, value);
    expect(code).toBe(2);
    expect(stderr).toContain(flag);
  });

  it('rejects an unknown --set key for the graph, naming the known ones', () => {
    const { code, stderr } = dniflow('train', 'graphs/mnist-fcn.ts', '--set', 'depth=4');
    expect(code).toBe(2);
    expect(stderr).toContain("unknown --set key 'depth'");
    expect(stderr).toContain('layers');
  });

  it('rejects an out-of-range --set value', () => {
    const { code, stderr } = dniflow('train', 'graphs/mnist-fcn.ts', '--set', 'layers=9');
    expect(code).toBe(2);
    expect(stderr).toContain('layers=9');
  });

  it('rejects a missing graph file and an unknown command', () => {
    expect(dniflow('train', 'graphs/nope.ts').code).toBe(2);
    const { code, stderr } = dniflow('fly');
    expect(code).toBe(2);
    expect(stderr).toContain("unknown command 'fly'");
  });

  it('rejects an --out path that cannot be a directory', () => {
    const { code, stderr } = dniflow('train', 'graphs/mnist-fcn.ts', '--out', '/etc/passwd/run');
    expect(code).toBe(2);
    expect(stderr).toContain('--out /etc/passwd/run is not a writable directory');
  });

  it('writes run.json, metrics.jsonl and a checkpoint with --out', () => {
    const dir = mkdtempSync(join(tmpdir(), 'dniflow-out-'));
    const { code } = dniflow(
      'train',
      'graphs/mnist-fcn.ts',
      '--set',
      'hidden=16',
      '--set',
      'method=dni',
      '--set',
      'sg=linear',
      '--epochs',
      '1',
      '--train-limit',
      '300',
      '--test-limit',
      '100',
      '--json',
      '--out',
      dir,
    );
    expect(code).toBe(0);
    const run = JSON.parse(readFileSync(join(dir, 'run.json'), 'utf8'));
    expect(run.graph).toBe('mnist-fcn');
    expect(run.network.nodes.map((n: { key: string }) => n.key)).toContain('classifier');
    const lines = readFileSync(join(dir, 'metrics.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ type: 'epoch', epoch: 1 });
    expect(lines[0].interfaces.map((i: { edge: string }) => i.edge).sort()).toEqual([
      'layer1->layer2',
      'layer2->layer3',
      'layer3->classifier',
    ]);
    expect(existsSync(join(dir, 'checkpoint.ckpt'))).toBe(true);
  });

  it('rejects an unknown --scheduler and --port without --dashboard', () => {
    const bad = dniflow('train', 'graphs/mnist-fcn.ts', '--scheduler', 'fast');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("--scheduler must be lockstep, async, workers or nats, got 'fast'");
    expect(dniflow('train', 'graphs/mnist-fcn.ts', '--port', '9000').stderr).toContain(
      '--port needs --dashboard',
    );
  });

  it('rejects --placement without the workers scheduler, and a placement that misses a module', () => {
    const alone = dniflow('train', 'graphs/mnist-fcn.ts', '--placement', 'layer1|layer2');
    expect(alone.code).toBe(2);
    expect(alone.stderr).toContain('--placement needs --scheduler workers');
    const missing = dniflow(
      'train',
      'graphs/mnist-fcn.ts',
      '--scheduler',
      'workers',
      '--placement',
      'layer1,layer2|layer3',
    );
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('--placement: placement leaves out module(s) classifier');
  });

  it('rejects a dashboard port already in use with exit code 2', async () => {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    const result = spawnSync(
      process.execPath,
      [BIN, 'train', 'graphs/mnist-fcn.ts', '--dashboard', '--port', String(port)],
      {
        encoding: 'utf8',
      },
    );
    // The same for a recurrent graph, whose page opens on another path through train.
    const recurrent = await runMain('train', 'graphs/repeat-copy.ts', '--dashboard', '--port', String(port));
    server.close();
    expect(result.status).toBe(2);
    expect(result.stderr).toContain(`port ${port} on 127.0.0.1 is already in use`);
    expect(recurrent.code).toBe(2);
    expect(recurrent.stderr).toContain(`port ${port} on 127.0.0.1 is already in use`);
  });

  it('prints the backend with info', () => {
    const { code, stdout } = dniflow('info');
    expect(code).toBe(0);
    expect(stdout).toMatch(/backend: (ts|native)/);
    expect(stdout).toMatch(/blas threads: \d+/);
  });
});
