/**
 * Finite-difference gradient checking for src/nn layers and losses.
 *
 * A layer is reduced to a scalar by an objective: by default L = Σ y ⊙ R with a fixed random
 * projection R (so ∂L/∂y = R and every output entry matters), or a real Loss. The scalar is
 * accumulated in float64 from the float32 outputs. Each checked entry θ is perturbed to θ ± eps;
 * the perturbed values are rounded to float32 and the central difference divides by their actual
 * float32 distance, so the rounding of θ ± eps costs no accuracy.
 *
 * Error per entry: |analytic − numeric| / max(|analytic|, |numeric|, floor · tensorScale,
 * globalFloor · checkScale), where tensorScale is the largest gradient magnitude in that tensor and
 * checkScale the largest in the whole check. The floors keep entries whose true gradient is ~0 from
 * reporting float32 noise as huge relative errors; they are fractions of the gradients' own scale,
 * so a systematically wrong gradient is still caught.
 */
import type { Layer } from '../../src/nn/layer.ts';
import type { Loss } from '../../src/nn/losses/loss.ts';
import { Prng } from '../../src/tensor/prng.ts';
import { Tensor } from '../../src/tensor/tensor.ts';

export interface Objective {
  /** The scalar for an output (read immediately: the output buffer is the layer's). */
  value(output: Tensor): number;
  /** ∂value/∂output, for the output of the latest `value` call. */
  gradient(output: Tensor): Tensor;
}

export interface GradcheckOptions {
  eps?: number;
  /** Relative floor as a fraction of each tensor's gradient scale (default 1e-2). */
  floor?: number;
  /**
   * Floor as a fraction of the largest gradient in the whole check (default 1e-3): a tensor whose true
   * gradient is exactly zero (a bias before BatchNorm) has only rounding noise on both sides, which
   * is no error.
   */
  globalFloor?: number;
  training?: boolean;
  /** Entries per tensor beyond which a seeded random subset is checked (default 512). */
  maxEntries?: number;
  seed?: number;
  objective?: Objective;
}

export interface TensorReport {
  readonly worst: number;
  readonly index: number;
  readonly analytic: number;
  readonly numeric: number;
  readonly checked: number;
}

export interface GradcheckReport {
  /** The worst relative error over every checked tensor. */
  readonly worst: number;
  readonly worstTensor: string;
  readonly tensors: Record<string, TensorReport>;
}

/** Σ output ⊙ R for a fixed seeded R of the output's shape (created on first use). */
export function projectionObjective(seed = 7): Objective {
  let projection: Tensor | null = null;
  const get = (output: Tensor): Tensor => {
    if (projection === null || projection.size !== output.size) {
      projection = Tensor.zeros(output.shape);
      new Prng(seed, 'gradcheck-projection').fillUniform(projection.data, -1, 1);
    }
    return projection.reshape(output.shape);
  };
  return {
    value(output) {
      const r = get(output).data;
      let total = 0;
      for (let i = 0; i < r.length; i++) total += output.data[i] * r[i];
      return total;
    },
    gradient: get,
  };
}

/** A real loss as the objective; `target` is fixed. */
export function lossObjective<Target>(loss: Loss<Target>, target: Target): Objective {
  return {
    value: (output) => loss.forward(output, target),
    gradient: () => loss.backward(),
  };
}

/** Checks ∂objective/∂input and ∂objective/∂θ for every parameter of `layer`. */
export function gradcheckLayer(layer: Layer, input: Tensor, options: GradcheckOptions = {}): GradcheckReport {
  const training = options.training ?? true;
  const objective = options.objective ?? projectionObjective(options.seed ?? 7);
  const evaluate = (): number => objective.value(layer.forward(input, training));
  // Analytic gradients: fresh accumulators, one forward, one backward.
  for (const p of layer.parameters()) p.grad.data.fill(0);
  const output = layer.forward(input, training);
  objective.value(output);
  const gradInput = layer.backward(objective.gradient(output)).clone();
  const analytic: Array<[string, Float32Array, Float32Array]> = [['input', input.data, gradInput.data]];
  for (const p of layer.parameters()) analytic.push([p.name, p.value.data, p.grad.data.slice()]);
  return compare(analytic, evaluate, options);
}

/** Checks ∂loss/∂prediction of a Loss. */
export function gradcheckLoss<Target>(
  loss: Loss<Target>,
  prediction: Tensor,
  target: Target,
  options: GradcheckOptions = {},
): GradcheckReport {
  loss.forward(prediction, target);
  const gradient = loss.backward().data.slice();
  return compare(
    [['prediction', prediction.data, gradient]],
    () => loss.forward(prediction, target),
    options,
  );
}

function compare(
  tensors: Array<[string, Float32Array, Float32Array]>,
  evaluate: () => number,
  options: GradcheckOptions,
): GradcheckReport {
  const eps = options.eps ?? 1e-2;
  const floor = options.floor ?? 1e-2;
  const globalFloor = options.globalFloor ?? 1e-3;
  const maxEntries = options.maxEntries ?? 512;
  const pick = new Prng(options.seed ?? 7, 'gradcheck-entries');
  const measured = tensors.map(([name, values, analytic]) => {
    const indices =
      values.length <= maxEntries
        ? [...Array(values.length).keys()]
        : [...pick.permutation(values.length)].slice(0, maxEntries);
    const numeric = indices.map((i) => centralDifference(values, i, eps, evaluate));
    const scale = Math.max(
      0,
      ...indices.map((i, k) => Math.max(Math.abs(analytic[i]), Math.abs(numeric[k]))),
    );
    return { name, analytic, indices, numeric, scale };
  });
  const checkScale = Math.max(1e-12, ...measured.map((m) => m.scale));
  const reports: Record<string, TensorReport> = {};
  let worst = 0;
  let worstTensor = '';
  for (const { name, analytic, indices, numeric, scale } of measured) {
    const denominatorFloor = Math.max(floor * scale, globalFloor * checkScale);
    let tensorWorst = 0;
    let at = 0;
    indices.forEach((i, k) => {
      const a = analytic[i];
      const n = numeric[k];
      const error = Math.abs(a - n) / Math.max(Math.abs(a), Math.abs(n), denominatorFloor);
      if (error > tensorWorst || Number.isNaN(error)) {
        tensorWorst = error;
        at = k;
      }
    });
    reports[name] = {
      worst: tensorWorst,
      index: indices[at],
      analytic: analytic[indices[at]],
      numeric: numeric[at],
      checked: indices.length,
    };
    if (tensorWorst > worst || Number.isNaN(tensorWorst)) {
      worst = tensorWorst;
      worstTensor = name;
    }
  }
  return { worst, worstTensor, tensors: reports };
}

/** ∂evaluate/∂values by central differences, entry by entry (values are perturbed in place and restored). */
export function numericGradient(values: Float32Array, evaluate: () => number, eps = 1e-2): Float64Array {
  const gradient = new Float64Array(values.length);
  for (let i = 0; i < values.length; i++) gradient[i] = centralDifference(values, i, eps, evaluate);
  return gradient;
}

function centralDifference(values: Float32Array, i: number, eps: number, evaluate: () => number): number {
  const original = values[i];
  values[i] = original + eps;
  const plusAt = values[i]; // rounded to float32
  const plus = evaluate();
  values[i] = original - eps;
  const minusAt = values[i];
  const minus = evaluate();
  values[i] = original;
  return (plus - minus) / (plusAt - minusAt);
}

/** A one-line summary for failure messages and logs. */
export function describe(report: GradcheckReport): string {
  const parts = Object.entries(report.tensors).map(
    ([name, t]) =>
      `${name}: ${t.worst.toExponential(2)} (at ${t.index}: analytic ${t.analytic.toPrecision(5)}, numeric ${t.numeric.toPrecision(5)})`,
  );
  return `worst ${report.worst.toExponential(2)} in ${report.worstTensor}; ${parts.join('; ')}`;
}
