import { describe, expect, it } from 'vitest';
import { validateNetwork } from '../../src/graph/validate.ts';
import { backprop, dni, type InterfaceSpec, linear, network, relu } from '../../src/index.ts';
import { GraphEngine } from '../../src/runtime/graph-engine.ts';
import { Prng } from '../../src/tensor/prng.ts';
import { Tensor } from '../../src/tensor/tensor.ts';

function chain(between: () => InterfaceSpec) {
  return network('async')
    .source('data', { dataset: 'mnist', shape: [10], classes: 3 })
    .module('a', [linear(8), relu()])
    .module('b', [linear(8), relu()])
    .module('c', [linear(3)])
    .loss('loss', 'softmaxCrossEntropy')
    .connect('data', 'a')
    .connect('a', 'b', between())
    .connect('b', 'c', between())
    .connect('c', 'loss', backprop())
    .build();
}

function run(between: () => InterfaceSpec, steps: number) {
  const net = chain(between);
  const engine = new GraphEngine(
    net,
    validateNetwork(net),
    new Prng(4),
    { kind: 'sgd', lr: 0.05 },
    {
      schedule: { defaultCost: { forward: 1, backward: 2 }, latency: 0.5, sourcePeriod: 1, maxInFlight: 3 },
    },
  );
  const prng = new Prng(8);
  let completed = 0;
  let lossSum = 0;
  for (let step = 0; step < steps; step++) {
    const inputs = new Tensor(prng.fillNormal(new Float32Array(4 * 10)), [4, 10]);
    const labels = Uint8Array.from({ length: 4 }, () => prng.int(3));
    const report = engine.trainStep(step, inputs, labels);
    completed += report.completed ?? 0;
    lossSum += report.loss * (report.completed ?? 0);
    // The caller's buffers may be reused at once: the engine must have copied what it keeps.
    inputs.data.fill(Number.NaN);
  }
  const rest = engine.flush();
  completed += rest.completed ?? 0;
  lossSum += rest.loss * (rest.completed ?? 0);
  return { modules: engine.modules(), completed, meanLoss: lossSum / completed };
}

describe('asynchronous scheduler (virtual time, a clock per module)', () => {
  it('completes every step and updates every module once per step', () => {
    const { modules, completed, meanLoss } = run(() => dni(), 12);
    expect(completed).toBe(12);
    expect(Number.isFinite(meanLoss)).toBe(true);
    for (const m of modules) expect(m.updates).toBe(12);
  });

  it('makes locking visible: with backprop the first module waits far longer than with DNI', () => {
    const locked = run(() => backprop(), 10).modules.find((m) => m.name === 'a')!;
    const decoupled = run(() => dni(), 10).modules.find((m) => m.name === 'a')!;
    // Locked time runs from the end of a's forward to the end of its update. Backprop: b and c
    // forward, c, b and a backward, and five edge crossings (a→b, b→c, then the gradient to c, b, a;
    // the loss answers at once): 1 + 1 + 2 + 2 + 2 + 5 × 0.5 = 10.5 per step.
    expect(locked.locked!).toBeCloseTo(10 * 10.5, 6);
    // DNI: only the synthetic gradient's latency and a's own backward: 0.5 + 2 per step.
    expect(decoupled.locked!).toBeCloseTo(10 * 2.5, 6);
    expect(decoupled.busy).toBe(locked.busy);
  });

  it('is deterministic: the same seed gives the same losses', () => {
    expect(run(() => dni(), 8)).toEqual(run(() => dni(), 8));
  });
});
