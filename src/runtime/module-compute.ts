import type { Optimizer } from '../nn/optim/optimizer.ts';
import type { Sequential } from '../nn/sequential.ts';
import type { Prng } from '../tensor/prng.ts';
import { allFinite } from '../tensor/reduce.ts';
import type { Tensor } from '../tensor/tensor.ts';

/** Thrown inside a step when a module's output is NaN or infinite; the engine reports it. */
export class NonFiniteOutput extends Error {
  constructor(readonly module: string) {
    super(`dniflow/runtime: module '${module}' produced non-finite values`);
  }
}

/**
 * The numeric side of a module actor: its layers, its own optimiser and its gradient sum.
 * Everything here is synchronous math; the actor decides when it runs.
 */
export class ModuleCompute {
  readonly name: string;
  readonly layers: Sequential;
  readonly optimizer: Optimizer;
  private readonly baseLr: number;
  private readonly coin: Prng | undefined;
  readonly pUpdate: number;
  private gradientSum: Tensor | null = null;
  /** Whether gradientSum is this module's own copy (false: it is the first message's tensor). */
  private ownsGradientSum = false;
  updates = 0;

  constructor(name: string, layers: Sequential, optimizer: Optimizer, pUpdate: number, coin?: Prng) {
    this.name = name;
    this.layers = layers;
    this.optimizer = optimizer;
    this.baseLr = optimizer.lr;
    this.pUpdate = pUpdate;
    this.coin = coin;
  }

  /** The forward pass, copied into a tensor the outgoing message owns. */
  forward(input: Tensor, training: boolean): Tensor {
    const output = this.layers.forward(input, training);
    if (allFinite(output.data) !== -1) throw new NonFiniteOutput(this.name);
    return output.clone();
  }

  /**
   * Adds a received gradient into the step's sum. The first one is kept by reference (messages own
   * their tensors and nobody writes to them), and copied only if a second one must be added to it:
   * a module with one gradient edge, the usual case, copies nothing.
   */
  accumulate(gradient: Tensor): void {
    if (this.gradientSum === null) {
      this.gradientSum = gradient;
      this.ownsGradientSum = false;
      return;
    }
    if (!this.ownsGradientSum) {
      this.gradientSum = this.gradientSum.clone();
      this.ownsGradientSum = true;
    }
    const sum = this.gradientSum.data;
    const add = gradient.data;
    for (let i = 0; i < sum.length; i++) sum[i] += add[i];
  }

  /** Whether this step updates: always when pUpdate is 1; otherwise a draw from the module's own stream. */
  updatesThisStep(): boolean {
    return this.pUpdate >= 1 || this.coin!.uniform() < this.pUpdate;
  }

  /** Backpropagates the summed gradient, takes one optimiser step, returns ∂L/∂input (message-owned). */
  backwardAndUpdate(): Tensor {
    const gradient = this.takeGradient();
    this.optimizer.zeroGrad();
    const inputGradient = this.layers.backward(gradient).clone();
    this.optimizer.step();
    this.updates++;
    return inputGradient;
  }

  /**
   * Drops the step's gradient (sparse updates, paper §3.1). The actor decides to skip when the last
   * gradient arrives and does not accumulate that one, so a module with a single gradient-bearing
   * output edge has nothing summed here: there is nothing to require.
   */
  /**
   * backwardAndUpdate for a module whose input gradient goes nowhere (its inputs all come from the
   * data source): the first layer skips ∂L/∂input, and nothing is copied out. Same parameter update.
   */
  updateWithoutInputGradient(): void {
    const gradient = this.takeGradient();
    this.optimizer.zeroGrad();
    this.layers.backwardParameters(gradient);
    this.optimizer.step();
    this.updates++;
  }

  skip(): void {
    this.gradientSum = null;
  }

  scaleLearningRate(factor: number): void {
    this.optimizer.lr = this.baseLr * factor;
  }

  private takeGradient(): Tensor {
    const gradient = this.gradientSum;
    if (gradient === null) throw new Error(`dniflow/runtime: module '${this.name}' has no gradient to apply`);
    this.gradientSum = null;
    return gradient;
  }
}
