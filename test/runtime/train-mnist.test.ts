import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import mnistFcn from '../../graphs/mnist-fcn.ts';
import { resolveParams } from '../../src/graph/define.ts';
import { validateNetwork } from '../../src/graph/validate.ts';
import { BackpropEngine } from '../../src/runtime/backprop-engine.ts';
import { readCheckpoint } from '../../src/runtime/checkpoint.ts';
import { ManualClock } from '../../src/runtime/clock.ts';
import { loadSourceData } from '../../src/runtime/datasets.ts';
import { runGraph } from '../../src/runtime/run.ts';
import { DivergenceError, train } from '../../src/runtime/trainer.ts';
import { Prng } from '../../src/tensor/prng.ts';

const quick = { set: { hidden: '64' }, epochs: 2, batch: 32, trainLimit: 5000, testLimit: 1000 };

describe('training the MNIST FCN on real MNIST', () => {
  it('learns: test error far below chance (90%) after two short epochs', async () => {
    const result = await runGraph(mnistFcn, { ...quick, seed: 7, clock: new ManualClock() });
    expect(result.history).toHaveLength(2);
    expect(result.history[1].test_error).toBeLessThan(15);
    expect(result.history[1].train_loss).toBeLessThan(result.history[0].train_loss);
  });

  it('is deterministic: the same seed gives identical numbers, another seed different ones', async () => {
    const run = async (seed: number) =>
      (
        await runGraph(mnistFcn, {
          ...quick,
          epochs: 1,
          trainLimit: 1000,
          testLimit: 500,
          seed,
          clock: new ManualClock(),
        })
      ).history;
    const first = await run(3);
    expect(await run(3)).toEqual(first);
    expect((await run(4))[0].train_loss).not.toBe(first[0].train_loss);
  });

  it('stops on NaN, names the module and step, and keeps the last good checkpoint', async () => {
    const params = resolveParams(mnistFcn, { hidden: '32' });
    const network = mnistFcn.build(params);
    const engine = new BackpropEngine(network, validateNetwork(network), new Prng(1), {
      kind: 'adam',
      lr: 1e-3,
    });
    const data = loadSourceData('mnist', { train: 640, test: 200 });
    const checkpointPath = join(mkdtempSync(join(tmpdir(), 'dniflow-')), 'last-good.ckpt');
    let thrown: unknown;
    try {
      await train(engine, data, {
        epochs: 3,
        batch: 64,
        inputShape: [784],
        prng: new Prng(2),
        clock: new ManualClock(),
        checkpointPath,
        onEvent: (event) => {
          // Poison layer2's weights during epoch 2, after its 4th batch (global step 13).
          if (event.type === 'batch' && event.epoch === 2 && event.batch === 4) {
            const state = engine.state();
            const key = Object.keys(state).find(
              (k) => k.startsWith('param.') && k.includes('layer2') && k.endsWith('weight'),
            )!;
            state[key].data[0] = Number.NaN;
            engine.loadState(state);
          }
        },
      });
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(DivergenceError);
    const divergence = thrown as DivergenceError;
    expect(divergence.module).toBe('layer2');
    expect(divergence.step).toBe(14);
    expect(divergence.message).toContain(checkpointPath);
    const checkpoint = readCheckpoint(checkpointPath);
    expect(checkpoint.meta.epoch).toBe(1);
    for (const tensor of Object.values(checkpoint.state))
      expect(tensor.data.every(Number.isFinite)).toBe(true);
    // The kept checkpoint restores into a fresh engine.
    const fresh = new BackpropEngine(network, validateNetwork(network), new Prng(1), {
      kind: 'adam',
      lr: 1e-3,
    });
    expect(() => fresh.loadState(checkpoint.state)).not.toThrow();
  });
});
