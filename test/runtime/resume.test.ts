import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import mnistFcn from '../../graphs/mnist-fcn.ts';
import mnistSparse from '../../graphs/mnist-sparse.ts';
import { readCheckpoint, writeCheckpoint } from '../../src/runtime/checkpoint.ts';
import { ManualClock } from '../../src/runtime/clock.ts';
import { ResumeMismatchError } from '../../src/runtime/resume.ts';
import { type RunOptions, runGraph } from '../../src/runtime/run.ts';
import type { EpochMetrics } from '../../src/runtime/trainer.ts';

const tiny = { batch: 32, trainLimit: 200, testLimit: 50, seed: 5 };
const freshDir = () => join(mkdtempSync(join(tmpdir(), 'dniflow-resume-')), 'run');
const run = (definition: typeof mnistFcn, options: Omit<RunOptions, 'clock'>) =>
  runGraph(definition, { ...options, clock: new ManualClock() });
/** Wall-clock seconds are the only numbers a resumed run may not repeat. */
const withoutTimes = (history: EpochMetrics[]) =>
  history.map(({ seconds: _s, train_seconds: _t, ...rest }) => rest);

describe('train --resume (issue 15, item 2)', () => {
  // Each case carries a different kind of state across the resume: the stale-gradient table and
  // BN statistics (stale), the synthetic models' own Adam moments (cdni), and every module's
  // p_update coin (sparse). The learning-rate schedules check the step across the resume (FCN:
  // halved every 5 of the 7 steps an epoch; the graph's own cosine reads the run's length and could
  // not be extended) and the epoch index (sparse: its own 0.5^epoch).
  const halving = { lrSchedule: 'step:5:0.5' };
  it.each([
    ['mnist-fcn stale', mnistFcn, { hidden: '16', method: 'stale', decay: '0.5' }, halving],
    ['mnist-fcn cdni', mnistFcn, { hidden: '16', method: 'cdni' }, halving],
    ['mnist-sparse', mnistSparse, { hidden: '16', layers: '2', pUpdate: '0.5' }, {}],
  ] as const)(
    '%s: 2 epochs straight equal 1 epoch + a resume for 1 more, bit for bit',
    async (_name, graph, set, schedule) => {
      const straight = freshDir();
      const straightResult = await run(graph, { ...tiny, ...schedule, set, epochs: 2, outDir: straight });
      const halves = freshDir();
      await run(graph, { ...tiny, ...schedule, set, epochs: 1, outDir: halves });
      // Only the directory and the new total are given: everything else is the run's.
      const resumed = await run(graph, { epochs: 2, outDir: halves, resume: true });
      const a = readCheckpoint(join(straight, 'checkpoint.ckpt'));
      const b = readCheckpoint(join(halves, 'checkpoint.ckpt'));
      expect(Object.keys(b.state).sort()).toEqual(Object.keys(a.state).sort());
      for (const [name, tensor] of Object.entries(a.state))
        expect(Buffer.from(b.state[name].data.buffer).equals(Buffer.from(tensor.data.buffer)), name).toBe(
          true,
        );
      expect(b.meta.step).toBe(a.meta.step);
      expect(b.meta.shuffle).toEqual(a.meta.shuffle);
      expect(withoutTimes(resumed.history)).toEqual(withoutTimes(straightResult.history));
    },
  );

  it('refuses another graph, other parameters, another seed, batch or limit, naming what differs', async () => {
    const dir = freshDir();
    await run(mnistFcn, { ...tiny, ...halving, set: { hidden: '8' }, epochs: 1, outDir: dir });
    const resume = (definition: typeof mnistFcn, options: Omit<RunOptions, 'clock' | 'outDir'>) =>
      run(definition, { epochs: 2, ...options, outDir: dir, resume: true });
    await expect(resume(mnistSparse, {})).rejects.toThrow(
      `cannot resume ${dir}: it is a run of graph 'mnist-fcn', not 'mnist-sparse'`,
    );
    await expect(resume(mnistFcn, { set: { hidden: '9' } })).rejects.toThrow(
      'its parameters differ: hidden=9 (the run has 8)',
    );
    await expect(resume(mnistFcn, { seed: 6 })).rejects.toThrow('seed 6 was asked, the run has 5');
    await expect(resume(mnistFcn, { batch: 64 })).rejects.toThrow('batch 64 was asked, the run has 32');
    await expect(resume(mnistFcn, { trainLimit: 100 })).rejects.toThrow('train limit 100 was asked');
    await expect(resume(mnistFcn, { epochs: 1 })).rejects.toThrow('it has trained 1 of 1 epochs already');
    // Repeating the run's own settings is fine.
    const same = await resume(mnistFcn, { set: { hidden: '8' }, seed: 5, batch: 32 });
    expect(same.history.map((h) => h.epoch)).toEqual([1, 2]);
  });

  it('refuses a checkpoint written by another version of the code', async () => {
    const dir = freshDir();
    await run(mnistFcn, { ...tiny, set: { hidden: '8' }, epochs: 1, outDir: dir });
    const path = join(dir, 'checkpoint.ckpt');
    const checkpoint = readCheckpoint(path);
    writeCheckpoint(path, { ...checkpoint, meta: { ...checkpoint.meta, version: '0.0.1' } });
    const resumed = run(mnistFcn, { epochs: 2, outDir: dir, resume: true });
    await expect(resumed).rejects.toBeInstanceOf(ResumeMismatchError);
    await expect(run(mnistFcn, { epochs: 2, outDir: dir, resume: true })).rejects.toThrow(
      'it was trained by dniflow 0.0.1',
    );
  });

  it('resumes onto the workers scheduler from the checkpoint (state moves through the same split/merge)', async () => {
    const dir = freshDir();
    const first = await run(mnistFcn, {
      ...tiny,
      ...halving,
      set: { hidden: '8', method: 'dni' },
      epochs: 1,
      outDir: dir,
    });
    const resumed = await run(mnistFcn, { epochs: 2, outDir: dir, resume: true, scheduler: 'workers' });
    // Update counts are part of the state: a fresh start would count the second epoch's updates from 0.
    const perEpoch = first.history[0].modules[0].updates;
    expect(perEpoch).toBeGreaterThan(0);
    expect(resumed.history[1].modules[0].updates).toBe(2 * perEpoch);
    expect(readCheckpoint(join(dir, 'checkpoint.ckpt')).meta).toMatchObject({
      epoch: 2,
      scheduler: 'workers',
    });
  });

  it('refuses a directory without a checkpoint, or without a run', async () => {
    await expect(run(mnistFcn, { epochs: 1, outDir: freshDir(), resume: true })).rejects.toThrow(
      'holds no run to resume (no run.json)',
    );
  });
});
