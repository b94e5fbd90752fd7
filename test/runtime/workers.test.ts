import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { describe, expect, it } from 'vitest';
import mnistFcn from '../../graphs/mnist-fcn.ts';
import { resolveParams } from '../../src/graph/define.ts';
import { validateNetwork } from '../../src/graph/validate.ts';
import { backprop, dni, linear, network, relu, unlock } from '../../src/index.ts';
import { readCheckpoint } from '../../src/runtime/checkpoint.ts';
import { ManualClock } from '../../src/runtime/clock.ts';
import { GraphEngine } from '../../src/runtime/graph-engine.ts';
import { runGraph } from '../../src/runtime/run.ts';
import {
  defaultPlacement,
  parsePlacement,
  placeNetwork,
  stateOwner,
} from '../../src/runtime/workers/placement.ts';
import { WorkerEngine, WorkerFailedError } from '../../src/runtime/workers/worker-engine.ts';
import { Prng } from '../../src/tensor/prng.ts';
import { Tensor } from '../../src/tensor/tensor.ts';

const quick = { batch: 64, trainLimit: 3000, testLimit: 1000, seed: 3, clock: new ManualClock() };

describe('the workers scheduler (modules in worker threads)', () => {
  it('trains the MNIST FCN with DNI to the same test-error band as lockstep', async () => {
    const set = { method: 'dni', hidden: '64' };
    const lockstep = await runGraph(mnistFcn, { ...quick, set, epochs: 2 });
    const workers = await runGraph(mnistFcn, { ...quick, set, epochs: 2, scheduler: 'workers' });
    const [a, b] = [lockstep.history.at(-1)!, workers.history.at(-1)!];
    // Not the same bits: up to workers + 1 steps are in flight, so DNI targets arrive later.
    expect(b.test_error).toBeLessThan(50); // chance is 90%; lockstep DNI is at 38% on this small budget
    expect(Math.abs(b.test_error - a.test_error)).toBeLessThan(5);
    for (const module of b.modules) expect(module.updates).toBe(2 * Math.ceil(3000 / 64));
    expect(b.interfaces.map((i) => i.edge).sort()).toEqual(a.interfaces.map((i) => i.edge).sort());
  });

  for (const mode of ['exit', 'throw'] as const) {
    it(`ends the run within 5 s, naming the module, when a worker ${mode === 'exit' ? 'is killed' : 'throws'}; the checkpoint stays intact`, async () => {
      const dir = mkdtempSync(join(tmpdir(), 'dniflow-workers-'));
      const checkpointPath = join(dir, 'last-good.ckpt');
      let engine: WorkerEngine | undefined;
      let injectedAt = 0;
      const run = runGraph(mnistFcn, {
        ...quick,
        set: { method: 'dni', hidden: '32' },
        epochs: 3,
        scheduler: 'workers',
        workers: { placement: 'layer1,layer2|layer3,classifier' },
        checkpointPath,
        onReady: ({ engine: started }) => {
          engine = started as WorkerEngine;
        },
        onEvent: (event) => {
          if (event.type === 'batch' && event.epoch === 2 && event.batch === 10) {
            engine!.injectFault('layer3', mode);
            injectedAt = performance.now();
          }
        },
      });
      const error = await run.then(
        () => undefined,
        (e: unknown) => e,
      );
      const seconds = (performance.now() - injectedAt) / 1000;
      expect(error).toBeInstanceOf(WorkerFailedError);
      expect((error as Error).message).toMatch(/'layer3'/);
      expect((error as Error).message).toMatch(/at step \d+/);
      expect(seconds).toBeLessThan(5);
      // The checkpoint of epoch 1 is whole and readable.
      expect(readCheckpoint(checkpointPath).meta).toMatchObject({ epoch: 1 });
    });
  }

  it('places modules: parses --placement, refuses bad ones, and balances by compute by default', () => {
    const modules = ['a', 'b', 'c', 'd'];
    expect(parsePlacement('a,b|c,d', modules)).toEqual([
      ['a', 'b'],
      ['c', 'd'],
    ]);
    expect(() => parsePlacement('a,b|c', modules)).toThrow(/leaves out module\(s\) d/);
    expect(() => parsePlacement('a,b|c,d,x', modules)).toThrow(/'x', which is not a module/);
    expect(() => parsePlacement('a,b|b,c,d', modules)).toThrow(/places 'b' twice/);
    expect(() => parsePlacement('a,b||c,d', modules)).toThrow(/empty group/);
    expect(defaultPlacement(modules, () => 1, 2)).toEqual([
      ['a', 'b'],
      ['c', 'd'],
    ]);
    expect(defaultPlacement(modules, (m) => (m === 'a' ? 10 : 1), 2)).toEqual([['a'], ['b', 'c', 'd']]);
  });

  it('hosts a synthetic-gradient model beside its sender, and splits complete unlock across workers', () => {
    const net = network('placed')
      .source('data', { dataset: 'mnist', shape: [4], classes: 2 })
      .module('a', [linear(4), relu()])
      .module('b', [linear(4), relu()])
      .module('c', [linear(2)])
      .loss('loss', 'softmaxCrossEntropy')
      .connect('data', 'a', backprop())
      .connect('a', 'b', dni())
      .connect('b', 'c', unlock())
      .connect('c', 'loss', backprop())
      .build();
    const placed = placeNetwork(net, 'data', [['a'], ['b', 'c']]);
    expect(placed.edgeWorker.get('a->b')).toBe(0);
    expect(placed.edgeWorker.get('data->a')).toBe(0);
    expect(placed.nodeWorker.get('loss')).toBe(1);
    expect(placed.split.size).toBe(0);
    // Across workers: the synthetic gradient beside b, the synthetic input beside c.
    const split = placeNetwork(net, 'data', [['a', 'b'], ['c']]);
    expect([...split.split]).toEqual(['b->c']);
    expect(split.edgeWorker.get('b->c#sender')).toBe(0);
    expect(split.edgeWorker.get('b->c#receiver')).toBe(1);
    expect(stateOwner('b->c/gradient/sg.0.weight', split)).toBe(0);
    expect(stateOwner('b->c/input/si.0.weight', split)).toBe(1);
    expect(stateOwner('a->b/gradient/sg.0.weight', split)).toBe(0);
    expect(stateOwner('c/param.c.0_linear.weight', split)).toBe(1);
  });

  it('starts from the same parameters as lockstep (state moved into the workers with split/merge)', async () => {
    const net = mnistFcn.build(resolveParams(mnistFcn, { method: 'dni', hidden: '16' }));
    const plan = validateNetwork(net);
    const engine = await WorkerEngine.start(net, plan, new Prng(9), { kind: 'adam', lr: 1e-3 });
    try {
      const before = engine.state();
      await engine.flush(); // pulls every worker's state back
      const after = engine.state();
      for (const [name, tensor] of Object.entries(before))
        expect(Array.from(after[name].data), name).toEqual(Array.from(tensor.data));
      expect(engine.groups.flat().sort()).toEqual(['classifier', 'layer1', 'layer2', 'layer3', 'loss']);
    } finally {
      await engine.dispose();
    }
  });
});

describe('bounded memory: one module 10x slower', () => {
  // Complete unlock lets the loss land without the first module: only the source's credits keep that
  // module's mailbox from growing (DESIGN.md: credits bound what is in flight).
  const chain = () =>
    network('slow')
      .source('data', { dataset: 'mnist', shape: [12], classes: 3 })
      .module('a', [linear(16), relu()])
      .module('b', [linear(16), relu()])
      .module('c', [linear(3)])
      .loss('loss', 'softmaxCrossEntropy')
      .connect('data', 'a', backprop())
      .connect('a', 'b', unlock())
      .connect('b', 'c', dni())
      .connect('c', 'loss', backprop())
      .build();
  const batch = (prng: Prng) => ({
    inputs: new Tensor(prng.fillNormal(new Float32Array(8 * 12)), [8, 12]),
    labels: Uint8Array.from({ length: 8 }, () => prng.int(3)),
  });

  it('async: steps in flight and the longest mailbox stay within the credits, however many steps run', () => {
    const net = chain();
    const engine = new GraphEngine(
      net,
      validateNetwork(net),
      new Prng(1),
      { kind: 'sgd', lr: 0.01 },
      {
        schedule: { costs: { a: { forward: 10, backward: 20 } }, maxInFlight: 3 },
      },
    );
    const prng = new Prng(2);
    const longest: number[] = [];
    for (let step = 0; step < 200; step++) {
      const { inputs, labels } = batch(prng);
      engine.trainStep(step, inputs, labels);
      const load = engine.asyncLoad()!;
      expect(load.steps).toBeLessThanOrEqual(3);
      longest.push(load.longestInbox);
    }
    expect(engine.flush().nonFinite).toBeUndefined();
    // Each step puts at most one activation and one gradient in a module's mailbox.
    expect(Math.max(...longest)).toBeLessThanOrEqual(2 * 3);
    expect(Math.max(...longest.slice(100))).toBe(Math.max(...longest.slice(0, 100)));
  });

  it('workers: every message reaches its partition while its step is still among the last maxInFlight, however many steps run', async () => {
    const net = chain();
    const engine = await WorkerEngine.start(
      net,
      validateNetwork(net),
      new Prng(1),
      { kind: 'sgd', lr: 0.01 },
      {
        placement: 'a,b|c',
        maxInFlight: 3,
        delays: { a: 5 },
      },
    );
    try {
      const prng = new Prng(2);
      for (let step = 0; step < 60; step++) {
        const { inputs, labels } = batch(prng);
        const report = await engine.trainStep(step, inputs, labels);
        expect(report.nonFinite).toBeUndefined();
      }
      await engine.flush();
      // Each partition measures, in the order it takes its messages, how many steps a message's step
      // trails the newest it had received. A step stays open until all its messages are taken (c's
      // gradient back to the model beside b included), and at most 3 are open: at most 2 behind.
      // Counting messages in flight instead pieces together totals that the two workers report at
      // different moments, and counts messages already taken. Unbounded (maxInFlight 60), or with the
      // targets left out of the credits and starved in the port, this reaches tens of steps.
      expect(await engine.lateness()).toBeLessThanOrEqual(3 - 1);
      for (const module of engine.modules()) expect(module.updates).toBe(60);
    } finally {
      await engine.dispose();
    }
  });
});

describe('traffic from the workers (for the dashboard)', () => {
  it('reports every message on every edge, sent and delivered, without tensors', async () => {
    const net = network('tapped')
      .source('data', { dataset: 'mnist', shape: [6], classes: 2 })
      .module('a', [linear(4), relu()])
      .module('b', [linear(2)])
      .loss('loss', 'softmaxCrossEntropy')
      .connect('data', 'a', backprop())
      .connect('a', 'b', dni())
      .connect('b', 'loss', backprop())
      .build();
    const engine = await WorkerEngine.start(
      net,
      validateNetwork(net),
      new Prng(1),
      { kind: 'sgd', lr: 0.1 },
      {
        placement: 'a|b',
      },
    );
    try {
      const seen: string[] = [];
      engine.traffic.subscribe((t) => {
        expect('tensor' in t).toBe(false);
        seen.push(`${t.edge} ${t.direction} ${t.stage} ${t.kind} ${t.step}`);
      });
      const prng = new Prng(2);
      for (let step = 0; step < 3; step++) {
        const inputs = new Tensor(prng.fillNormal(new Float32Array(4 * 6)), [4, 6]);
        await engine.trainStep(step, inputs, Uint8Array.from([0, 1, 1, 0]));
      }
      await engine.flush();
      for (let step = 0; step < 3; step++) {
        expect(seen).toContain(`a->b forward sent activation ${step}`);
        expect(seen).toContain(`a->b forward delivered activation ${step}`);
        // DNI: the sender gets the synthetic gradient; the receiver's true one is only the target.
        expect(seen).toContain(`a->b backward delivered synthetic ${step}`);
        expect(seen).toContain(`a->b backward sent true ${step}`);
        expect(seen).toContain(`b->loss backward delivered true ${step}`);
      }
    } finally {
      await engine.dispose();
    }
  });
});

describe('complete unlock split across workers (sender half beside A, receiver half beside B)', () => {
  it('in one thread, the two halves give the same bits as the whole operator', async () => {
    const { buildEdges } = await import('../../src/runtime/graph-edges.ts');
    const { buildProcesses, stepWork } = await import('../../src/runtime/graph-processes.ts');
    const { Partition } = await import('../../src/runtime/partition.ts');
    const { drainLockstep } = await import('../../src/runtime/lockstep.ts');
    const unlockGraph = (await import('../../graphs/mnist-complete-unlock.ts')).default;
    const net = unlockGraph.build(resolveParams(unlockGraph, { hidden: '16' }));
    const plan = validateNetwork(net);
    const run = (split: Set<string>) => {
      const prng = new Prng(1);
      const edges = buildEdges(net, plan, prng, 'mnist', 10, () => true, split);
      const { modules, losses } = buildProcesses(
        net,
        plan,
        prng,
        { kind: 'adam', lr: 1e-3 },
        { copyMessages: false },
      );
      const partition = new Partition('mnist', modules, losses, edges, split);
      const data = new Prng(5);
      const results: number[] = [];
      for (let step = 0; step < 6; step++) {
        const x = new Tensor(data.fillNormal(new Float32Array(8 * 784)), [8, 784]);
        const labels = Uint8Array.from({ length: 8 }, () => data.int(10));
        const whole = edges.filter((e) => e.half !== 'receiver');
        drainLockstep(partition, stepWork(net, whole, step, x, { labels, classes: 10 }));
        const { losses: computed, metrics } = partition.takeResults();
        results.push(computed[0].loss, ...metrics.map((m) => m.loss).sort());
      }
      return results;
    };
    const halves = run(new Set(['layer1->layer2', 'layer2->layer3', 'layer3->classifier']));
    expect(halves).toEqual(run(new Set()));
  });

  it('trains mnist-complete-unlock with every edge split, to the band of lockstep', async () => {
    const quickUnlock = { batch: 64, trainLimit: 3000, testLimit: 1000, seed: 3, clock: new ManualClock() };
    const unlockGraph = (await import('../../graphs/mnist-complete-unlock.ts')).default;
    const lockstep = await runGraph(unlockGraph, { ...quickUnlock, epochs: 3 });
    const workers = await runGraph(unlockGraph, {
      ...quickUnlock,
      epochs: 3,
      scheduler: 'workers',
      workers: { placement: 'layer1,layer3|layer2,classifier' },
    });
    // Three epochs, not one: after 47 steps the model sits near 37% error, where how late the
    // synthetic targets arrive (timing, under workers) moved the result by ±5 points under CI load;
    // at ~18% the two schedulers agree within 2 points, loaded or not.
    const [a, b] = [lockstep.history[2], workers.history[2]];
    expect(b.test_error).toBeLessThan(50);
    expect(Math.abs(b.test_error - a.test_error)).toBeLessThan(5);
    // The fully synthetic path (the classifier on I(x)) varies run to run by up to ~14 points at this
    // budget under workers (how far I's targets lag depends on timing); it must still have learned.
    expect(b.test_error_synthetic!).toBeLessThan(70);
  });
});
