import { TestScheduler } from 'rxjs/testing';
import { expect } from 'vitest';
import type {
  SyntheticContext,
  SyntheticLearnResult,
  SyntheticModel,
  SyntheticModelState,
} from '../../src/dni/synthetic-model.ts';
import type {
  BackwardMessage,
  BatchContext,
  EdgeEvent,
  ForwardMessage,
  GradientKind,
  InterfaceMetric,
  RoutedMessage,
} from '../../src/operators/messages.ts';
import { sameShape, Tensor } from '../../src/tensor/tensor.ts';

/** A marble-test scheduler whose assertions are vitest's deep equality. */
export function testScheduler(): TestScheduler {
  return new TestScheduler((actual, expected) => expect(actual).toEqual(expected));
}

interface FakeModelOptions {
  /** The value every element of the prediction for `step` takes; default 1. */
  value?: (step: number) => number;
  failPredictAt?: number;
  failLearnAt?: number;
  /** Predict this shape instead of the input's. */
  outputShape?: number[];
}

/**
 * A stand-in SyntheticModel: predicts a constant (per step) of the input's shape, records every
 * call, and — like the real models — reuses one output buffer, so an operator that forgets to copy
 * is caught. `held` is what a real model would still be keeping by step.
 */
export class FakeModel implements SyntheticModel {
  readonly predicted: { step: number; input: number[]; context?: SyntheticContext }[] = [];
  readonly learned: { step: number; target: number[] }[] = [];
  readonly forgotten: number[] = [];
  readonly held = new Set<number>();
  private output: Tensor | null = null;

  constructor(private readonly options: FakeModelOptions = {}) {}

  predict(step: number, input: Tensor, context?: SyntheticContext): Tensor {
    if (step === this.options.failPredictAt) throw new Error(`fake model: predict failed at step ${step}`);
    this.predicted.push(
      context === undefined ? { step, input: [...input.data] } : { step, input: [...input.data], context },
    );
    this.held.add(step);
    const shape = this.options.outputShape ?? input.shape;
    if (this.output === null || !sameShape(this.output.shape, shape)) this.output = Tensor.zeros(shape);
    return this.output.fill(this.options.value?.(step) ?? 1);
  }

  learn(step: number, target: Tensor): SyntheticLearnResult {
    if (step === this.options.failLearnAt) throw new Error(`fake model: learn failed at step ${step}`);
    this.learned.push({ step, target: [...target.data] });
    this.held.delete(step);
    return fakeLearnResult(step);
  }

  forget(step: number): void {
    this.forgotten.push(step);
    this.held.delete(step);
  }

  parameters(): { name: string; value: Tensor }[] {
    return [];
  }

  state(): SyntheticModelState {
    return { tensors: {}, optimizer: { kind: 'none', step: 0, lr: 0, slots: {} } };
  }

  loadState(): void {}
}

/** What FakeModel.learn reports for a step (so expected metrics can be written down). */
export function fakeLearnResult(step: number): SyntheticLearnResult {
  return { loss: step * 0.25, cosine: 1 - step * 0.125 };
}

export const activation = (step: number): Tensor => Tensor.from([step, -step], [1, 2]);

export function forwardMessage(step: number, context?: BatchContext): ForwardMessage {
  const message: ForwardMessage = { step, tick: step * 10, activation: activation(step) };
  if (context !== undefined) message.context = context;
  return message;
}

export function backwardMessage(
  step: number,
  kind: GradientKind = 'true',
  values = [step + 0.5, 1],
): BackwardMessage {
  return { step, tick: step * 10 + 5, gradient: Tensor.from(values, [1, 2]), kind };
}

export const forward = (step: number, context?: BatchContext): EdgeEvent => ({
  type: 'forward',
  message: forwardMessage(step, context),
});
export const backward = (step: number, kind: GradientKind = 'true', values?: number[]): EdgeEvent => ({
  type: 'backward',
  message: backwardMessage(step, kind, values),
});
export const input = (step: number): EdgeEvent => ({
  type: 'input',
  message: { step, tick: step * 10 + 1, input: Tensor.from([step, step, step], [1, 3]) },
});
/** The step's context on its own message, as the runtime sends it to interfaces that need one. */
export const contextEvent = (step: number, context: BatchContext): EdgeEvent => ({
  type: 'context',
  message: { step, tick: step * 10 + 2, context },
});

export const toReceiver = (message: ForwardMessage): RoutedMessage => ({ to: 'receiver', message });
export const toSender = (message: BackwardMessage): RoutedMessage => ({ to: 'sender', message });
export const toMetrics = (metric: InterfaceMetric): RoutedMessage => ({ to: 'metrics', metric });

/** The synthetic gradient a FakeModel-backed interface sends for a forward of `step`. */
export function syntheticGradient(step: number, value: number): RoutedMessage {
  return toSender({
    step,
    tick: step * 10,
    gradient: Tensor.from([value, value], [1, 2]),
    kind: 'synthetic',
  });
}

/** The metric an SG interface routes when FakeModel learns from backwardMessage(step). */
export function gradientMetric(step: number, targetKind: InterfaceMetric['targetKind']): RoutedMessage {
  return toMetrics({ step, tick: step * 10 + 5, ...fakeLearnResult(step), targetKind });
}
