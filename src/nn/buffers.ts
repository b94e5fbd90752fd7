import { type Shape, sameShape, Tensor } from '../tensor/tensor.ts';

/**
 * Buffer ownership for layers: a layer keeps its output and input-gradient tensors between calls and
 * allocates new ones only when the shape changes (in practice: when the batch size changes). This
 * is what keeps the per-batch hot path free of allocation.
 */
export function reuse(current: Tensor | null, shape: Shape): Tensor {
  if (current !== null && sameShape(current.shape, shape)) return current;
  return Tensor.zeros(shape);
}

/**
 * reuse() for a rank-2 or rank-4 shape given as dimensions: when the current buffer matches, not even
 * a shape array is allocated (forward/backward run once per batch, so this is the hot path).
 */
export function reuseDims(current: Tensor | null, d0: number, d1: number, d2 = -1, d3 = -1): Tensor {
  if (current !== null) {
    const s = current.shape;
    const rank = d2 < 0 ? 2 : 4;
    if (s.length === rank && s[0] === d0 && s[1] === d1 && (rank === 2 || (s[2] === d2 && s[3] === d3))) {
      return current;
    }
  }
  return Tensor.zeros(d2 < 0 ? [d0, d1] : [d0, d1, d2, d3]);
}

export function formatShape(shape: Shape): string {
  return `[${shape.join(', ')}]`;
}

/** An error from src/nn naming the layer kind and instance, e.g. `dniflow/nn: Linear 'fc1' …`. */
export function layerError(kind: string, name: string, message: string): Error {
  return new Error(`dniflow/nn: ${kind} '${name}' ${message}`);
}

/** Throws unless `gradOutput` has the shape of the output the layer last produced. */
export function checkGradOutput(kind: string, name: string, output: Tensor | null, gradOutput: Tensor): void {
  if (output === null) throw layerError(kind, name, 'backward called before forward');
  if (!sameShape(output.shape, gradOutput.shape)) {
    throw layerError(
      kind,
      name,
      `expects gradOutput of shape ${formatShape(output.shape)}, got ${formatShape(gradOutput.shape)}`,
    );
  }
}

/** Parses a kernel/stride/padding argument that is either one number or [height, width]. */
export function pair(value: number | readonly [number, number]): [number, number] {
  return typeof value === 'number' ? [value, value] : [value[0], value[1]];
}
