import { describe, expect, it } from 'vitest';
import copy from '../../graphs/copy.ts';
import repeatCopy from '../../graphs/repeat-copy.ts';
import { resolveParams } from '../../src/graph/define.ts';
import { validateNetwork } from '../../src/graph/validate.ts';
import {
  backprop,
  dni,
  type InterfaceSpec,
  type LossKind,
  linear,
  lstm,
  network,
  stopGradient,
} from '../../src/index.ts';
import { ManualClock } from '../../src/runtime/clock.ts';
import { buildRecurrentRun, type RecurrentRun } from '../../src/runtime/recurrent/build.ts';
import { type CopyEpochMetrics, trainRecurrent } from '../../src/runtime/recurrent/recurrent-trainer.ts';
import { runRecurrentGraph } from '../../src/runtime/recurrent/run-recurrent.ts';
import { DivergenceError } from '../../src/runtime/trainer.ts';
import { Prng } from '../../src/tensor/prng.ts';

const optimizer = { kind: 'adam', lr: 3e-3 } as const;

function build(set: Record<string, string>, batch = 4, seed = 1): RecurrentRun {
  const network = repeatCopy.build(resolveParams(repeatCopy, { units: '8', ...set }));
  return buildRecurrentRun(network, validateNetwork(network), new Prng(seed).stream('init'), {
    batch,
    optimizer,
  });
}

function parameters(run: RecurrentRun): Float32Array[] {
  const { core, readout } = run.engine;
  return [...core.lstm.parameters(), ...readout.layers.parameters()].map((p) => p.value.data.slice());
}

const train = async (run: RecurrentRun, epochs: number, ticksPerEpoch: number) =>
  (await trainRecurrent(run, { epochs, ticksPerEpoch, clock: new ManualClock() }))
    .history as CopyEpochMetrics[];

describe('the recurrent runtime (paper §3.2, DESIGN.md item 8)', () => {
  it('a dni state loop with sgScale 0 and no aux trains the core exactly as truncated BPTT', async () => {
    const bptt = build({ method: 'bptt' });
    const dni = build({ method: 'dni', scale: '0' });
    await train(bptt, 1, 60);
    const history = await train(dni, 1, 60);
    // The synthetic gradient did learn (its loss is reported) while injecting nothing.
    expect(history[0].sg_loss).not.toBeNull();
    const a = parameters(bptt);
    const b = parameters(dni);
    expect(b.length).toBe(a.length);
    for (let i = 0; i < a.length; i++) expect(b[i]).toEqual(a[i]);
    // ...and a non-zero scale does change the core.
    const scaled = build({ method: 'dni', scale: '0.5' });
    await train(scaled, 1, 60);
    expect(parameters(scaled)[1]).not.toEqual(a[1]);
  });

  it("applies the graph's learning-rate schedule per epoch to the core and the readout", async () => {
    const run = build({ method: 'dni' });
    // Epoch 0 learns; from epoch 1 on the factor is 0 and nothing may move.
    await trainRecurrent(run, {
      epochs: 1,
      ticksPerEpoch: 30,
      clock: new ManualClock(),
      lrSchedule: (e) => (e === 0 ? 1 : 0),
    });
    const after = parameters(run);
    const frozen = build({ method: 'dni' });
    await trainRecurrent(frozen, {
      epochs: 3,
      ticksPerEpoch: 30,
      clock: new ManualClock(),
      lrSchedule: (e) => (e === 0 ? 1 : 0),
    });
    expect(parameters(frozen)).toEqual(after);
    const moving = build({ method: 'dni' });
    await train(moving, 3, 30);
    expect(parameters(moving)).not.toEqual(after);
  });

  it('the same seed gives the same numbers twice (DNI + Aux)', async () => {
    const first = await train(build({ method: 'dni-aux' }, 4, 7), 2, 45);
    const second = await train(build({ method: 'dni-aux' }, 4, 7), 2, 45);
    expect(second).toEqual(first);
    expect(first[1].aux_loss).not.toBeNull();
    const other = await train(build({ method: 'dni-aux' }, 4, 8), 2, 45);
    expect(other[1].bits_per_tick).not.toBe(first[1].bits_per_tick);
  });

  it('stops on NaN naming the module and the window, and on an exploding loss naming the loss', async () => {
    const run = build({ method: 'dni' });
    await train(run, 1, 9);
    run.engine.core.lstm.recurrentWeight.value.data[0] = Number.NaN;
    const error = await train(run, 1, 9).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DivergenceError);
    expect((error as DivergenceError).module).toBe('core');
    expect((error as DivergenceError).step).toBe(3);
    await expect(
      trainRecurrent(build({ method: 'bptt' }), {
        epochs: 1,
        ticksPerEpoch: 9,
        clock: new ManualClock(),
        maxLoss: 1e-3,
      }),
    ).rejects.toThrow("dniflow/runtime: training diverged at step 0: the loss of 'bits'");
  });

  it('learns Copy: solves N = 1 (length 4) within 6000 ticks', async () => {
    const network = copy.build(resolveParams(copy, { units: '32', method: 'dni' }));
    const run = buildRecurrentRun(network, validateNetwork(network), new Prng(1).stream('init'), {
      batch: 16,
      optimizer,
    });
    const history = await train(run, 1, 6000);
    expect(history[0].solved_length).toBeGreaterThanOrEqual(4);
  });

  it('refuses a recurrent network it cannot run, naming why', () => {
    const base = (readout: number, readoutEdge: InterfaceSpec, loss: LossKind, dataset = 'repeatCopy') =>
      network('rnn')
        .source('task', { dataset, shape: [10] })
        .module('core', [lstm(4)], { window: 2 })
        .module('readout', [linear(readout)])
        .loss('bits', loss)
        .connect('task', 'core')
        .connect('core', 'readout', readoutEdge)
        .connect('readout', 'bits')
        .connect('core', 'core', stopGradient(), { delay: 1 })
        .build();
    const refusal = (net: ReturnType<typeof base>) => () =>
      buildRecurrentRun(net, validateNetwork(net), new Prng(1), { batch: 2, optimizer });
    expect(refusal(base(9, dni(), 'sigmoidBce'))).toThrow(
      "recurrent module 'core' must feed one feed-forward readout module over backprop()",
    );
    expect(refusal(base(9, backprop(), 'mse'))).toThrow("readout 'readout' must feed one sigmoidBce loss");
    expect(refusal(base(7, backprop(), 'sigmoidBce'))).toThrow(
      "readout 'readout' outputs [7]; the task's targets are [9]",
    );
    const twoCores = network('rnn2')
      .source('task', { dataset: 'repeatCopy', shape: [10] })
      .module('a', [lstm(4)], { window: 2 })
      .module('b', [lstm(9)], { window: 2 })
      .loss('bits', 'sigmoidBce')
      .chain(['task', 'a', 'b', 'bits'])
      .connect('a', 'a', stopGradient(), { delay: 1 })
      .connect('b', 'b', stopGradient(), { delay: 1 })
      .build();
    expect(refusal(twoCores)).toThrow('has 2 recurrent modules; the recurrent runtime takes one');
    const noPath = network('t')
      .source('chars', { dataset: 'text', shape: [10] })
      .module('core', [lstm(4)], { window: 2 })
      .module('readout', [linear(10)])
      .loss('next', 'softmaxCrossEntropy')
      .chain(['chars', 'core', 'readout', 'next'])
      .connect('core', 'core', stopGradient(), { delay: 1 })
      .build();
    expect(() => validateNetwork(noPath)).toThrow("source 'chars' reads a text file but names no path");
  });

  it('refuses what the recurrent runtime cannot do yet, before any work', async () => {
    const clock = new ManualClock();
    await expect(runRecurrentGraph(repeatCopy, { clock, scheduler: 'workers' })).rejects.toThrow(
      "dniflow/runtime: graph 'repeat-copy' is recurrent; only --scheduler lockstep runs recurrent modules so far",
    );
    await expect(runRecurrentGraph(repeatCopy, { clock, trainLimit: 5 })).rejects.toThrow(
      '--train-limit and --test-limit do not apply',
    );
  });
});
