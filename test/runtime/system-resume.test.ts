import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import oddThrees from '../../graphs/odd-threes.ts';
import { resolveParams } from '../../src/graph/define.ts';
import { readCheckpoint, writeCheckpoint } from '../../src/runtime/checkpoint.ts';
import { ManualClock } from '../../src/runtime/clock.ts';
import { buildSystem } from '../../src/runtime/multi/build-system.ts';
import { runSystemGraph } from '../../src/runtime/multi/run-system.ts';
import { captureSystemCheckpoint } from '../../src/runtime/multi/system-state.ts';
import { ResumeMismatchError } from '../../src/runtime/resume.ts';
import type { RunOptions } from '../../src/runtime/run.ts';
import { Prng } from '../../src/tensor/prng.ts';

const root = mkdtempSync(join(tmpdir(), 'dniflow-system-resume-'));
let dirs = 0;
const freshDir = () => join(root, `run${dirs++}`);

type Options = Omit<RunOptions, 'clock'> & { ticksPerEpoch?: number; clipNorm?: number };
const run = (options: Options) => runSystemGraph(oddThrees, { ...options, clock: new ManualClock() });
/** metrics.jsonl without the wall clock (the one number a resumed run may not repeat). */
const metricLines = (dir: string) =>
  readFileSync(join(dir, 'metrics.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((line) => {
      const { seconds: _s, ...rest } = JSON.parse(line);
      return rest;
    });
const sameCheckpoints = (x: string, y: string) => {
  const a = readCheckpoint(join(x, 'checkpoint.ckpt'));
  const b = readCheckpoint(join(y, 'checkpoint.ckpt'));
  expect(Object.keys(b.state).sort()).toEqual(Object.keys(a.state).sort());
  for (const [name, tensor] of Object.entries(a.state))
    expect(Buffer.from(b.state[name].data.buffer).equals(Buffer.from(tensor.data.buffer)), name).toBe(true);
  expect(b.meta.system).toEqual(a.meta.system);
};

// Small: T = 2 (blocks of 4 ticks), 8 units, 4 lanes, 5 blocks an epoch (18 ticks asked round up to
// 20), each core's gradient clipped (the clip is the run's, kept by a resume).
const small = (join: string) => ({
  set: { join, T: '2', units: '8', encoder: '8' },
  batch: 4,
  seed: 3,
  lr: 1e-2,
  ticksPerEpoch: 18,
  clipNorm: 1,
});

describe('train --resume on a multi-network system (lockstep, async)', () => {
  it.each([
    ['backprop', 'lockstep'],
    ['dni', 'lockstep'],
    ['cdni', 'lockstep'],
    ['none', 'lockstep'],
    ['backprop', 'async'],
    ['dni', 'async'],
    ['cdni', 'async'],
  ] as const)(
    'join %s on %s: 2 epochs straight equal 1 epoch + a resume for 1 more, bit for bit',
    async (join, scheduler) => {
      const straight = freshDir();
      const a = await run({ ...small(join), scheduler, epochs: 2, outDir: straight });
      const halves = freshDir();
      await run({ ...small(join), scheduler, epochs: 1, outDir: halves });
      const first = readCheckpoint(`${halves}/checkpoint.ckpt`);
      // An epoch ends on a block boundary with the system quiet (capture checks it: see below).
      expect(Object.keys(first.state).some((k) => k.startsWith('a/sg/'))).toBe(
        join === 'dni' || join === 'cdni',
      );
      // async: the virtual clock and the locked and busy times the metrics report cumulatively.
      const position = (first.meta.system as { schedule?: Record<string, number> }).schedule;
      if (scheduler === 'lockstep') expect(position).toBeUndefined();
      else expect(position).toMatchObject({ now: expect.any(Number), aBusy: expect.any(Number) });
      if (scheduler === 'async' && join === 'backprop') expect(position?.aLocked).toBeGreaterThan(0);
      // Only the directory and the new total: everything else is the run's.
      const b = await run({ epochs: 2, outDir: halves, resume: true });
      expect(b.history).toHaveLength(2);
      expect(metricLines(halves)).toEqual(metricLines(straight));
      expect(b.ticks_per_epoch).toBe(20);
      expect(b.history.map(({ seconds: _s, ...rest }) => rest)).toEqual(
        a.history.map(({ seconds: _s, ...rest }) => rest),
      );
      sameCheckpoints(straight, halves);
      expect(JSON.parse(readFileSync(`${halves}/run.json`, 'utf8'))).toMatchObject({
        status: 'completed',
        epochs_done: 2,
        epochs: 2,
        checkpoint: 'checkpoint.ckpt',
      });
    },
    60_000,
  );

  it('refuses another --set, seed, batch, lr, ticks, clip or scheduler, naming what differs', async () => {
    const dir = freshDir();
    await run({ ...small('dni'), epochs: 1, outDir: dir });
    const resume = (options: Options) => run({ epochs: 2, ...options, outDir: dir, resume: true });
    await expect(resume({ set: { join: 'cdni' } })).rejects.toBeInstanceOf(ResumeMismatchError);
    await expect(resume({ set: { join: 'cdni' } })).rejects.toThrow(
      'its parameters differ: join=cdni (the run has dni)',
    );
    await expect(resume({ seed: 4 })).rejects.toThrow('seed 4 was asked, the run has 3');
    await expect(resume({ batch: 8 })).rejects.toThrow('batch 8 was asked, the run has 4');
    await expect(resume({ lr: 0.5 })).rejects.toThrow('lr 0.5 was asked, the run has 0.01');
    await expect(resume({ ticksPerEpoch: 40 })).rejects.toThrow(
      'ticks per epoch 40 was asked, the run has 20',
    );
    await expect(resume({ clipNorm: 2 })).rejects.toThrow('clip 2 was asked, the run has 1');
    await expect(resume({ epochs: 1 })).rejects.toThrow('it has trained 1 of 1 epochs already');
    const path = join(dir, 'checkpoint.ckpt');
    const checkpoint = readCheckpoint(path);
    writeCheckpoint(path, { ...checkpoint, meta: { ...checkpoint.meta, version: '0.0.1' } });
    await expect(resume({})).rejects.toThrow('it was trained by dniflow 0.0.1');
    // A checkpoint without the system's state (another runtime's) is not taken for one.
    const { system: _s, ...other } = checkpoint.meta;
    writeCheckpoint(path, { ...checkpoint, meta: other });
    await expect(resume({})).rejects.toThrow(`${path} does not record a multi-network run`);
    writeCheckpoint(path, checkpoint);
    await expect(resume({ scheduler: 'async' })).rejects.toThrow(
      'scheduler async was asked, the run has lockstep',
    );
    await expect(resume({ scheduler: 'workers' })).rejects.toThrow(
      'it resumes on --scheduler lockstep or async only, not workers',
    );
    // Repeating the run's own settings is fine, ticks that round to the same blocks included.
    const same = await resume({ ...small('dni'), ticksPerEpoch: 17 });
    expect(same.history.map((h) => h.epoch)).toEqual([0, 1]);
  }, 60_000);

  it('an interrupted run is marked so and resumes from its last epoch', async () => {
    const dir = freshDir();
    const stop = new AbortController();
    await expect(
      runSystemGraph(oddThrees, {
        ...small('cdni'),
        epochs: 3,
        outDir: dir,
        clock: new ManualClock(),
        signal: stop.signal,
        onSystemEpoch: (m) => {
          if (m.epoch === 0) stop.abort('SIGTERM');
        },
      }),
    ).rejects.toThrow('training interrupted');
    expect(JSON.parse(readFileSync(join(dir, 'run.json'), 'utf8'))).toMatchObject({
      status: 'interrupted',
      epochs_done: 1,
    });
    const resumed = await run({ epochs: 2, outDir: dir, resume: true });
    const straight = freshDir();
    await run({ ...small('cdni'), epochs: 2, outDir: straight });
    expect(resumed.history.map((h) => h.epoch)).toEqual([0, 1]);
    expect(metricLines(dir)).toEqual(metricLines(straight));
    sameCheckpoints(straight, dir);
  }, 60_000);

  it('saves a system only when nothing is in flight: not with A mid-block, B mid-window or the SG awaiting B', () => {
    const network = oddThrees.build(resolveParams(oddThrees, small('dni').set));
    const optimizer = { kind: 'adam' as const, lr: 1e-3 };
    const system = buildSystem(network, new Prng(3).stream('init'), { lanes: 4, optimizer });
    const capture = () => captureSystemCheckpoint(system, { epoch: 0, history: [] }, {});
    expect(() => capture()).not.toThrow();
    // One window of A's block of two: its message and the block's target have not reached B.
    const sent = system.a.advance();
    expect(() => capture()).toThrow('A mid-block or locked');
    // The block's second window: A is between blocks, B has nothing yet, but M awaits B's
    // gradient for both messages; delivering them (B runs, A's M learns) makes the system quiet.
    sent.push(...system.a.advance());
    expect(() => capture()).toThrow("SG predictions awaiting B's gradient: [0, 1]");
    for (const message of sent) for (const reply of system.b.handle(message)) system.a.handle(reply);
    expect(Object.keys(capture().state)).toContain('a/sg/optim.step');
    // join none (no SG): A between blocks, but B has read one of the block's two messages.
    const none = buildSystem(oddThrees.build(resolveParams(oddThrees, small('none').set)), new Prng(3), {
      lanes: 4,
      optimizer,
    });
    const first = none.a.advance();
    none.a.advance();
    for (const message of first) none.b.handle(message);
    expect(() => captureSystemCheckpoint(none, { epoch: 0, history: [] }, {})).toThrow('B mid-window');
  });

  it('a workers run writes no checkpoint, and its directory refuses --resume naming the scheduler', async () => {
    const dir = freshDir();
    await run({ ...small('dni'), scheduler: 'workers', epochs: 1, outDir: dir });
    expect(JSON.parse(readFileSync(join(dir, 'run.json'), 'utf8'))).toMatchObject({
      status: 'completed',
      scheduler: 'workers',
      checkpoint: null,
    });
    expect(existsSync(join(dir, 'checkpoint.ckpt'))).toBe(false);
    await expect(run({ epochs: 2, outDir: dir, resume: true })).rejects.toThrow(
      'it resumes on --scheduler lockstep or async only, not workers',
    );
  }, 60_000);

  it.each(['workers', 'nats'] as const)(
    'refuses --resume on --scheduler %s, naming it, before any work',
    async (scheduler) => {
      const dir = freshDir();
      await expect(run({ ...small('dni'), scheduler, resume: true, outDir: dir })).rejects.toThrow(
        `it resumes on --scheduler lockstep or async only, not ${scheduler}`,
      );
    },
  );
});
