import { describe, expect, it } from 'vitest';
import { validateNetwork } from '../../src/graph/validate.ts';
import { backprop, dni, linear, network, relu, staleGradient, unlock } from '../../src/index.ts';
import type { AsyncScheduleOptions } from '../../src/runtime/async-schedule.ts';
import { GraphEngine } from '../../src/runtime/graph-engine.ts';
import { Prng } from '../../src/tensor/prng.ts';
import { Tensor } from '../../src/tensor/tensor.ts';

// Every kind of state an edge can hold: complete unlock (an SG and a synthetic-input model, each with
// its own Adam), cDNI with an MLP, a stale-gradient table, and a module with a p_update coin.
function mixed() {
  return network('state')
    .source('data', { dataset: 'synthetic', shape: [10], classes: 3, examples: 64 })
    .module('a', [linear(8), relu()])
    .module('b', [linear(8), relu()], { pUpdate: 0.7 })
    .module('c', [linear(8), relu()])
    .module('d', [linear(3)])
    .loss('loss', 'softmaxCrossEntropy')
    .connect('data', 'a', backprop())
    .connect('a', 'b', unlock())
    .connect('b', 'c', dni({ context: 'label', model: { hidden: [16], batchNorm: true } }))
    .connect('c', 'd', staleGradient({ decay: 0.5 }))
    .connect('d', 'loss', backprop())
    .build();
}

function engine(seed: number, schedule?: AsyncScheduleOptions) {
  const net = mixed();
  return new GraphEngine(net, validateNetwork(net), new Prng(seed), { kind: 'adam', lr: 1e-2 }, { schedule });
}

function batches(count: number) {
  const prng = new Prng(21, 'data');
  return Array.from({ length: count }, () => ({
    inputs: new Tensor(prng.fillNormal(new Float32Array(8 * 10)), [8, 10]),
    labels: Uint8Array.from({ length: 8 }, () => prng.int(3)),
    examples: Uint32Array.from({ length: 8 }, () => prng.int(64)),
  }));
}

function trainSteps(target: GraphEngine, from: number, to: number, all = batches(12)): number[] {
  const losses: number[] = [];
  for (let step = from; step < to; step++) {
    const { inputs, labels, examples } = all[step];
    const report = target.trainStep(step, inputs, labels, examples);
    losses.push(report.loss * (report.completed ?? 1));
  }
  const rest = target.flush();
  if ((rest.completed ?? 0) > 0) losses.push(rest.loss * rest.completed!);
  return losses;
}

function expectSameState(got: Record<string, Tensor>, expected: Record<string, Tensor>): void {
  expect(Object.keys(got).sort()).toEqual(Object.keys(expected).sort());
  for (const [name, tensor] of Object.entries(expected))
    expect(Array.from(got[name].data), name).toEqual(Array.from(tensor.data));
}

describe('state split/merge (DESIGN.md, "State")', () => {
  it('captures every module, optimiser moment, synthetic model and its optimiser, stale table and PRNG position', () => {
    const state = engine(1).state();
    const names = Object.keys(state);
    for (const part of [
      'a/param.',
      'a/optim.',
      'b/pUpdate.prng',
      'b/updates',
      'a->b/gradient/',
      'a->b/input/',
      'a->b/gradient/optim.',
      'a->b/input/optim.',
      'b->c/gradient/optim.',
      'c->d/stale/rows',
      'c->d/stale/seen',
    ])
      expect(
        names.some((n) => n.startsWith(part)),
        part,
      ).toBe(true);
  });

  it('a round trip restores every tensor exactly, and training on from it equals training straight through', () => {
    const straight = engine(1);
    trainSteps(straight, 0, 6);
    const saved = straight.state();
    // Another seed: every parameter, moment and position differs until the state is merged in.
    const resumed = engine(2);
    resumed.loadState(saved);
    expectSameState(resumed.state(), saved);
    const lossesStraight = trainSteps(straight, 6, 12);
    const lossesResumed = trainSteps(resumed, 6, 12);
    expect(lossesResumed).toEqual(lossesStraight);
    expectSameState(resumed.state(), straight.state());
  });

  it('refuses a state that lacks a tensor, naming it, before changing anything', () => {
    const saved = engine(1).state();
    delete saved['b->c/gradient/optim.step'];
    const target = engine(2);
    const before = target.state();
    expect(() => target.loadState(saved)).toThrow(/no tensor 'b->c\/gradient\/optim.step'/);
    expect(Array.from(target.state()['a/param.a.0_linear.weight'].data)).toEqual(
      Array.from(before['a/param.a.0_linear.weight'].data),
    );
  });
});

describe('the asynchronous scheduler with zero costs and latencies', () => {
  it('equals lockstep bit for bit', () => {
    const lockstep = engine(3);
    const zero: AsyncScheduleOptions = {
      defaultCost: { forward: 0, backward: 0 },
      latency: 0,
      sourcePeriod: 1,
    };
    const asynchronous = engine(3, zero);
    expect(trainSteps(asynchronous, 0, 12)).toEqual(trainSteps(lockstep, 0, 12));
    expectSameState(asynchronous.state(), lockstep.state());
  });
});
