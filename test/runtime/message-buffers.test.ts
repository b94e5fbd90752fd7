import { describe, expect, it } from 'vitest';
import type { Network } from '../../src/graph/network.ts';
import { validateNetwork } from '../../src/graph/validate.ts';
import {
  backprop,
  dni,
  type InterfaceSpec,
  linear,
  network,
  relu,
  syntheticInput,
  tanh,
} from '../../src/index.ts';
import type { AsyncScheduleOptions } from '../../src/runtime/async-schedule.ts';
import { type EdgeTraffic, GraphEngine } from '../../src/runtime/graph-engine.ts';
import { Prng } from '../../src/tensor/prng.ts';
import { Tensor } from '../../src/tensor/tensor.ts';

/**
 * Messages carry the modules' own buffers in lockstep and copies under the asynchronous scheduler
 * (ModuleWiring.copyMessages in src/runtime/module-process.ts). Each case records, at the moment the interface delivers it, a copy
 * of every message into a module, and, at the moment the module computes with it, a copy of what
 * its layers actually read; a buffer rewritten while its message was still in flight makes the two
 * differ. The asynchronous cases also check that the sender really ran ahead of the receiver, so
 * that an overwrite would have happened.
 */

const BATCH = 4;
const STEPS = 10;

/**
 * data → a → b → c → loss with the given interfaces on a → b and b → c. b's tanh, not a ReLU: a
 * zero-initialised synthetic input gives b a zero input, and ReLU would zero every gradient after it.
 */
function chain(aToB: InterfaceSpec, bToC: InterfaceSpec) {
  return network('buffers')
    .source('data', { dataset: 'toy', shape: [6], classes: 3 })
    .module('a', [linear(5), relu()])
    .module('b', [linear(4), tanh()])
    .module('c', [linear(3)])
    .loss('loss', 'softmaxCrossEntropy')
    .connect('data', 'a')
    .connect('a', 'b', aToB)
    .connect('b', 'c', bToC)
    .connect('c', 'loss', backprop())
    .build();
}

interface Recording {
  /** Event order: `${edge}:${direction}:${step}` when sent, `${module}:${pass}:${n}` when computed. */
  log: string[];
  /** Copies of what was delivered, by `${edge}:${direction}`, then by step. */
  delivered: Map<string, Map<number, Float32Array>>;
  /** Copies of what each module's layers read, by `${module}:forward|backward`, in order. */
  consumed: Map<string, Float32Array[]>;
}

function train(net: Network, schedule: AsyncScheduleOptions | undefined, watch: string[]): Recording {
  const engine = new GraphEngine(
    net,
    validateNetwork(net),
    new Prng(7),
    { kind: 'sgd', lr: 0.1 },
    { schedule },
  );
  const recording: Recording = { log: [], delivered: new Map(), consumed: new Map() };
  const consume = (key: string, tensor: Tensor) => {
    const list = recording.consumed.get(key) ?? [];
    recording.log.push(`${key}:${list.length}`);
    list.push(tensor.data.slice());
    recording.consumed.set(key, list);
  };
  for (const module of watch) {
    // Wrapped on the instance: what the module's compute reads, when it reads it.
    const layers = engine.moduleLayers(module);
    const forward = layers.forward.bind(layers);
    const backward = layers.backward.bind(layers);
    const backwardParameters = layers.backwardParameters.bind(layers);
    layers.forward = (input, training) => {
      consume(`${module}:forward`, input);
      return forward(input, training);
    };
    layers.backward = (gradient) => {
      consume(`${module}:backward`, gradient);
      return backward(gradient);
    };
    layers.backwardParameters = (gradient) => {
      consume(`${module}:backward`, gradient);
      backwardParameters(gradient);
    };
  }
  engine.traffic.subscribe((t: EdgeTraffic) => {
    const key = `${t.edge}:${t.direction}`;
    if (t.stage === 'sent') recording.log.push(`${key}:${t.step}`);
    else {
      const byStep = recording.delivered.get(key) ?? new Map<number, Float32Array>();
      byStep.set(t.step, t.tensor.data.slice());
      recording.delivered.set(key, byStep);
    }
  });
  const prng = new Prng(3, 'data');
  // One input buffer, rewritten per step like the Batcher's.
  const inputs = new Tensor(new Float32Array(BATCH * 6), [BATCH, 6]);
  const labels = new Uint8Array(BATCH);
  for (let step = 0; step < STEPS; step++) {
    prng.fillNormal(inputs.data);
    for (let i = 0; i < BATCH; i++) labels[i] = prng.int(3);
    expect(engine.trainStep(step, inputs, labels).nonFinite).toBeUndefined();
  }
  engine.flush();
  engine.dispose();
  return recording;
}

/** The n-th tensor `module` computed with equals what `edge` delivered for step n, for every step. */
function expectConsumedAsDelivered(recording: Recording, module: string, pass: string, edge: string) {
  const direction = pass === 'forward' ? 'forward' : 'backward';
  const delivered = recording.delivered.get(`${edge}:${direction}`)!;
  const consumed = recording.consumed.get(`${module}:${pass}`)!;
  expect(consumed.length).toBe(STEPS);
  expect([...delivered.keys()].sort((x, y) => x - y)).toEqual([...Array(STEPS).keys()]);
  consumed.forEach((data, step) => {
    expect(data.some((v) => v !== 0)).toBe(true);
    expect(data, `${module} ${pass} of step ${step}`).toEqual(delivered.get(step));
  });
}

/** Whether the sender had sent step s + 1 on `sentKey` before `module` computed with step s. */
function ranAhead(recording: Recording, sentKey: string, consumedKey: string): boolean {
  return [...Array(STEPS - 1).keys()].some(
    (s) => recording.log.indexOf(`${sentKey}:${s + 1}`) < recording.log.indexOf(`${consumedKey}:${s}`),
  );
}

// Slow receivers behind fast, update-unlocked senders: several steps in flight on one edge.
const slowB: AsyncScheduleOptions = {
  costs: {
    a: { forward: 0.1, backward: 0.1 },
    b: { forward: 3, backward: 3 },
    c: { forward: 3, backward: 3 },
  },
  latency: 0.5,
  sourcePeriod: 1,
  maxInFlight: 6,
};
// b runs ahead on synthetic inputs while a, slow to update, still holds b's gradient of an earlier step.
const slowA: AsyncScheduleOptions = {
  costs: {
    a: { forward: 0.1, backward: 4 },
    b: { forward: 0.1, backward: 0.1 },
    c: { forward: 0.1, backward: 0.1 },
  },
  latency: 0.5,
  sourcePeriod: 1,
  maxInFlight: 6,
};

describe('message buffers: no message is overwritten while in flight', () => {
  it('async: a slow receiver reads the activations sent steps earlier, not the sender’s latest', () => {
    const recording = train(chain(dni(), dni()), slowB, ['b']);
    expect(ranAhead(recording, 'a->b:forward', 'b:forward')).toBe(true);
    expectConsumedAsDelivered(recording, 'b', 'forward', 'a->b');
  });

  it('async: a slow sender updates with the gradient sent for its step, not the receiver’s latest', () => {
    const recording = train(chain(syntheticInput(), backprop()), slowA, ['a']);
    expect(ranAhead(recording, 'a->b:backward', 'a:backward')).toBe(true);
    expectConsumedAsDelivered(recording, 'a', 'backward', 'a->b');
  });

  it('lockstep: the same holds without copies, through backprop and DNI edges', () => {
    const locked = train(chain(backprop(), backprop()), undefined, ['a', 'b', 'c']);
    expectConsumedAsDelivered(locked, 'b', 'forward', 'a->b');
    expectConsumedAsDelivered(locked, 'c', 'forward', 'b->c');
    expectConsumedAsDelivered(locked, 'c', 'backward', 'c->loss');
    expectConsumedAsDelivered(locked, 'b', 'backward', 'b->c');
    expectConsumedAsDelivered(locked, 'a', 'backward', 'a->b');
    const unlocked = train(chain(dni(), backprop()), undefined, ['b', 'c']);
    expectConsumedAsDelivered(unlocked, 'b', 'forward', 'a->b');
    expectConsumedAsDelivered(unlocked, 'c', 'backward', 'c->loss');
  });

  it('lockstep sends the modules’ own buffers (no copy per step); async sends a copy per message', () => {
    const buffersOn = (schedule: AsyncScheduleOptions | undefined) => {
      const net = chain(dni(), dni());
      const engine = new GraphEngine(
        net,
        validateNetwork(net),
        new Prng(7),
        { kind: 'sgd', lr: 0.1 },
        { schedule },
      );
      const buffers = new Set<ArrayBufferLike>();
      engine.traffic.subscribe((t) => {
        if (t.stage === 'sent' && t.edge === 'b->c') buffers.add(t.tensor.data.buffer);
      });
      const prng = new Prng(3, 'data');
      for (let step = 0; step < 4; step++) {
        const inputs = new Tensor(prng.fillNormal(new Float32Array(BATCH * 6)), [BATCH, 6]);
        engine.trainStep(
          step,
          inputs,
          Uint8Array.from({ length: BATCH }, () => prng.int(3)),
        );
      }
      engine.flush();
      engine.dispose();
      return buffers.size;
    };
    // b's activation and its gradient from c, each in its layer's buffer: two buffers in all.
    expect(buffersOn(undefined)).toBe(2);
    expect(buffersOn(slowB)).toBe(8);
  });
});
