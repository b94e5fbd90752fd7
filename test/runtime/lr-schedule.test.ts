import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import mnistFcn from '../../graphs/mnist-fcn.ts';
import { LrScheduleError, parseLrSchedule } from '../../src/graph/lr-schedule.ts';
import { createOptimizer } from '../../src/nn/optim/create.ts';
import { ManualClock } from '../../src/runtime/clock.ts';
import type { StepEngine, StepReport } from '../../src/runtime/engine.ts';
import { ResumeMismatchError } from '../../src/runtime/resume.ts';
import { runGraph } from '../../src/runtime/run.ts';
import { type EvalPoint, type TrainerOptions, train } from '../../src/runtime/trainer.ts';
import { Prng } from '../../src/tensor/prng.ts';
import { Tensor } from '../../src/tensor/tensor.ts';

const BASE_LR = 0.01;

/**
 * An engine whose one real optimiser follows scaleLearningRate as a module's does
 * (ModuleCompute: lr = base × factor), and which records that optimiser's lr at every step.
 */
function recordingEngine() {
  const optimizer = createOptimizer([], { kind: 'adam', lr: BASE_LR }, 0.9);
  const lrAtStep = new Map<number, number>();
  const engine: StepEngine = {
    trainStep(step): StepReport {
      lrAtStep.set(step, optimizer.lr);
      return { loss: 0.5 };
    },
    predict: (inputs) => new Tensor(new Float32Array(inputs.shape[0] * 2), [inputs.shape[0], 2]),
    scaleLearningRate(factor) {
      optimizer.lr = BASE_LR * factor;
    },
    modules: () => [],
    state: () => ({}),
    loadState() {},
  };
  return { engine, lrAtStep };
}

/** 40 examples of 2 features: 10 steps per epoch at batch 4. */
function data() {
  const set = { images: new Float32Array(80), labels: new Uint8Array(40), count: 40, shape: [2], classes: 2 };
  return { train: set, test: { ...set, count: 4, images: new Float32Array(8), labels: new Uint8Array(4) } };
}

async function lrs(options: Partial<TrainerOptions>) {
  const { engine, lrAtStep } = recordingEngine();
  const points: EvalPoint[] = [];
  const history = await train(engine, data(), {
    epochs: 2,
    batch: 4,
    inputShape: [2],
    prng: new Prng(1),
    clock: new ManualClock(),
    onEval: (point) => points.push(point),
    ...options,
  });
  return { lrAtStep, points, history };
}

describe('learning-rate schedules on iterations', () => {
  it('step:3:0.5 halves the optimiser lr before steps 3, 6, 9, ... across epochs', async () => {
    const { lrAtStep } = await lrs({ lrScheduleSteps: parseLrSchedule('step:3:0.5') });
    expect(lrAtStep.size).toBe(20);
    for (const [step, lr] of lrAtStep)
      expect(lr, `step ${step}`).toBeCloseTo(BASE_LR * 0.5 ** Math.floor(step / 3), 12);
    expect(lrAtStep.get(2)).toBeCloseTo(0.01, 12);
    expect(lrAtStep.get(3)).toBeCloseTo(0.005, 12);
    expect(lrAtStep.get(19)).toBeCloseTo(0.01 * 0.5 ** 6, 12);
  });

  it('cosine runs over the whole run: epochs × batches, or the budget of steps', async () => {
    const { lrAtStep } = await lrs({ lrScheduleSteps: parseLrSchedule('cosine') });
    expect(lrAtStep.get(0)).toBeCloseTo(BASE_LR, 12);
    expect(lrAtStep.get(10)).toBeCloseTo(BASE_LR * 0.5, 12); // half-way through 20 steps
    expect(lrAtStep.get(19)).toBeCloseTo(BASE_LR * 0.5 * (1 + Math.cos((Math.PI * 19) / 20)), 12);
    const budget = await lrs({ steps: 8, lrScheduleSteps: parseLrSchedule('cosine:0.1') });
    expect([...budget.lrAtStep.keys()]).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(budget.lrAtStep.get(4)).toBeCloseTo(BASE_LR * (0.1 + 0.9 * 0.5), 12);
  });

  it("keeps a graph's epoch schedule: applied before each epoch's first step", async () => {
    const { lrAtStep } = await lrs({ lrSchedule: (epoch) => 0.5 ** epoch });
    expect(lrAtStep.get(9)).toBeCloseTo(BASE_LR, 12);
    expect(lrAtStep.get(10)).toBeCloseTo(BASE_LR / 2, 12);
  });

  it('a budget stops mid-epoch and evaluates every evalEvery steps and at the end', async () => {
    const { points, history } = await lrs({ steps: 13, evalEvery: 4 });
    expect(points.map((p) => [p.step, p.epoch])).toEqual([
      [4, 1],
      [8, 1],
      [10, 1],
      [12, 2],
      [13, 2],
    ]);
    expect(history).toHaveLength(2);
  });

  it('refuses a factor that is not finite and ≥ 0, naming the step, and two schedules at once', async () => {
    await expect(lrs({ lrScheduleSteps: (step) => (step === 7 ? Number.NaN : 1) })).rejects.toThrow(
      'the learning-rate schedule gave NaN at step 7 of 20',
    );
    await expect(lrs({ lrSchedule: () => 1, lrScheduleSteps: () => 1 })).rejects.toThrow(
      'one learning-rate schedule',
    );
  });

  it('parses the CLI grammar and refuses bad text with the grammar in the message', () => {
    expect(parseLrSchedule('constant')(12345, 20000)).toBe(1);
    expect(parseLrSchedule('step:100:0.1')(250, 1000)).toBeCloseTo(0.01, 12);
    for (const bad of [
      '',
      'linear',
      'constant:1',
      'step:100',
      'step:0:0.5',
      'step:1.5:0.5',
      'step:100:2',
      'step:100:0',
      'step:x:0.5',
      'cosine:1',
      'cosine:-0.1',
      'cosine:0.1:2',
    ]) {
      expect(() => parseLrSchedule(bad), bad).toThrow(LrScheduleError);
      expect(() => parseLrSchedule(bad), bad).toThrow(
        'expected constant | step:EVERY:FACTOR | cosine[:FLOOR]',
      );
    }
  });
});

describe('runGraph with a schedule on steps', () => {
  /** The learning-rate factor in force at each step the run takes. */
  async function factors(options: {
    lrSchedule?: string;
    epochs?: number;
    outDir?: string;
    resume?: boolean;
  }) {
    const atStep = new Map<number, number>();
    let current = Number.NaN;
    await runGraph(mnistFcn, {
      set: { hidden: '8' },
      batch: 32,
      trainLimit: 96,
      testLimit: 64,
      epochs: 2,
      ...options,
      clock: new ManualClock(),
      onReady: ({ engine }) => {
        const scale = engine.scaleLearningRate.bind(engine);
        engine.scaleLearningRate = (factor) => {
          current = factor;
          scale(factor);
        };
        const step = engine.trainStep.bind(engine);
        engine.trainStep = (index, ...rest) => {
          atStep.set(index, current);
          return step(index, ...rest);
        };
      },
    });
    return [...atStep.values()];
  }

  it("--lr-schedule replaces the graph's own schedule", async () => {
    // mnist-fcn's own: half a cosine over the run's 6 steps.
    const cosine = [0, 1, 2, 3, 4, 5].map((step) => (1 + Math.cos((Math.PI * step) / 6)) / 2);
    expect(await factors({})).toEqual(cosine);
    const decayed = await factors({ lrSchedule: 'step:2:0.1' });
    expect(decayed.map((f) => Number(f.toPrecision(6)))).toEqual([1, 1, 0.1, 0.1, 0.01, 0.01]);
    expect(await factors({ lrSchedule: 'constant' })).toEqual([1, 1, 1, 1, 1, 1]);
  }, 60_000);

  it('a resume keeps the run schedule and refuses another', async () => {
    const outDir = mkdtempSync(join(tmpdir(), 'dniflow-lr-schedule-'));
    expect(await factors({ lrSchedule: 'step:2:0.5', epochs: 1, outDir })).toEqual([1, 1, 0.5]);
    await expect(factors({ lrSchedule: 'cosine', outDir, resume: true })).rejects.toThrow(
      'lr schedule cosine was asked, the run has step:2:0.5',
    );
    expect(await factors({ outDir, resume: true })).toEqual([0.5, 0.25, 0.25]);
  }, 60_000);

  it('a resume to more epochs is refused, as a ResumeMismatchError, when the schedule reads the run’s length', async () => {
    const outDir = mkdtempSync(join(tmpdir(), 'dniflow-lr-schedule-'));
    // The graph's own cosine, over 2 epochs of 3 steps; interrupted after the first epoch.
    const done = await factors({ epochs: 1, outDir });
    for (const [step, factor] of done.entries()) expect(factor).toBeCloseTo([1, 0.75, 0.25][step]!, 12);
    await expect(factors({ epochs: 2, outDir, resume: true })).rejects.toThrow(
      /schedule depends on the run's length: over 6 steps instead of 3 it would give step 1, already trained, the factor 0\.9330\d* instead of 0\.75/,
    );
    await expect(factors({ epochs: 2, outDir, resume: true })).rejects.toBeInstanceOf(ResumeMismatchError);
  }, 60_000);
});
