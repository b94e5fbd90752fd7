import { type Shape, sameShape, Tensor } from '../../tensor/tensor.ts';
import { formatShape } from '../buffers.ts';
import { settleGradient, zeroGradient } from '../deferred-zero.ts';
import type { Parameter } from '../layer.ts';

/** A learning-rate multiplier as a function of the 0-based index of the step about to be taken. */
export type Schedule = (step: number) => number;

/** What a checkpoint keeps of an optimiser: its step count, base rate, and per-parameter slots. */
export interface OptimizerState {
  readonly kind: string;
  readonly step: number;
  readonly lr: number;
  /** Slot tensors keyed `${parameter.name}.${slot}` (e.g. `net.fc1.weight.m`). */
  readonly slots: Record<string, Tensor>;
}

export interface OptimizerOptions {
  lr: number;
  weightDecay?: number;
  schedule?: Schedule;
}

/**
 * The shared machinery of optimisers over a fixed Parameter[]: the step counter, the scheduled
 * learning rate, zeroGrad, and checkpointing of per-parameter slot tensors. Slots are allocated once
 * here, so `step` allocates nothing.
 */
export abstract class Optimizer {
  /** The base learning rate; settable at any time (e.g. by a plateau rule outside the optimiser). */
  lr: number;
  schedule: Schedule | undefined;
  readonly weightDecay: number;
  readonly parameters: readonly Parameter[];
  protected abstract readonly kind: string;
  /** slots[s][i] is slot `slotNames[s]` of parameter i. */
  protected readonly slots: Tensor[][];
  private readonly slotNames: readonly string[];
  private stepCount = 0;

  protected constructor(
    parameters: readonly Parameter[],
    options: OptimizerOptions,
    slotNames: readonly string[],
  ) {
    const kind = new.target.name;
    if (!(options.lr >= 0))
      throw new Error(`dniflow/nn: ${kind} needs a learning rate >= 0, got ${options.lr}`);
    const weightDecay = options.weightDecay ?? 0;
    if (!(weightDecay >= 0))
      throw new Error(`dniflow/nn: ${kind} needs weightDecay >= 0, got ${weightDecay}`);
    const names = new Set<string>();
    for (const p of parameters) {
      if (names.has(p.name)) {
        throw new Error(`dniflow/nn: ${kind} got two parameters named '${p.name}'; names must be unique`);
      }
      names.add(p.name);
    }
    this.parameters = [...parameters];
    this.lr = options.lr;
    this.schedule = options.schedule;
    this.weightDecay = weightDecay;
    this.slotNames = slotNames;
    this.slots = slotNames.map(() => this.parameters.map((p) => Tensor.zeros(p.value.shape)));
  }

  /** Steps taken so far. */
  get steps(): number {
    return this.stepCount;
  }

  /** The rate the next `step` will use: lr × schedule(steps). */
  currentLr(): number {
    return this.schedule === undefined ? this.lr : this.lr * this.schedule(this.stepCount);
  }

  step(): void {
    const lr = this.currentLr();
    this.stepCount++;
    for (let i = 0; i < this.parameters.length; i++) {
      // A gradient zeroGrad marked that no backward wrote since is zero (see deferred-zero.ts).
      settleGradient(this.parameters[i].grad.data);
      this.update(i, lr, this.stepCount);
    }
  }

  /**
   * Zeroes every gradient; for Linear's, lazily: they are marked, and the layer's next backward
   * overwrites instead of adding (src/nn/deferred-zero.ts). Same values, one pass less per step.
   */
  zeroGrad(): void {
    for (const p of this.parameters) zeroGradient(p.grad.data);
  }

  /** A copy of the optimiser's state (safe to keep while training continues). */
  state(): OptimizerState {
    const slots: Record<string, Tensor> = {};
    this.slotNames.forEach((slot, s) => {
      this.parameters.forEach((p, i) => {
        slots[`${p.name}.${slot}`] = this.slots[s][i].clone();
      });
    });
    return { kind: this.kind, step: this.stepCount, lr: this.lr, slots };
  }

  /** Restores a state from `state()`; every slot must be present with its parameter's shape. */
  loadState(state: OptimizerState): void {
    if (state.kind !== this.kind) {
      throw new Error(`dniflow/nn: ${this.kind} cannot load the state of a ${state.kind}`);
    }
    // Validate everything before copying anything, so a bad checkpoint leaves the optimiser intact.
    this.slotNames.forEach((slot, s) => {
      this.parameters.forEach((p, i) => {
        const key = `${p.name}.${slot}`;
        const saved = state.slots[key];
        if (saved === undefined) throw new Error(`dniflow/nn: ${this.kind} state has no slot '${key}'`);
        expectShape(this.kind, key, saved.shape, this.slots[s][i].shape);
      });
    });
    this.slotNames.forEach((slot, s) => {
      this.parameters.forEach((p, i) => {
        this.slots[s][i].copyFrom(state.slots[`${p.name}.${slot}`]);
      });
    });
    this.stepCount = state.step;
    this.lr = state.lr;
  }

  /** Updates parameter i in place; `t` is the 1-based index of this step. */
  protected abstract update(index: number, lr: number, t: number): void;
}

function expectShape(kind: string, key: string, got: Shape, want: Shape): void {
  if (!sameShape(got, want)) {
    throw new Error(
      `dniflow/nn: ${kind} state slot '${key}' has shape ${formatShape(got)}, expected ${formatShape(want)}`,
    );
  }
}
