import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import mnistFcn from '../../graphs/mnist-fcn.ts';
import type { GraphDefinition } from '../../src/graph/define.ts';
import { readCheckpoint } from '../../src/runtime/checkpoint.ts';
import { ManualClock } from '../../src/runtime/clock.ts';
import type { StepEngine } from '../../src/runtime/engine.ts';
import { type RunOptions, runGraph } from '../../src/runtime/run.ts';
import { RunDirectoryError } from '../../src/runtime/run-directory.ts';
import { DivergenceError, InterruptedError } from '../../src/runtime/trainer.ts';

const tiny = { set: { hidden: '8' }, batch: 50, trainLimit: 200, testLimit: 50 };
const freshDir = () => join(mkdtempSync(join(tmpdir(), 'dniflow-rundir-')), 'run');
const run = (options: Omit<RunOptions, 'clock'>, definition: GraphDefinition = mnistFcn) =>
  runGraph(definition, { ...tiny, ...options, clock: new ManualClock() });
const runJson = (dir: string) => JSON.parse(readFileSync(join(dir, 'run.json'), 'utf8'));
const metricLines = (dir: string) => readFileSync(join(dir, 'metrics.jsonl'), 'utf8').trim().split('\n');
/** Every file of a directory with its bytes, to show that nothing in it changed. */
const snapshot = (dir: string) =>
  Object.fromEntries(
    readdirSync(dir).map((name) => [name, readFileSync(join(dir, name)).toString('base64')]),
  );
/** mnist-fcn, counting how often it is built: a refusal "before any work" builds nothing. */
function counted(failBuild = false) {
  const calls = { build: 0 };
  const definition: GraphDefinition = {
    ...mnistFcn,
    build: (params) => {
      calls.build++;
      if (failBuild) throw new Error('dniflow/graph: simulated failure while building');
      return mnistFcn.build(params);
    },
  };
  return { definition, calls };
}

describe('a run directory holds one run (issue 15, item 1)', () => {
  it('refuses a new run into a directory that holds another, before any work, changing nothing', async () => {
    const dir = freshDir();
    await run({ epochs: 1, outDir: dir });
    const before = snapshot(dir);
    const { definition, calls } = counted();
    const refused = run({ epochs: 1, outDir: dir, set: { hidden: '4' } }, definition);
    await expect(refused).rejects.toBeInstanceOf(RunDirectoryError);
    await expect(run({ epochs: 1, outDir: dir }, definition)).rejects.toThrow(
      `run directory ${dir} already holds a run (checkpoint.ckpt, metrics.jsonl, run.json); continue it with --resume`,
    );
    expect(calls.build).toBe(0);
    expect(snapshot(dir)).toEqual(before);
  });

  it('refuses a directory with files that are not a run, even with overwrite, deleting nothing', async () => {
    const dir = freshDir();
    mkdirSync(dir);
    writeFileSync(join(dir, 'notes.txt'), 'mine');
    for (const overwrite of [false, true])
      await expect(run({ epochs: 1, outDir: dir, overwrite })).rejects.toThrow(
        "holds files that are not a run's (notes.txt)",
      );
    expect(readdirSync(dir)).toEqual(['notes.txt']);
  });

  it('overwrite keeps the old run whole when the new one fails before training, and replaces it whole after', async () => {
    const dir = freshDir();
    await run({ epochs: 1, outDir: dir });
    const before = snapshot(dir);
    await expect(run({ epochs: 1, outDir: dir, overwrite: true }, counted(true).definition)).rejects.toThrow(
      'simulated failure',
    );
    expect(snapshot(dir)).toEqual(before);
    await run({ epochs: 2, outDir: dir, overwrite: true, set: { hidden: '4' } });
    expect(runJson(dir)).toMatchObject({ status: 'completed', epochs_done: 2, params: { hidden: 4 } });
    expect(metricLines(dir)).toHaveLength(2);
    expect(readCheckpoint(join(dir, 'checkpoint.ckpt')).meta).toMatchObject({
      epoch: 2,
      params: { hidden: 4 },
    });
    // No staging or retired copy is left beside it, and no temporary inside it.
    expect(readdirSync(dirname(dir))).toEqual(['run']);
    expect(readdirSync(dir).sort()).toEqual(['checkpoint.ckpt', 'metrics.jsonl', 'run.json']);
  });

  it('a diverged run is marked failed and names its own last good checkpoint', async () => {
    const dir = freshDir();
    let engine: StepEngine | undefined;
    const thrown = await run({
      epochs: 3,
      outDir: dir,
      onReady: (ready) => {
        engine = ready.engine;
      },
      onEvent: (event) => {
        // A classifier bias of 1e8 makes the loss about 1e8: finite, and far past the default limit.
        if (event.type === 'batch' && event.epoch === 2 && event.batch === 1) {
          const state = engine!.state();
          const key = Object.keys(state).find(
            (k) => k.startsWith('classifier/param.') && k.endsWith('bias'),
          )!;
          state[key].data[0] = 1e8;
          engine!.loadState(state);
        }
      },
    }).catch((error: unknown) => error);
    expect(thrown).toBeInstanceOf(DivergenceError);
    const divergence = thrown as DivergenceError;
    expect(divergence.module).toBe('loss');
    expect(divergence.step).toBe(5);
    expect(divergence.loss!.value).toBeGreaterThan(1e6);
    expect(Number.isFinite(divergence.loss!.value)).toBe(true);
    const checkpointPath = join(dir, 'checkpoint.ckpt');
    expect(divergence.message).toContain("the loss of 'loss' is");
    expect(divergence.message).toContain(`the last good checkpoint is kept at ${checkpointPath}`);
    expect(readCheckpoint(checkpointPath).meta.epoch).toBe(1);
    expect(runJson(dir)).toMatchObject({
      status: 'failed',
      epochs_done: 1,
      checkpoint: 'checkpoint.ckpt',
      error: divergence.message,
    });
    expect(metricLines(dir)).toHaveLength(1);
  });

  it('never names a checkpoint this run did not write', async () => {
    const dir = freshDir();
    const foreign = join(dirname(dir), 'other-run.ckpt');
    writeFileSync(foreign, 'another run');
    const thrown = await run({ epochs: 1, outDir: dir, checkpointPath: foreign, maxLoss: 0.1 }).catch(
      (error: unknown) => error,
    );
    expect(thrown).toBeInstanceOf(DivergenceError);
    expect((thrown as Error).message).not.toContain(foreign);
    expect((thrown as Error).message).toContain('no checkpoint was saved');
    expect(runJson(dir)).toMatchObject({ status: 'failed', epochs_done: 0, checkpoint: null });
  });

  it('an aborted run stops at a batch boundary, marked interrupted with its own checkpoint, and resumes', async () => {
    const dir = freshDir();
    const interrupt = new AbortController();
    const thrown = await run({
      epochs: 3,
      outDir: dir,
      signal: interrupt.signal,
      onEvent: (event) => {
        if (event.type === 'batch' && event.epoch === 2 && event.batch === 2) interrupt.abort('SIGTERM');
      },
    }).catch((error: unknown) => error);
    expect(thrown).toBeInstanceOf(InterruptedError);
    expect((thrown as InterruptedError).reason).toBe('SIGTERM');
    expect(runJson(dir)).toMatchObject({
      status: 'interrupted',
      epochs_done: 1,
      checkpoint: 'checkpoint.ckpt',
    });
    expect(readCheckpoint(join(dir, 'checkpoint.ckpt')).meta.epoch).toBe(1);
    expect(metricLines(dir)).toHaveLength(1);
    expect(existsSync(join(dir, 'checkpoint.ckpt.tmp'))).toBe(false);
    const resumed = await runGraph(mnistFcn, { outDir: dir, resume: true, clock: new ManualClock() });
    expect(resumed.history.map((h) => h.epoch)).toEqual([1, 2, 3]);
    expect(runJson(dir)).toMatchObject({ status: 'completed', epochs_done: 3 });
  });
});
