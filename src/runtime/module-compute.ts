import type { Optimizer } from '../nn/optim/optimizer.ts';
import type { Sequential } from '../nn/sequential.ts';
import type { Prng } from '../tensor/prng.ts';
import { allFinite } from '../tensor/reduce.ts';
import type { Tensor } from '../tensor/tensor.ts';
import { GradientSum } from './gradient-sum.ts';

/** Thrown inside a step when a module's output is NaN or infinite; the engine reports it. */
export class NonFiniteOutput extends Error {
  constructor(readonly module: string) {
    super(`dniflow/runtime: module '${module}' produced non-finite values`);
  }
}

/**
 * The numeric side of a module process: its layers, its own optimiser and its gradient sum.
 * Everything here is synchronous math; the process's logic decides when it runs.
 */
export class ModuleCompute {
  readonly name: string;
  readonly layers: Sequential;
  readonly optimizer: Optimizer;
  private readonly baseLr: number;
  /** The module's own stream for the `p_update` coin (its position is part of the run's state). */
  readonly coin: Prng | undefined;
  readonly pUpdate: number;
  /** What the step's gradients sum to: backpropagated to the module's inputs. */
  private readonly gradientSum = new GradientSum();
  /**
   * What the parameter update uses, kept only once some edge delivered a separate `update` (the
   * stale-gradient baseline with true targets, paper §3.1); until then the update is gradientSum.
   */
  private readonly updateSum = new GradientSum();
  private separateUpdate = false;
  updates = 0;

  constructor(name: string, layers: Sequential, optimizer: Optimizer, pUpdate: number, coin?: Prng) {
    this.name = name;
    this.layers = layers;
    this.optimizer = optimizer;
    this.baseLr = optimizer.lr;
    this.pUpdate = pUpdate;
    this.coin = coin;
  }

  /**
   * The forward pass, in the last layer's buffer: valid until this module's next forward (or
   * predict). Not copied here: the engine decides whether a message needs its own copy (it does
   * under every scheduler but lockstep: see ModuleWiring.copyMessages).
   */
  forward(input: Tensor, training: boolean): Tensor {
    const output = this.layers.forward(input, training);
    if (allFinite(output.data) !== -1) throw new NonFiniteOutput(this.name);
    return output;
  }

  /**
   * Adds a received gradient into the step's sum, and its `update` (if the edge delivered one) into
   * the update's sum; an edge without one updates with its gradient, as usual.
   */
  accumulate(gradient: Tensor, update?: Tensor): void {
    if (update !== undefined && !this.separateUpdate) {
      this.separateUpdate = true;
      // Earlier edges update with what they delivered. Added (and so copied, below) before
      // gradientSum is next written in place.
      const earlier = this.gradientSum.peek();
      if (earlier !== null) this.updateSum.add(earlier);
    }
    if (this.separateUpdate) this.updateSum.add(update ?? gradient);
    this.gradientSum.add(gradient);
  }

  /** Whether this step updates: always when pUpdate is 1; otherwise a draw from the module's own stream. */
  updatesThisStep(): boolean {
    return this.pUpdate >= 1 || this.coin!.uniform() < this.pUpdate;
  }

  /**
   * Backpropagates the summed gradient, takes one optimiser step, returns ∂L/∂input in the first
   * layer's buffer (valid until this module's next backward; copying is the engine's call, as for
   * `forward`).
   * With a separate update sum (stale gradients, true targets; paper §3.1), ∂L/∂input comes from the
   * gradient sum and the parameter gradients from the update sum: two backward passes over the same
   * forward caches (this step's, so either order is valid). The input gradient goes first, so it is
   * computed with the weights before the step, as backprop computes it.
   */
  backwardAndUpdate(): Tensor {
    const gradient = this.takeGradient();
    const update = this.takeUpdate();
    this.optimizer.zeroGrad();
    let inputGradient = this.layers.backward(gradient);
    if (update !== null) {
      // Copied first: the second pass rewrites the first layer's ∂L/∂input buffer when that layer
      // has no backwardParameters (and a leading Flatten's is a view on the second layer's).
      inputGradient = inputGradient.clone();
      // Discards the parameter gradients of the pass above: the update is the stale gradient's.
      this.optimizer.zeroGrad();
      this.layers.backwardParameters(update);
    }
    this.optimizer.step();
    this.updates++;
    return inputGradient;
  }

  /**
   * backwardAndUpdate for a module whose input gradient goes nowhere (its inputs all come from the
   * data source): the first layer skips ∂L/∂input, and nothing is copied out. Same parameter update
   * (from the update sum when there is one: the gradient sum is then not needed at all).
   */
  updateWithoutInputGradient(): void {
    const gradient = this.takeGradient();
    const update = this.takeUpdate() ?? gradient;
    this.optimizer.zeroGrad();
    this.layers.backwardParameters(update);
    this.optimizer.step();
    this.updates++;
  }

  /**
   * Drops the step's gradient (sparse updates, paper §3.1). The logic decides to skip when the last
   * gradient arrives and does not accumulate that one, so a module with a single gradient-bearing
   * output edge has nothing summed here: there is nothing to require.
   */
  skip(): void {
    this.gradientSum.take();
    this.updateSum.take();
    this.separateUpdate = false;
  }

  scaleLearningRate(factor: number): void {
    this.optimizer.lr = this.baseLr * factor;
  }

  private takeGradient(): Tensor {
    const gradient = this.gradientSum.take();
    if (gradient === null) throw new Error(`dniflow/runtime: module '${this.name}' has no gradient to apply`);
    return gradient;
  }

  /** The update sum if an edge delivered a separate update this step, else null (update with the gradient). */
  private takeUpdate(): Tensor | null {
    if (!this.separateUpdate) return null;
    this.separateUpdate = false;
    return this.updateSum.take();
  }
}
