import { Tensor } from '../tensor/tensor.ts';
/**
 * The stale-gradient baseline's memory (paper §3.1, "Stale gradients"; DESIGN item 7): one gradient
 * row per training example, the gradient with respect to the example's activation at an interface as
 * it was computed when the example was last seen, optionally averaged over its past visits. Pure
 * state and math: the `staleGradient` operator decides when to read and write it.
 *
 * - An example never seen yet reads as zero: there is no past gradient to reuse (the sender then
 *   takes no step from it, like a zero-initialised DNI model's first prediction).
 * - The first visit stores its gradient as it is; later visits average exponentially,
 *   row ← decay · row + (1 − decay) · δ. Starting from the first gradient rather than from zero
 *   means no bias correction is needed (decay 0: the last visit's gradient, plain stale gradients).
 */
export class StaleGradientTable {
  readonly examples: number;
  /** Floats per example: the size of one activation row. */
  readonly rowSize: number;
  readonly decay: number;
  /** Names the table in errors (the edge it sits on). */
  readonly name: string;
  private readonly rows: Float32Array;
  private readonly seen: Uint8Array;

  constructor(examples: number, rowSize: number, decay: number, name = 'staleGradient') {
    if (!(Number.isInteger(examples) && examples > 0)) {
      throw new Error(
        `dniflow/operators: staleGradient table on ${name} needs a positive example count, got ${examples}`,
      );
    }
    if (!(Number.isInteger(rowSize) && rowSize > 0)) {
      throw new Error(
        `dniflow/operators: staleGradient table on ${name} needs a positive row size, got ${rowSize}`,
      );
    }
    if (!(decay >= 0 && decay < 1)) {
      throw new Error(
        `dniflow/operators: staleGradient table on ${name} needs decay in [0, 1), got ${decay}`,
      );
    }
    this.examples = examples;
    this.rowSize = rowSize;
    this.decay = decay;
    this.name = name;
    this.rows = new Float32Array(examples * rowSize);
    this.seen = new Uint8Array(examples);
  }

  /** Writes each listed example's stored gradient into its row of `out` (zeros if never seen). */
  lookup(indices: Uint32Array, out: Float32Array, step: number): void {
    this.checkIndices(indices, out.length, step);
    const { rows, rowSize } = this;
    for (let b = 0; b < indices.length; b++) {
      const from = indices[b] * rowSize;
      const to = b * rowSize;
      for (let k = 0; k < rowSize; k++) out[to + k] = rows[from + k];
    }
  }

  /** Stores row b of `gradients` as example indices[b]'s gradient: as it is on a first visit, else averaged. */
  store(indices: Uint32Array, gradients: Float32Array, step: number): void {
    this.checkIndices(indices, gradients.length, step);
    const { rows, rowSize, decay, seen } = this;
    const keep = 1 - decay;
    for (let b = 0; b < indices.length; b++) {
      const example = indices[b];
      const to = example * rowSize;
      const from = b * rowSize;
      if (seen[example] === 0) {
        for (let k = 0; k < rowSize; k++) rows[to + k] = gradients[from + k];
        seen[example] = 1;
      } else {
        for (let k = 0; k < rowSize; k++) rows[to + k] = decay * rows[to + k] + keep * gradients[from + k];
      }
    }
  }

  /** Whether the example has a stored gradient. */
  hasSeen(example: number): boolean {
    return this.seen[example] === 1;
  }

  /** Copies of the stored gradients and of which examples have one (checkpoints, moving to a worker). */
  state(): { rows: Tensor; seen: Tensor } {
    return {
      rows: new Tensor(this.rows.slice(), [this.examples, this.rowSize]),
      seen: new Tensor(Float32Array.from(this.seen), [this.examples]),
    };
  }

  /** Restores a `state()`, checking both sizes before writing anything. */
  loadState(state: { rows: Tensor; seen: Tensor }): void {
    if (state.rows.size !== this.rows.length || state.seen.size !== this.seen.length) {
      throw new Error(
        `dniflow/operators: staleGradient on ${this.name} state has ${state.rows.size} values for ${state.seen.size} examples, expected ${this.rows.length} for ${this.examples}`,
      );
    }
    this.rows.set(state.rows.data);
    this.seen.set(state.seen.data);
  }

  /** A copy of one example's stored gradient (for inspection and tests). */
  row(example: number): Float32Array {
    return this.rows.slice(example * this.rowSize, (example + 1) * this.rowSize);
  }

  private checkIndices(indices: Uint32Array, values: number, step: number): void {
    if (values !== indices.length * this.rowSize) {
      throw new Error(
        `dniflow/operators: staleGradient on ${this.name} got ${values} values for ${indices.length} examples of ${this.rowSize} at step ${step}`,
      );
    }
    for (let b = 0; b < indices.length; b++) {
      if (indices[b] >= this.examples) {
        throw new Error(
          `dniflow/operators: staleGradient on ${this.name} got example index ${indices[b]} at step ${step}, outside its table of ${this.examples} examples`,
        );
      }
    }
  }
}
