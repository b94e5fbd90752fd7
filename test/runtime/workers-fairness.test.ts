import { MessageChannel } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { validateNetwork } from '../../src/graph/validate.ts';
import { backprop, dni, linear, network, relu } from '../../src/index.ts';
import type { StepReport } from '../../src/runtime/engine.ts';
import { listenInTurn } from '../../src/runtime/workers/ports-in-turn.ts';
import { WorkerEngine } from '../../src/runtime/workers/worker-engine.ts';
import { Prng } from '../../src/tensor/prng.ts';
import { Tensor } from '../../src/tensor/tensor.ts';

describe('a worker reads its ports in turn', () => {
  it('interleaves the messages queued on several ports instead of draining one port first', async () => {
    const channels = [new MessageChannel(), new MessageChannel()];
    for (let i = 0; i < 10; i++)
      channels.forEach((c, port) => {
        c.port2.postMessage(`${port}:${i}`);
      });
    const order: string[] = [];
    await new Promise<void>((resolve) => {
      listenInTurn<string>(
        channels.map((c) => c.port1),
        (message) => {
          order.push(message);
          if (order.length === 20) resolve();
        },
      );
    });
    for (const c of channels) {
      c.port1.close();
      c.port2.close();
    }
    // Each port's own order is kept.
    for (const port of ['0', '1'])
      expect(order.filter((m) => m.startsWith(port))).toEqual(
        Array.from({ length: 10 }, (_, i) => `${port}:${i}`),
      );
    // Plain listeners take one port's ten, then the other's: a run of 10.
    let longest = 0;
    for (let i = 0, run = 0; i < order.length; i++) {
      run = i > 0 && order[i][0] === order[i - 1][0] ? run + 1 : 1;
      longest = Math.max(longest, run);
    }
    expect(longest).toBeLessThanOrEqual(2);
  });
});

describe('synthetic-gradient targets across workers', () => {
  it('reach the model beside the sender, for every step, while the sender is the slowest worker', async () => {
    // a's worker is the pipeline's slowest, so the coordinator's port always has its next input
    // queued; b's gradient (the target of the model on a->b, beside a) comes back on another port.
    const net = network('targets')
      .source('data', { dataset: 'mnist', shape: [12], classes: 3 })
      .module('a', [linear(16), relu()])
      .module('b', [linear(3)])
      .loss('loss', 'softmaxCrossEntropy')
      .connect('data', 'a', backprop())
      .connect('a', 'b', dni())
      .connect('b', 'loss', backprop())
      .build();
    const steps = 40;
    const engine = await WorkerEngine.start(
      net,
      validateNetwork(net),
      new Prng(1),
      { kind: 'sgd', lr: 0.01 },
      { placement: 'a|b', maxInFlight: 3, delays: { a: 3 } },
    );
    try {
      const prng = new Prng(2);
      const learned: NonNullable<StepReport['interfaces']> = [];
      for (let step = 0; step < steps; step++) {
        const inputs = new Tensor(prng.fillNormal(new Float32Array(8 * 12)), [8, 12]);
        const labels = Uint8Array.from({ length: 8 }, () => prng.int(3));
        const report = await engine.trainStep(step, inputs, labels);
        expect(report.nonFinite).toBeUndefined();
        learned.push(...(report.interfaces ?? []));
      }
      learned.push(...((await engine.flush()).interfaces ?? []));
      // Starved in the port, targets arrived tens of steps late and were dropped as forgotten
      // (a prediction is kept 8 steps): the model learned from a few of the 40.
      expect(learned.filter((i) => i.edge === 'a->b')).toHaveLength(steps);
      expect(await engine.lateness()).toBeLessThanOrEqual(3 - 1);
    } finally {
      await engine.dispose();
    }
  });
});
