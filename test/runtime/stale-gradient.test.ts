import { describe, expect, it } from 'vitest';
import { Batcher } from '../../src/data/batches.ts';
import type { Dataset } from '../../src/data/dataset.ts';
import { validateNetwork } from '../../src/graph/validate.ts';
import { backprop, linear, network, relu, staleGradient } from '../../src/index.ts';
import type { EdgeTraffic } from '../../src/runtime/graph-engine.ts';
import { GraphEngine } from '../../src/runtime/graph-engine.ts';
import { Prng } from '../../src/tensor/prng.ts';

const EXAMPLES = 8;
const BATCH = 4;

/**
 * data → a → b → c → loss, a stale-gradient table on a → b and on b → c, with the bootstrapped target
 * (stale-gradient-true.test.ts has the true one, the default).
 */
function staleChain(decay: number) {
  return network('stale')
    .source('data', { dataset: 'toy', shape: [6], classes: 3, examples: EXAMPLES })
    .module('a', [linear(5), relu()])
    .module('b', [linear(4), relu()])
    .module('c', [linear(3)])
    .loss('loss', 'softmaxCrossEntropy')
    .connect('data', 'a')
    .connect('a', 'b', staleGradient({ decay, target: 'bootstrapped' }))
    .connect('b', 'c', staleGradient({ decay, target: 'bootstrapped' }))
    .connect('c', 'loss', backprop())
    .build();
}

function toyData(): Dataset {
  const prng = new Prng(3, 'toy');
  return {
    images: prng.fillNormal(new Float32Array(EXAMPLES * 6)),
    labels: Uint8Array.from({ length: EXAMPLES }, () => prng.int(3)),
    count: EXAMPLES,
    shape: [6],
    classes: 3,
  };
}

function engineFor(decay: number, scheduler: 'lockstep' | 'async' = 'lockstep') {
  const net = staleChain(decay);
  const schedule =
    scheduler === 'async'
      ? { defaultCost: { forward: 1, backward: 2 }, latency: 0.5, sourcePeriod: 1, maxInFlight: 3 }
      : undefined;
  return new GraphEngine(net, validateNetwork(net), new Prng(5), { kind: 'sgd', lr: 0.1 }, { schedule });
}

/**
 * Trains `epochs` shuffled epochs through the real Batcher (which reuses its buffers, indices
 * included) and replays edge a → b's traffic against a table kept here: when h_A of step s is sent,
 * the answer due is what the table holds for s's examples; when b sends its gradient for s, that is
 * stored for s's examples (first visit as is, then the EMA, in float32 like the table).
 */
function replay(decay: number, scheduler: 'lockstep' | 'async', epochs: number) {
  const engine = engineFor(decay, scheduler);
  const stepExamples = new Map<number, number[]>();
  const table = new Map<number, Float32Array>();
  const due = new Map<number, number[]>();
  const answered: { step: number; got: number[]; due: number[] }[] = [];
  const row = 5; // a's output width
  engine.traffic.subscribe((t: EdgeTraffic) => {
    if (t.edge !== 'a->b') return;
    const examples = stepExamples.get(t.step)!;
    if (t.stage === 'sent' && t.direction === 'forward') {
      due.set(
        t.step,
        examples.flatMap((i) => Array.from(table.get(i) ?? new Float32Array(row))),
      );
    } else if (t.stage === 'sent' && t.direction === 'backward') {
      examples.forEach((i, b) => {
        const target = t.tensor.data.subarray(b * row, (b + 1) * row);
        const stored = table.get(i);
        if (stored === undefined) table.set(i, Float32Array.from(target));
        else for (let k = 0; k < row; k++) stored[k] = decay * stored[k] + (1 - decay) * target[k];
      });
    } else if (t.stage === 'delivered' && t.direction === 'backward') {
      expect(t.kind).toBe('synthetic');
      answered.push({ step: t.step, got: Array.from(t.tensor.data), due: due.get(t.step)! });
    }
  });
  const batcher = new Batcher(toyData(), BATCH);
  const shuffle = new Prng(11, 'shuffle');
  const losses: number[] = [];
  const metrics: { kind: string; cosine?: number }[] = [];
  let step = 0;
  for (let epoch = 0; epoch < epochs; epoch++) {
    for (const batch of batcher.shuffled(shuffle)) {
      stepExamples.set(step, Array.from(batch.examples));
      const report = engine.trainStep(step, batch.inputs, batch.labels, batch.examples);
      if ((report.completed ?? 1) > 0) losses.push(report.loss);
      metrics.push(...(report.interfaces ?? []));
      step++;
    }
  }
  const rest = engine.flush();
  metrics.push(...(rest.interfaces ?? []));
  return { engine, answered, losses, metrics, steps: step };
}

describe('the stale-gradient baseline in the graph engine, bootstrapped target (paper §3.1, DESIGN item 7)', () => {
  it('answers each example with the gradient b sent for that same example at its last visit (exact)', () => {
    const { answered, steps } = replay(0, 'lockstep', 3);
    expect(answered.map((a) => a.step)).toEqual(Array.from({ length: steps }, (_, s) => s));
    for (const { step, got, due } of answered) expect(got, `step ${step}`).toEqual(due);
    // Never seen in the first epoch: zero. In the second, still zero: what b sent back in the first
    // was computed from b → c's own answer, zero then too (targets are bootstrapped through the
    // chain of interfaces, so the loss reaches one interface further down per epoch). Then not zero.
    const perEpoch = EXAMPLES / BATCH;
    for (const { got } of answered.slice(0, 2 * perEpoch)) expect(got.every((v) => v === 0)).toBe(true);
    for (const { got } of answered.slice(2 * perEpoch)) expect(got.some((v) => v !== 0)).toBe(true);
  });

  it('with decay β answers the exponential average of the example’s past gradients (exact)', () => {
    const { answered } = replay(0.7, 'lockstep', 4);
    for (const { step, got, due } of answered) expect(got, `step ${step}`).toEqual(due);
    // The EMA differs from the last visit alone: the replay with decay 0 would not match.
    const plain = replay(0, 'lockstep', 4).answered;
    expect(answered.slice(4).some((a, i) => a.got.join() !== plain[i + 4].got.join())).toBe(true);
  });

  it('answers from the table under the asynchronous scheduler too (with the batcher reusing its buffers)', () => {
    const { answered, steps, engine } = replay(0.5, 'async', 3);
    expect(answered.length).toBe(steps);
    for (const { step, got, due } of answered) expect(got, `step ${step}`).toEqual(due);
    expect(engine.modules().map((m) => m.updates)).toEqual([steps, steps, steps]);
  });

  it("reports per-interface metrics of kind 'stale': cosine 0 while the answer is zero, then its cosine", () => {
    const { metrics, steps } = replay(0, 'lockstep', 4);
    expect(metrics.length).toBe(2 * steps);
    expect(new Set(metrics.map((m) => m.kind))).toEqual(new Set(['stale']));
    const perEpoch = EXAMPLES / BATCH;
    // Two metrics per step (b → c's then a → b's, in the order the gradient flows back).
    expect(metrics.slice(0, 2 * perEpoch).every((m) => m.cosine === 0)).toBe(true);
    const afterTwoEpochs = metrics.slice(2 * 2 * perEpoch);
    expect(afterTwoEpochs.every((m) => m.cosine !== 0 && Number.isFinite(m.cosine))).toBe(true);
  });

  it('is deterministic under lockstep: same seed, bit-identical losses and parameters', () => {
    const first = replay(0.5, 'lockstep', 3);
    const second = replay(0.5, 'lockstep', 3);
    expect(second.losses).toEqual(first.losses);
    const a = first.engine.state();
    const b = second.engine.state();
    expect(Object.keys(b)).toEqual(Object.keys(a));
    for (const key of Object.keys(a)) expect(Array.from(b[key].data), key).toEqual(Array.from(a[key].data));
  });

  it('errors, naming the edge, when a step comes without example indices', () => {
    const engine = engineFor(0);
    const [batch] = new Batcher(toyData(), BATCH).ordered();
    expect(() => engine.trainStep(0, batch.inputs, batch.labels)).toThrow(
      "dniflow/operators: staleGradient on a->b needs the batch's example indices (context.examples) on the activation of step 0",
    );
  });
});
