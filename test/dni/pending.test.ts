import { describe, expect, it } from 'vitest';
import { SyntheticGradientModel, type SyntheticModelSpec } from '../../src/dni/index.ts';
import { Prng } from '../../src/tensor/prng.ts';
import type { Tensor } from '../../src/tensor/tensor.ts';
import { normalTensor } from './fixtures.ts';

const optimizer = { kind: 'adam', lr: 1e-2 } as const;

function model(spec: SyntheticModelSpec, maxPending?: number): SyntheticGradientModel {
  return new SyntheticGradientModel({ spec, shape: [5], prng: new Prng(4), optimizer, maxPending });
}

/**
 * The trainable parameters. (BN's running statistics are updated by the forward at predict time, so
 * out of order they legitimately see older weights; they are used only in evaluation mode.)
 */
function snapshot(m: SyntheticGradientModel): Float32Array[] {
  return m.network.parameters().map((p) => p.value.data.slice());
}

/** Warms the model up so predictions are non-zero and learning changes hidden layers. */
function warmUp(m: SyntheticGradientModel): void {
  for (let s = 100; s < 105; s++) {
    m.predict(s, normalTensor([6, 5], s));
    m.learn(s, normalTensor([6, 5], s + 50));
  }
}

describe('pending predictions and asynchronous learning', () => {
  const inputs = [normalTensor([6, 5], 1), normalTensor([6, 5], 2)];
  const targets = [normalTensor([6, 5], 3), normalTensor([6, 5], 4)];

  for (const [label, spec] of [
    ['without BN', { hidden: [8], batchNorm: false }],
    ['with BN', { hidden: [8] }],
  ] as const) {
    it(`predict(1), predict(2), learn(1), learn(2) equals the in-order sequence (${label})`, () => {
      const inOrder = model(spec);
      const outOfOrder = model(spec);
      warmUp(inOrder);
      warmUp(outOfOrder);
      const results: number[][] = [[], []];
      inOrder.predict(1, inputs[0]);
      const a1 = inOrder.learn(1, targets[0]);
      inOrder.predict(2, inputs[1]);
      const a2 = inOrder.learn(2, targets[1]);
      results[0].push(a1.loss, a1.cosine, a2.loss, a2.cosine);

      outOfOrder.predict(1, inputs[0]);
      outOfOrder.predict(2, inputs[1]);
      const b1 = outOfOrder.learn(1, targets[0]); // recomputes step 1 (the caches hold step 2)
      const b2 = outOfOrder.learn(2, targets[1]); // recomputes step 2 (the parameters changed)
      results[1].push(b1.loss, b1.cosine, b2.loss, b2.cosine);

      expect(results[1]).toEqual(results[0]);
      const expected = snapshot(inOrder);
      expect(snapshot(outOfOrder)).toEqual(expected);
      expect(outOfOrder.pendingSteps()).toEqual([]);
    });
  }

  it('learn never moves BN running statistics, on the cached or the recomputed path', () => {
    const m = model({ hidden: [8] });
    const statistics = () =>
      m
        .parameters()
        .filter((p) => p.name.includes('running'))
        .map((p) => p.value.data.slice());
    m.predict(1, inputs[0]);
    m.predict(2, inputs[1]);
    const afterPredicts = statistics();
    expect(afterPredicts.length).toBe(2);
    m.learn(1, targets[0]); // recomputed forward
    m.learn(2, targets[1]); // recomputed forward (parameters changed)
    expect(statistics()).toEqual(afterPredicts);
    m.predict(3, inputs[0]);
    const afterThird = statistics();
    expect(afterThird).not.toEqual(afterPredicts);
    m.learn(3, targets[0]); // cached forward
    expect(statistics()).toEqual(afterThird);
    m.predict(4, inputs[0]);
    m.predict(5, inputs[1]);
    const beforeLearns = statistics();
    m.learn(4, targets[0]);
    expect(statistics()).toEqual(beforeLearns);
  });

  it('inputs are copied: the caller may reuse its buffer before learn', () => {
    const reference = model('linear');
    const reused = model('linear');
    warmUp(reference);
    warmUp(reused);
    const buffer: Tensor = inputs[0].clone();
    reference.predict(1, inputs[0]);
    reference.predict(2, inputs[1]);
    reused.predict(1, buffer);
    buffer.copyFrom(inputs[1]);
    reused.predict(2, buffer);
    buffer.fill(123);
    expect(reused.learn(1, targets[0])).toEqual(reference.learn(1, targets[0]));
    expect(reused.learn(2, targets[1])).toEqual(reference.learn(2, targets[1]));
  });

  it('forget, forgetBefore and learn of an unknown step', () => {
    const m = model('linear');
    for (let s = 0; s < 4; s++) m.predict(s, inputs[0]);
    m.forget(2);
    m.forget(99); // no-op
    expect(m.pendingSteps()).toEqual([0, 1, 3]);
    m.forgetBefore(1);
    expect(m.pendingSteps()).toEqual([1, 3]);
    expect(() => m.learn(2, targets[0])).toThrow(
      /dniflow\/dni: model 'sg' has no prediction pending for step 2.*pending: \[1, 3\]/,
    );
    m.learn(1, targets[0]);
    expect(() => m.learn(1, targets[0])).toThrow(/no prediction pending for step 1/);
  });

  it('keeps at most maxPending predictions, evicting the lowest step', () => {
    const m = model('linear', 3);
    for (const s of [5, 2, 9, 7]) m.predict(s, inputs[0]);
    expect(m.pendingSteps()).toEqual([5, 7, 9]);
  });

  it('handles a change of batch size and rejects mismatched inputs and targets', () => {
    const m = model({ hidden: [4] });
    m.predict(0, normalTensor([3, 5], 1));
    m.predict(1, normalTensor([7, 5], 1));
    expect(m.learn(0, normalTensor([3, 5], 2)).loss).toBeGreaterThan(0);
    expect(m.learn(1, normalTensor([7, 5], 2)).loss).toBeGreaterThan(0);
    expect(() => m.predict(2, normalTensor([3, 4], 1))).toThrow(
      /model 'sg' expects input \[batch, 5\].*got \[3, 4\]/,
    );
    m.predict(3, normalTensor([3, 5], 1));
    expect(() => m.learn(3, normalTensor([2, 5], 1))).toThrow(
      /expects a target \[3, 5\] for step 3, got \[2, 5\]/,
    );
  });

  it('reports the loss as the batch mean of squared errors, and the cosine', () => {
    const m = model('linear');
    m.predict(0, inputs[0]);
    const { loss, cosine } = m.learn(0, targets[0]); // prediction is exactly zero
    let squares = 0;
    for (const v of targets[0].data) squares += v * v;
    expect(loss).toBeCloseTo(squares / 6, 10);
    expect(cosine).toBe(0);
    m.predict(1, inputs[0]);
    const prediction = m.predict(1, inputs[0]).clone();
    let dot = 0;
    let pp = 0;
    for (let i = 0; i < prediction.size; i++) {
      dot += prediction.data[i] * targets[0].data[i];
      pp += prediction.data[i] ** 2;
    }
    expect(m.learn(1, targets[0]).cosine).toBeCloseTo(dot / Math.sqrt(pp * squares), 6);
  });

  it('pendingInputs() loaded into another model carries its predictions: a later learn gives the same update', () => {
    const a = model('linear');
    const b = model('linear');
    const input = normalTensor([2, 5], 1);
    const target = normalTensor([2, 5], 2);
    a.predict(3, input);
    b.loadState(a.state());
    b.loadPendingInputs(a.pendingInputs());
    expect(b.pendingSteps()).toEqual([3]);
    expect(b.learn(3, target)).toEqual(a.learn(3, target));
    expect(snapshot(b)).toEqual(snapshot(a));
    expect(() => b.loadPendingInputs(new Map([[4, normalTensor([2, 3], 3)]]))).toThrow(
      'pending input for step 4 has shape [2, 3]',
    );
  });
});
