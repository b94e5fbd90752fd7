import { describe, expect, it } from 'vitest';
import { Batcher } from '../../src/data/batches.ts';
import type { Dataset } from '../../src/data/dataset.ts';
import { instantiateModule } from '../../src/graph/instantiate.ts';
import type { LayerSpec } from '../../src/graph/layers.ts';
import { validateNetwork } from '../../src/graph/validate.ts';
import {
  backprop,
  batchNorm,
  type InterfaceSpec,
  linear,
  network,
  relu,
  staleGradient,
} from '../../src/index.ts';
import type { AsyncScheduleOptions } from '../../src/runtime/async-schedule.ts';
import { type EdgeTraffic, GraphEngine } from '../../src/runtime/graph-engine.ts';
import { Prng } from '../../src/tensor/prng.ts';
import { Tensor } from '../../src/tensor/tensor.ts';

// The stale-gradient baseline with true targets (the default; paper §3.1): every step runs a true,
// locked backward pass; each module's parameter update uses the true gradient of its output that
// the same example got at its last visit (EMA with decay), zero on a first visit.

const EXAMPLES = 8;
const BATCH = 4;
const LR = 0.1;
const LAYERS: Record<string, LayerSpec[]> = {
  a: [linear(5), relu()],
  // BatchNorm: the module's two backward passes (true, then stale) must both read this step's caches.
  b: [linear(4), batchNorm(), relu()],
  c: [linear(3)],
};
const INPUT: Record<string, number[]> = { a: [6], b: [5], c: [4] };
const STALE_EDGES = ['a->b', 'b->c'];

/** data → a → b → c → loss with `between` on a → b and b → c. */
function chain(between: () => InterfaceSpec) {
  return network('stale-true')
    .source('data', { dataset: 'toy', shape: [6], classes: 3, examples: EXAMPLES })
    .module('a', LAYERS.a)
    .module('b', LAYERS.b)
    .module('c', LAYERS.c)
    .loss('loss', 'softmaxCrossEntropy')
    .connect('data', 'a')
    .connect('a', 'b', between())
    .connect('b', 'c', between())
    .connect('c', 'loss', backprop())
    .build();
}

/** Plain SGD (no momentum: the runtime's SGD default is 0.9), so an update is checkable as θ − lr·g. */
function engineFor(between: () => InterfaceSpec, schedule?: AsyncScheduleOptions): GraphEngine {
  const net = chain(between);
  return new GraphEngine(
    net,
    validateNetwork(net),
    new Prng(5),
    { kind: 'sgd', lr: LR, momentum: 0 },
    { schedule },
  );
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

interface Delivered {
  gradient: number[];
  update?: number[];
  kind: string;
}

interface StepRecord {
  step: number;
  examples: number[];
  inputs: Tensor;
  before: Record<string, Tensor>;
  after: Record<string, Tensor>;
  /** What each stale edge delivered to its sender. */
  delivered: Map<string, Delivered>;
  /** What each module received as input (for recomputing its update). */
  moduleInputs: Map<string, Tensor>;
  /** ∂L/∂h on each edge from the all-backprop engine, loaded with the parameters before the step. */
  reference: Map<string, number[]>;
}

/** The true gradients of one step: the all-backprop engine from the same parameters, same batch. */
function referenceGradients(
  state: Record<string, Tensor>,
  step: number,
  batch: { inputs: Tensor; labels: Uint8Array; examples: Uint32Array },
): Map<string, number[]> {
  const reference = engineFor(() => backprop());
  reference.loadState(state);
  const gradients = new Map<string, number[]>();
  reference.traffic.subscribe((t) => {
    if (t.stage === 'sent' && t.direction === 'backward') gradients.set(t.edge, Array.from(t.tensor.data));
  });
  reference.trainStep(step, batch.inputs, batch.labels, batch.examples);
  reference.dispose();
  return gradients;
}

function train(decay: number, epochs: number, options: { schedule?: AsyncScheduleOptions } = {}) {
  const engine = engineFor(() => staleGradient({ decay }), options.schedule);
  const records = new Map<number, StepRecord>();
  engine.traffic.subscribe((t: EdgeTraffic) => {
    const record = records.get(t.step)!;
    if (t.stage !== 'delivered') return;
    if (t.direction === 'forward') record.moduleInputs.set(t.edge.split('->')[1], t.tensor.clone());
    else if (STALE_EDGES.includes(t.edge)) {
      record.delivered.set(t.edge, {
        gradient: Array.from(t.tensor.data),
        update: t.update && Array.from(t.update.data),
        kind: t.kind,
      });
    }
  });
  const batcher = new Batcher(toyData(), BATCH);
  const shuffle = new Prng(11, 'shuffle');
  let step = 0;
  for (let epoch = 0; epoch < epochs; epoch++) {
    for (const batch of batcher.shuffled(shuffle)) {
      const before = engine.state();
      const record: StepRecord = {
        step,
        examples: Array.from(batch.examples),
        inputs: batch.inputs.clone(),
        before,
        after: {},
        delivered: new Map(),
        moduleInputs: new Map([['a', batch.inputs.clone()]]),
        reference: options.schedule ? new Map() : referenceGradients(before, step, batch as never),
      };
      records.set(step, record);
      engine.trainStep(step, batch.inputs, batch.labels, batch.examples);
      record.after = engine.state();
      step++;
    }
  }
  engine.flush();
  return { engine, records: [...records.values()], steps: step };
}

/** Each example's rows of a [batch, row] array, by example index. */
function rowsOf(values: number[], examples: number[]): Map<number, number[]> {
  const row = values.length / examples.length;
  return new Map(examples.map((example, b) => [example, values.slice(b * row, (b + 1) * row)]));
}

/** The table replayed from the true gradients: first visit as is, then the EMA, in float32. */
function expectedUpdates(records: StepRecord[], decay: number, truth: (r: StepRecord) => number[]) {
  const table = new Map<number, number[]>();
  return records.map((record) => {
    const width = truth(record).length / record.examples.length;
    const due = record.examples.flatMap((example) => table.get(example) ?? new Array(width).fill(0));
    for (const [example, gradient] of rowsOf(truth(record), record.examples)) {
      const stored = table.get(example);
      table.set(
        example,
        stored === undefined
          ? gradient
          : stored.map((v, k) => Math.fround(decay * v + (1 - decay) * gradient[k])),
      );
    }
    return due;
  });
}

/** θ − lr·∂L/∂θ for module `name`, its gradient backpropagated from `upstream` on this step's input. */
function sgdStep(name: string, record: StepRecord, upstream: number[]): Map<string, number[]> {
  const layers = instantiateModule(name, LAYERS[name], INPUT[name], new Prng(0));
  for (const p of layers.parameters()) p.value.data.set(record.before[`${name}/param.${p.name}`].data);
  const output = layers.forward(record.moduleInputs.get(name)!, true);
  for (const p of layers.parameters()) p.grad.data.fill(0);
  layers.backward(new Tensor(Float32Array.from(upstream), output.shape));
  return new Map(
    layers.parameters().map((p) => [p.name, Array.from(p.value.data, (v, i) => v - LR * p.grad.data[i])]),
  );
}

function expectClose(got: Float32Array, want: number[], what: string): void {
  expect(got.length, what).toBe(want.length);
  for (let i = 0; i < want.length; i++) {
    expect(Math.abs(got[i] - want[i]), `${what}[${i}]`).toBeLessThanOrEqual(1e-6 * (1 + Math.abs(want[i])));
  }
}

describe('the stale-gradient baseline in the graph engine, true target (paper §3.1, DESIGN item 7)', () => {
  it('sends the true gradient down every stale edge: exactly the plain backprop gradient of that step', () => {
    const { records } = train(0, 3);
    for (const record of records) {
      for (const edge of STALE_EDGES) {
        const delivered = record.delivered.get(edge)!;
        expect(delivered.kind, `${edge} step ${record.step}`).toBe('true');
        expect(delivered.gradient, `${edge} step ${record.step}`).toEqual(record.reference.get(edge));
      }
    }
  });

  it('updates each sender with the true gradient of the example’s last visit (exact), zero on a first visit', () => {
    const { records } = train(0, 3);
    const perEpoch = EXAMPLES / BATCH;
    for (const edge of STALE_EDGES) {
      const due = expectedUpdates(records, 0, (r) => r.reference.get(edge)!);
      records.forEach((record, i) => {
        expect(record.delivered.get(edge)!.update, `${edge} step ${record.step}`).toEqual(due[i]);
      });
      // Epoch 1 has seen nothing; from epoch 2 every edge (layer 1's included) answers non-zero at once.
      for (const r of records.slice(0, perEpoch))
        expect(r.delivered.get(edge)!.update!.every((v) => v === 0)).toBe(true);
      for (const r of records.slice(perEpoch))
        expect(r.delivered.get(edge)!.update!.some((v) => v !== 0)).toBe(true);
    }
  });

  it('with decay β updates with the exponential average of the example’s past true gradients (exact)', () => {
    const { records } = train(0.5, 4);
    for (const edge of STALE_EDGES) {
      const due = expectedUpdates(records, 0.5, (r) => r.reference.get(edge)!);
      records.forEach((record, i) => {
        expect(record.delivered.get(edge)!.update, `${edge} step ${record.step}`).toEqual(due[i]);
      });
    }
    // Not the last visit alone: with decay 0 the updates of the third epoch on would differ.
    const plain = expectedUpdates(records, 0, (r) => r.reference.get('a->b')!);
    const averaged = records.map((r) => r.delivered.get('a->b')!.update!.join());
    expect(plain.slice(4).some((p, i) => p.join() !== averaged[i + 4])).toBe(true);
  });

  it('takes an SGD step on each stale sender with the stale gradient, not the true one', () => {
    const { records } = train(0, 2);
    for (const record of records.slice(EXAMPLES / BATCH)) {
      // b backpropagates both (true to a, stale for its parameters); a, on the data, only the stale one.
      for (const [name, edge] of [
        ['b', 'b->c'],
        ['a', 'a->b'],
      ]) {
        const delivered = record.delivered.get(edge)!;
        const stale = sgdStep(name, record, delivered.update!);
        const fresh = sgdStep(name, record, delivered.gradient);
        for (const [param, want] of stale) {
          const got = record.after[`${name}/param.${param}`].data;
          expectClose(got, want, `${name} ${param} at step ${record.step}`);
          const gap = Math.max(...fresh.get(param)!.map((v, i) => Math.abs(v - got[i])));
          if (!param.endsWith('bias') || name !== 'b') expect(gap, `${name} ${param}`).toBeGreaterThan(1e-5);
        }
      }
    }
  });

  it('is deterministic under lockstep: same seed, bit-identical parameters', () => {
    const first = train(0.5, 3).engine.state();
    const second = train(0.5, 3).engine.state();
    expect(Object.keys(second)).toEqual(Object.keys(first));
    for (const key of Object.keys(first))
      expect(Array.from(second[key].data), key).toEqual(Array.from(first[key].data));
  });

  it('works under the asynchronous scheduler (locked, like backprop): each update is the replayed table’s', () => {
    const schedule = {
      defaultCost: { forward: 1, backward: 2 },
      latency: 0.5,
      sourcePeriod: 1,
      maxInFlight: 3,
    };
    const { records, steps, engine } = train(0.5, 3, { schedule });
    for (const edge of STALE_EDGES) {
      const due = expectedUpdates(records, 0.5, (r) => r.delivered.get(edge)!.gradient);
      records.forEach((record, i) => {
        expect(record.delivered.get(edge)!.update, `${edge} step ${record.step}`).toEqual(due[i]);
      });
    }
    expect(engine.modules().map((m) => m.updates)).toEqual([steps, steps, steps]);
  });
});
